"""Server-side staff sessions (one place for their SQL).

The signed cookie carries a random token; ``staff_session`` keeps its SHA-256 with the
account, when it started, when the person last did something and its absolute end. A
session is good only while it has not been ended, is younger than ``STAFF_SESSION_HOURS``,
has seen its person within ``STAFF_IDLE_MINUTES`` and the account is enabled.

Background requests (the safeguarding queue's and the projector's polling, an analysis
run's progress) are not activity: a tab left open does not keep a session alive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, request
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from consult.auth.models import StaffSession
from consult.models import User, utcnow

DEFAULT_IDLE_MINUTES = 60
DEFAULT_SESSION_HOURS = 10
# last_seen_at is written at most this often (one UPDATE a minute, not one a request).
TOUCH_EVERY = dt.timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config.get("STAFF_IDLE_MINUTES", DEFAULT_IDLE_MINUTES))


def absolute_limit() -> dt.timedelta:
    hours = current_app.config.get("STAFF_SESSION_HOURS", DEFAULT_SESSION_HOURS)
    return dt.timedelta(hours=float(hours))


def start(db: Session, user: User) -> str:
    """A new session for ``user``; returns the token for the cookie (caller commits)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        StaffSession(
            token_hash=_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + absolute_limit(),
        )
    )
    db.flush()
    return token


def is_background_request() -> bool:
    """A script's fetch (polling) rather than the person: browsers send
    ``Sec-Fetch-Dest: empty`` for fetch/XHR; our scripts also ask for JSON."""
    if request.headers.get("Sec-Fetch-Dest") == "empty":
        return True
    accept = request.accept_mimetypes
    return request.method == "GET" and accept.best == "application/json"


def find_valid(db: Session, token: str | None) -> StaffSession | None:
    if not token:
        return None
    found = db.scalar(
        select(StaffSession)
        .where(StaffSession.token_hash == _hash(token))
        .options(joinedload(StaffSession.user))
    )
    if found is None or found.ended_at is not None:
        return None
    now = utcnow()
    if now >= found.expires_at or now - found.last_seen_at > idle_limit():
        return None
    if found.user is None or found.user.disabled_at is not None:
        return None
    return found


def touch(db: Session, staff_session: StaffSession) -> bool:
    """Record activity (at most once a minute). Returns True when something was written."""
    now = utcnow()
    if now - staff_session.last_seen_at < TOUCH_EVERY:
        return False
    staff_session.last_seen_at = now
    return True


def end(db: Session, token: str | None, reason: str = "sign_out") -> None:
    if token:
        db.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == _hash(token), StaffSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        )


def end_all_for(db: Session, user: User, reason: str) -> int:
    """End every open session of ``user`` (an account change, a new password, disabling)."""
    result = db.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return result.rowcount or 0


def forget_older_than(db: Session, cutoff: dt.datetime) -> int:
    from sqlalchemy import delete

    return db.execute(delete(StaffSession).where(StaffSession.expires_at < cutoff)).rowcount or 0
