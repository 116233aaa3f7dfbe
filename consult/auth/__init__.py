"""Staff accounts, sign-in and role checks.

Other packages import the helpers from here::

    from consult.auth import current_user, role_required

``init_app`` (from ``consult.blueprints.register_all``) registers the sign-in and account
pages and the purge of old sign-in records.
"""

import datetime as dt

from flask import Flask
from sqlalchemy.orm import Session

from consult import retention
from consult.auth import sessions, throttle
from consult.auth.access import (
    add_nav_link,
    current_user,
    has_role,
    login_required,
    role_required,
)

__all__ = [
    "add_nav_link",
    "current_user",
    "has_role",
    "init_app",
    "login_required",
    "role_required",
]


def forget_old_sign_in_records(db: Session, now: dt.datetime) -> int:
    """``consult purge`` housekeeping: sign-in failures older than a day and sessions that
    ended 90 days ago. Returns the rows deleted."""
    return throttle.forget_older_than(db, now - dt.timedelta(days=1)) + sessions.forget_older_than(
        db, now - dt.timedelta(days=90)
    )


def init_app(app: Flask) -> None:
    from consult.auth import account_views, views  # noqa: F401  (their routes, on ``bp``)
    from consult.auth.blueprint import bp

    retention.register_housekeeping(forget_old_sign_in_records)
    app.register_blueprint(bp)
    # Asked by request_guards before any body is read: a staff page posted to by someone
    # not signed in is answered with the sign-in redirect, unread.
    app.extensions["consult.staff_gate"] = _staff_gate


def _staff_gate():
    """None for signed-in staff, else the sign-in redirect."""
    from consult.auth.access import current_user, sign_in_redirect

    return sign_in_redirect() if current_user() is None else None
