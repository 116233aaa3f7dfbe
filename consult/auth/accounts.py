"""Staff accounts: creation, sign-in checks and the account lifecycle (disable, re-enable,
change role or school, reset or change a password). Passwords are hashed with scrypt
(werkzeug); there is no default account and no default password.

Every change here ends the account's open sessions (``consult.auth.sessions``) and is
recorded in the audit trail; the caller commits.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from consult.auth import audit, passwords, sessions, throttle
from consult.models import User, utcnow

ROLES = ("admin", "analyst", "school_staff", "safeguarding_lead")
MIN_PASSWORD = passwords.MIN_LENGTH
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# Compared against when the email is unknown, so timing does not reveal which emails exist.
@cache
def _dummy_hash() -> str:
    """Compared against when the email is unknown; made on first use (scrypt is slow on
    purpose, and commands that never check a password should not pay for it)."""
    return generate_password_hash("not-a-real-password-0000", method="scrypt")


class AccountError(ValueError):
    """A staff account cannot be created or changed: the message says why."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check_password_strength(password: str, email: str = "") -> None:
    try:
        passwords.check(password, email=email)
    except passwords.WeakPassword as exc:
        raise AccountError(str(exc)) from None


def find_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def get_by_email(db: Session, email: str) -> User:
    user = find_by_email(db, email)
    if user is None:
        raise AccountError(f"There is no account for {email.strip().lower()}")
    return user


def list_accounts(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(func.lower(User.email))))


def _check_role(role: str, school: str | None) -> None:
    if role not in ROLES:
        raise AccountError(f"Select a role: one of {', '.join(ROLES)}")
    if role == "school_staff" and not school:
        raise AccountError("Enter the school for a member of school staff")


def create_user(
    db: Session,
    *,
    email: str,
    role: str,
    password: str,
    name: str = "",
    school: str | None = None,
    by: User | None = None,
    via: str | None = None,
) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AccountError("Enter an email address in the correct format, like name@example.org")
    _check_role(role, school)
    check_password_strength(password, email)
    if find_by_email(db, email) is not None:
        raise AccountError(f"An account for {email} already exists")
    user = User(
        email=email, role=role, name=name, school=school or None,
        password_hash=hash_password(password),
    )
    db.add(user)
    db.flush()
    if via is not None or by is not None:
        _audit(db, "account_create", user, by, via, {"role": role, "school": school or None})
    return user


# --- signing in -------------------------------------------------------------------------------
@dataclass
class LoginResult:
    user: User | None  # the signed-in user, or None
    throttled: bool = False  # too many failures from this client (for this email, or at all)
    # Why: "device" (this device or address) or "account" (guessed at from elsewhere).
    throttled_why: str | None = None
    known: User | None = None  # on failure: the account the email names (for the audit only)
    disabled: bool = False


