"""Staff accounts: creation, password checks with lockout. Passwords are hashed with
scrypt (werkzeug); there is no default account and no default password."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from consult.models import User, utcnow

ROLES = ("admin", "analyst", "school_staff", "safeguarding_lead")
MIN_PASSWORD = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Compared against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000", method="scrypt")


class AccountError(ValueError):
    """A staff account cannot be created or changed: the message says why."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Enter a password of at least {MIN_PASSWORD} characters")
    if password.lower() in {"password1234", "passwordpassword", "123456789012"}:
        raise AccountError("Choose a password that is harder to guess")


def find_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    db: Session, *, email: str, role: str, password: str, name: str = "", school: str | None = None
) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AccountError("Enter an email address in the correct format, like name@example.org")
    if role not in ROLES:
        raise AccountError(f"Role must be one of: {', '.join(ROLES)}")
    if role == "school_staff" and not school:
        raise AccountError("Enter the school for a member of school staff")
    check_password_strength(password)
    if find_by_email(db, email) is not None:
        raise AccountError(f"An account for {email} already exists")
    user = User(
        email=email, role=role, name=name, school=school, password_hash=hash_password(password)
    )
    db.add(user)
    db.flush()
    return user


class LoginResult:
    def __init__(self, user: User | None, locked: bool = False):
        self.user = user
        self.locked = locked


def authenticate(
    db: Session, email: str, password: str, *, max_failures: int, lockout: dt.timedelta
) -> LoginResult:
    """Check a password. After ``max_failures`` wrong passwords in a row the account is
    locked for ``lockout``; a locked account refuses even the right password."""
    user = find_by_email(db, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return LoginResult(None)
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        return LoginResult(None, locked=True)
    if not check_password_hash(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lockout
            user.failed_logins = 0
            return LoginResult(None, locked=True)
        return LoginResult(None)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return LoginResult(user)


def unlock_user(db: Session, email: str) -> User:
    """Lift a lockout (an administrator's action, e.g. ``consult users unlock``)."""
    user = find_by_email(db, email)
    if user is None:
        raise AccountError(f"There is no account for {email.strip().lower()}")
    user.locked_until = None
    user.failed_logins = 0
    return user
