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

- the typed email alone, from any address: once it has ``LOGIN_ACCOUNT_FREE_FAILURES`` in
  the window, attempts at it from devices it was never signed in on are spaced at least
  ``LOGIN_ACCOUNT_DELAY_SECONDS`` apart, so guessing from many addresses at once is slowed
  to a trickle, while the owner at worst waits that long.

A browser that signed in to an account gets a signed device cookie for it (OWASP's "device
cookies"). From that device, attempts at that account are counted for the device alone:
neither a stranger guessing from the same school network nor one guessing from anywhere
else can lock the owner out of their own computer.

Unknown and known emails are counted, refused and worded alike. A correct password from a
throttled pair is refused too (it is not even checked), so the answer never depends on
whether the guess was right.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from consult.auth.models import SignInFailure
from consult.models import utcnow


def _key(kind: str, value: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def email_key(email: str) -> str:
    return _key("email", email.strip().lower())


DEVICE_COOKIE = "consult_device"
DEVICE_COOKIE_DAYS = 365


def _devices() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt="staff-device")


def trusted_device(email: str) -> str | None:
    """The id of this browser's device cookie when it was issued for ``email``, else None."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _devices().loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("e") != email_key(email):
        return None
    return str(data.get("d") or "") or None


def remember_device(response, email: str) -> None:
    """After a successful sign-in: this browser is a known device for ``email``."""
    value = _devices().dumps({"e": email_key(email), "d": secrets.token_hex(12)})
    response.set_cookie(
        DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_DAYS * 86400, httponly=True,
        samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/staff",
    )


def client_key(email: str | None = None) -> str:
    """Who is trying: the trusted device for ``email`` if this browser is one, else the
    client address."""
    device = trusted_device(email) if email else None
    if device:
        return _key("device", device)
    return _key("client", request.remote_addr or "unknown")


def window() -> dt.timedelta:
    return dt.timedelta(minutes=int(current_app.config["LOGIN_LOCKOUT_MINUTES"]))


def why_throttled(db: Session, email: str) -> str | None:
    """None when an attempt at ``email`` from here may be checked; else "device" (too many
    failures from this device or address) or "account" (the account is being guessed at
    from elsewhere: wait ``LOGIN_ACCOUNT_DELAY_SECONDS``)."""
    config = current_app.config
    now = utcnow()
    since = now - window()
    recent = select(func.count()).select_from(SignInFailure).where(SignInFailure.at > since)
    mine = recent.where(SignInFailure.email_key == email_key(email))
    if trusted_device(email):
        # The owner's own browser: only its own failures count.
        device = db.scalar(mine.where(SignInFailure.client_key == client_key(email)))
        return "device" if device >= int(config["LOGIN_MAX_FAILURES"]) else None
    client = client_key()
    if db.scalar(mine.where(SignInFailure.client_key == client)) >= int(
        config["LOGIN_MAX_FAILURES"]
    ):
        return "device"
    from_client = db.scalar(recent.where(SignInFailure.client_key == client))
    if from_client >= int(config["LOGIN_CLIENT_MAX_FAILURES"]):
        return "device"
    if db.scalar(mine) >= int(config["LOGIN_ACCOUNT_FREE_FAILURES"]):
        last = db.scalar(
            select(func.max(SignInFailure.at)).where(SignInFailure.email_key == email_key(email))
        )
        delay = dt.timedelta(seconds=int(config["LOGIN_ACCOUNT_DELAY_SECONDS"]))
        if last is not None and now - last < delay:
            return "account"
    return None


def is_throttled(db: Session, email: str) -> bool:
    return why_throttled(db, email) is not None


def record_failure(db: Session, email: str) -> None:
    now = utcnow()
    # Old failures count for nothing: forget them as we go.
    db.execute(delete(SignInFailure).where(SignInFailure.at < now - 4 * window()))
    db.add(SignInFailure(at=now, email_key=email_key(email), client_key=client_key(email)))


def clear(db: Session, email: str, *, everywhere: bool = False) -> int:
    """After a successful sign-in (this client only) or an administrator's unlock
    (``everywhere``): the email's failures are forgotten."""
    stmt = delete(SignInFailure).where(SignInFailure.email_key == email_key(email))
    if not everywhere:
        stmt = stmt.where(SignInFailure.client_key == client_key(email))
    return db.execute(stmt).rowcount or 0


def forget_older_than(db: Session, cutoff: dt.datetime) -> int:
    return db.execute(delete(SignInFailure).where(SignInFailure.at < cutoff)).rowcount or 0
