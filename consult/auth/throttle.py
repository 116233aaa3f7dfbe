"""Sign-in throttling that neither reveals which emails have accounts nor lets a stranger
lock a named person out.

Failures are counted in the database (so every worker and every machine sees the same
count) under two keys, each a keyed hash (HMAC with the app's secret key) so neither the
typed email nor the client address is stored:

- the typed email *and* the client address together: after ``LOGIN_MAX_FAILURES`` in
  ``LOGIN_LOCKOUT_MINUTES`` that pair waits until the window has passed. Someone guessing
  a lead's password from their own machine blocks only themselves; the lead signs in from
  anywhere else as usual.
- the client address alone: ``LOGIN_CLIENT_MAX_FAILURES`` in the same window (password
  spraying across many emails).

Unknown and known emails are counted, refused and worded alike. A correct password from a
throttled pair is refused too (it is not even checked), so the answer never depends on
whether the guess was right.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from flask import current_app, request
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from consult.auth.models import SignInFailure
from consult.models import utcnow


def _key(kind: str, value: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def email_key(email: str) -> str:
    return _key("email", email.strip().lower())


def client_key() -> str:
    return _key("client", request.remote_addr or "unknown")


def window() -> dt.timedelta:
    return dt.timedelta(minutes=int(current_app.config["LOGIN_LOCKOUT_MINUTES"]))


def is_throttled(db: Session, email: str) -> bool:
    since = utcnow() - window()
    client = client_key()
    recent = select(func.count()).select_from(SignInFailure).where(SignInFailure.at > since)
    pair = db.scalar(
        recent.where(
            SignInFailure.email_key == email_key(email), SignInFailure.client_key == client
        )
    )
    if pair >= int(current_app.config["LOGIN_MAX_FAILURES"]):
        return True
    from_client = db.scalar(recent.where(SignInFailure.client_key == client))
    return from_client >= int(current_app.config["LOGIN_CLIENT_MAX_FAILURES"])


def record_failure(db: Session, email: str) -> None:
    now = utcnow()
    # Old failures count for nothing: forget them as we go.
    db.execute(delete(SignInFailure).where(SignInFailure.at < now - 4 * window()))
    db.add(SignInFailure(at=now, email_key=email_key(email), client_key=client_key()))


def clear(db: Session, email: str, *, everywhere: bool = False) -> int:
    """After a successful sign-in (this client only) or an administrator's unlock
    (``everywhere``): the email's failures are forgotten."""
    stmt = delete(SignInFailure).where(SignInFailure.email_key == email_key(email))
    if not everywhere:
        stmt = stmt.where(SignInFailure.client_key == client_key())
    return db.execute(stmt).rowcount or 0


def forget_older_than(db: Session, cutoff: dt.datetime) -> int:
    return db.execute(delete(SignInFailure).where(SignInFailure.at < cutoff)).rowcount or 0