def authenticate(db: Session, email: str, password: str) -> LoginResult:
    """Check a password, counting failures (``consult.auth.throttle``). Unknown emails,
    wrong passwords and disabled accounts fail alike, at the same cost."""
    why = throttle.why_throttled(db, email)
    if why is not None:
        check_password_hash(_dummy_hash(), password)
        return LoginResult(None, throttled=True, known=find_by_email(db, email), throttled_why=why)
    user = find_by_email(db, email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        right = False
    else:
        right = check_password_hash(user.password_hash, password)
    if not right or user.disabled_at is not None:
        throttle.record_failure(db, email)
        return LoginResult(None, known=user, disabled=bool(right and user.disabled_at))
    throttle.clear(db, email)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    return LoginResult(user)


def unlock_user(db: Session, email: str) -> User:
    """Forget the failed sign-ins for an email, from every client (an administrator's
    action, e.g. ``consult users unlock``)."""
    user = get_by_email(db, email)
    throttle.clear(db, user.email, everywhere=True)
    user.locked_until = None
    user.failed_logins = 0
    return user


# --- the lifecycle (administrators) -----------------------------------------------------------
def _audit(db, action, user, by, via, details=None) -> None:
    details = dict(details or {})
    if via:
        details["via"] = via
    audit.record(db, action, user=by, target=user.email, details=details)


def _enabled_admins(db: Session) -> int:
    return db.scalar(
        select(func.count()).select_from(User).where(
            User.role == "admin", User.disabled_at.is_(None)
        )
    )


def _keep_an_admin(db: Session, user: User) -> None:
    if user.role == "admin" and user.disabled_at is None and _enabled_admins(db) <= 1:
        raise AccountError(
            f"{user.email} is the only administrator: make someone else an administrator first"
        )


def disable(db: Session, user: User, *, by: User | None = None, via: str | None = None) -> int:
    """Disable ``user``: every session ends now and sign-in is refused. Returns the number
    of sessions ended."""
    if user.disabled_at is not None:
        raise AccountError(f"{user.email} is already disabled")
    _keep_an_admin(db, user)
    user.disabled_at = utcnow()
    ended = sessions.end_all_for(db, user, "disabled")
    _audit(db, "account_disable", user, by, via, {"sessions_ended": ended})
    return ended


def enable(db: Session, user: User, *, by: User | None = None, via: str | None = None) -> None:
    if user.disabled_at is None:
        raise AccountError(f"{user.email} is not disabled")
    user.disabled_at = None
    throttle.clear(db, user.email, everywhere=True)
    _audit(db, "account_enable", user, by, via)


def change_role(
    db: Session,
    user: User,
    role: str,
    school: str | None,
    *,
    by: User | None = None,
    via: str | None = None,
) -> int:
    """Give ``user`` a new role and/or school; their sessions end (they sign in again with
    the new access). Returns the number of sessions ended."""
    school = (school or "").strip() or None
    _check_role(role, school)
    if role == user.role and school == user.school:
        raise AccountError("Change the role or the school, or cancel")
    if role != "admin":
        _keep_an_admin(db, user)
    before = {"role": user.role, "school": user.school}
    user.role, user.school = role, school
    ended = sessions.end_all_for(db, user, "account_changed")
    _audit(
        db, "account_role_change", user, by, via,
        {"from": before, "to": {"role": role, "school": school}, "sessions_ended": ended},
    )
    return ended


def temporary_password() -> str:
    # 4 groups of 4 from an unambiguous alphabet: about 80 bits, easy to read out.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)


def reset_password(
    db: Session, user: User, *, by: User | None = None, via: str | None = None
) -> str:
    """Give ``user`` a temporary password (returned, shown once, never stored in clear):
    their sessions end and the first sign-in with it must choose a new one."""
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    throttle.clear(db, user.email, everywhere=True)
    ended = sessions.end_all_for(db, user, "password_reset")
    _audit(db, "account_password_reset", user, by, via, {"sessions_ended": ended})
    return password


def change_own_password(db: Session, user: User, current: str, new: str) -> dict[str, str]:
    """A member of staff choosing a new password. Returns errors by field (empty: done).
    Every session of the account ends; the caller starts a fresh one."""
    errors: dict[str, str] = {}
    if not current:
        errors["current_password"] = "Enter your current password"  # noqa: S105
    elif not check_password_hash(user.password_hash, current):
        errors["current_password"] = "Enter your current password correctly"  # noqa: S105
    if not new:
        errors["new_password"] = "Enter a new password"  # noqa: S105
    elif new == current:
        errors["new_password"] = "Choose a new password, not the one you have now"  # noqa: S105
    else:
        try:
            check_password_strength(new, user.email)
        except AccountError as exc:
            errors["new_password"] = str(exc)
    if errors:
        return errors
    user.password_hash = hash_password(new)
    user.must_change_password = False
    sessions.end_all_for(db, user, "password_changed")
    audit.record(db, "password_change", user=user, target=user.email)
    return {}
