"""Who is signed in, and what their role lets them do.

Use in any staff view::

    from consult.auth import current_user, role_required

    @bp.get("/sessions")
    @role_required("school_staff")          # admins pass every role check
    def sessions():
        user = current_user()               # a consult.models.User (never None here)

An anonymous visitor is sent to the sign-in page (and back afterwards); a signed-in member
of staff without the role gets 403. Every page behind ``role_required`` is sent with
``Cache-Control: no-store`` so a shared computer's back button shows nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, make_response, redirect, request, session, url_for

from consult.db import get_db
from consult.models import User

SESSION_USER = "staff_user_id"
SESSION_STAMP = "staff_stamp"
SESSION_SEEN = "staff_seen"
# Signed-in staff are signed out after this long without a request (config may override).
DEFAULT_IDLE_MINUTES = 60


def _stamp(user: User) -> str:
    # Changes when the password changes, so a new password ends every other session.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config.get("STAFF_IDLE_MINUTES", DEFAULT_IDLE_MINUTES))


def sign_in_user(user: User) -> None:
    """Start a fresh staff session (the old one is cleared: no session fixation)."""
    session.clear()
    session[SESSION_USER] = user.id
    session[SESSION_STAMP] = _stamp(user)
    session[SESSION_SEEN] = int(time.time())
    session.permanent = False
    g.staff_user = user


def sign_out_user() -> None:
    session.clear()
    g.staff_user = None


def current_user() -> User | None:
    """The signed-in member of staff, or None."""
    if "staff_user" in g:
        return g.staff_user
    user = None
    user_id = session.get(SESSION_USER)
    if user_id is not None:
        seen = session.get(SESSION_SEEN, 0)
        if time.time() - seen > _idle_limit().total_seconds():
            for key in (SESSION_USER, SESSION_STAMP, SESSION_SEEN):
                session.pop(key, None)
        else:
            user = get_db().get(User, user_id)
            if user is None or session.get(SESSION_STAMP) != _stamp(user):
                user = None
                for key in (SESSION_USER, SESSION_STAMP, SESSION_SEEN):
                    session.pop(key, None)
            else:
                now = int(time.time())
                if now - seen > 60:  # refresh the idle clock at most once a minute
                    session[SESSION_SEEN] = now
    g.staff_user = user
    return user


def has_role(user: User | None, *roles: str) -> bool:
    """True when ``user`` holds one of ``roles`` (admins hold every role). With no roles:
    any signed-in member of staff."""
    if user is None:
        return False
    return not roles or user.role == "admin" or user.role in roles


def no_store(response):
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    return response


def safe_next(target: str | None) -> str | None:
    """Only a path on this site is a safe place to return to after signing in."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def role_required(*roles: str) -> Callable:
    """Decorate a view: signed-in staff holding one of ``roles`` only (admins always pass).
    ``@role_required()`` with no roles admits any signed-in member of staff."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                target = request.full_path if request.method == "GET" else request.path
                target = target.rstrip("?")
                return no_store(
                    redirect(url_for("auth.sign_in", next=safe_next(target)))
                )
            if not has_role(user, *roles):
                abort(403)
            return no_store(make_response(view(*args, **kwargs)))

        wrapped.required_roles = roles
        return wrapped

    return decorator


login_required = role_required()


# --- navigation -----------------------------------------------------------------------------
@dataclass(frozen=True)
class NavLink:
    text: str
    href: str
    roles: tuple[str, ...]  # empty: every member of staff
    description: str = ""


# What each role can do, in the order shown. Features add theirs with ``add_nav_link``.
NAV_LINKS: list[NavLink] = [
    NavLink(
        "Surveys",
        "/admin/surveys",
        ("admin", "analyst"),
        "Survey versions and response counts; export responses (CSV, JSON) and codebooks; "
        "import responses collected on paper or in another tool.",
    ),
    NavLink(
        "School sessions",
        "/schools/sessions",
        ("school_staff",),
        "Open a session for a class, show its join code and close it afterwards.",
    ),
    NavLink(
        "Safeguarding",
        "/safeguarding/",
        ("safeguarding_lead",),
        "Review pupil answers that may disclose harm.",
    ),
]


def add_nav_link(text: str, href: str, roles: tuple[str, ...] = (), description: str = "") -> None:
    link = NavLink(text, href, tuple(roles), description)
    if all(existing.href != href for existing in NAV_LINKS):
        NAV_LINKS.append(link)


def links_for(user: User | None) -> list[NavLink]:
    if user is None:
        return []
    return [link for link in NAV_LINKS if has_role(user, *link.roles)]


def nav_items(user: User | None) -> list[dict]:
    """Items for GOV.UK service navigation (``nav_items`` in base.html)."""
    if user is None:
        return []
    path = request.path if request else ""
    items = [{"href": "/staff/", "text": "Staff home", "active": path == "/staff/"}]
    for link in links_for(user):
        items.append(
            {"href": link.href, "text": link.text, "active": path.startswith(link.href)}
        )
    items.append({"href": "/staff/sign-out", "text": "Sign out", "active": False})
    return items
