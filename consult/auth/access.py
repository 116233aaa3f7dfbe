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

Sessions are kept on the server (``consult.auth.sessions``): the cookie carries only a
random token, so signing out, an administrator's change to the account and the absolute
lifetime end a session for every copy of the cookie. An account whose temporary password
has not been changed yet sees only the change-password page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, g, make_response, redirect, request, session, url_for

from consult.auth import sessions
from consult.db import get_db
from consult.models import User

SESSION_USER = "staff_user_id"
SESSION_TOKEN = "staff_session"  # noqa: S105 (a cookie key)
SESSION_STAMP = "staff_stamp"
_SESSION_KEYS = (SESSION_USER, SESSION_TOKEN, SESSION_STAMP, "staff_seen")
# Kept for callers that read it; the limits themselves live in consult.auth.sessions.
DEFAULT_IDLE_MINUTES = sessions.DEFAULT_IDLE_MINUTES


def password_stamp(user: User) -> str:
    # Changes when the password changes.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def sign_in_user(user: User) -> None:
    """Start a fresh staff session (the old cookie is cleared: no session fixation). The
    session row is added to the request's database session: the caller commits."""
    session.clear()
    session[SESSION_TOKEN] = sessions.start(get_db(), user)
    session[SESSION_USER] = user.id
    session[SESSION_STAMP] = password_stamp(user)
    session.permanent = False
    g.staff_user = user


def sign_out_user(reason: str = "sign_out") -> None:
    """End the session on the server (a replayed cookie is refused) and clear the cookie.
    The caller commits."""
    sessions.end(get_db(), session.get(SESSION_TOKEN), reason)
    session.clear()
    g.staff_user = None


def _forget_cookie_keys() -> None:
    for key in _SESSION_KEYS:
        if key in session:
            session.pop(key)


def current_user() -> User | None:
    """The signed-in member of staff, or None."""
    if "staff_user" in g:
        return g.staff_user
    user = None
    token = session.get(SESSION_TOKEN)
    if token is not None:
        db = get_db()
        found = sessions.find_valid(db, token)
        if found is not None and session.get(SESSION_STAMP) != password_stamp(found.user):
            # The password changed by some other way than consult.auth.accounts (which
            # ends the sessions itself): this session is over too.
            sessions.end(db, token, "password_changed")
            db.commit()
            found = None
        if found is None:
            _forget_cookie_keys()
        else:
            user = found.user
            if not sessions.is_background_request() and sessions.touch(db, found):
                db.commit()
    elif SESSION_USER in session:  # a cookie from before server-side sessions
        _forget_cookie_keys()
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
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        # CR/LF would split the Location header; a backslash is a slash to some browsers.
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def sign_in_redirect():
    """Where a staff page sends someone who is not signed in: the sign-in page, then back."""
    target = request.full_path if request.method == "GET" else request.path
    return no_store(redirect(url_for("auth.sign_in", next=safe_next(target.rstrip("?")))))


def role_required(*roles: str) -> Callable:
    """Decorate a view: signed-in staff holding one of ``roles`` only (admins always pass).
    ``@role_required()`` with no roles admits any signed-in member of staff."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                return sign_in_redirect()
            if user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
                # A temporary password set by an administrator: change it before anything.
                return no_store(redirect(url_for("auth.change_password")))
            if not has_role(user, *roles):
                abort(403)
            return no_store(make_response(view(*args, **kwargs)))

        wrapped.required_roles = roles
        return wrapped

    return decorator


login_required = role_required()
# Reachable while a temporary password is still in use.
PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.sign_out"}


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
