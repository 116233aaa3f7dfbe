"""Staff sign-in, sign-out and the staff home page (``/staff/``)."""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from consult.auth import audit
from consult.auth.access import (
    current_user,
    links_for,
    login_required,
    nav_items,
    no_store,
    safe_next,
    sign_in_user,
    sign_out_user,
)
from consult.auth.accounts import authenticate, find_by_email
from consult.db import get_db
from consult.extensions import limiter

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__, url_prefix="/staff")

ROLE_NAMES = {
    "admin": "Administrator",
    "analyst": "Analyst",
    "school_staff": "School staff",
    "safeguarding_lead": "Designated safeguarding lead",
}


@bp.after_request
def _no_store(response):
    return no_store(response)


@bp.app_context_processor
def _staff_context():
    try:
        user = current_user()
    except Exception:  # the database is away: the error page must still render
        log.warning("could not look up the signed-in member of staff")
        return {}
    if user is None:
        return {"staff_user": None}
    return {"staff_user": user, "nav_items": nav_items(user), "role_names": ROLE_NAMES}


def _lockout_minutes() -> int:
    return int(current_app.config["LOGIN_LOCKOUT_MINUTES"])


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def sign_in():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET" and current_user() is not None:
        return redirect(next_url or url_for("auth.home"))
    errors: dict[str, str] = {}
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        if not email:
            errors["email"] = "Enter your email address"
        if not password:
            errors["password"] = "Enter your password"  # noqa: S105 (a message)
        if not errors:
            db = get_db()
            result = authenticate(
                db,
                email,
                password,
                max_failures=int(current_app.config["LOGIN_MAX_FAILURES"]),
                lockout=dt.timedelta(minutes=_lockout_minutes()),
            )
            if result.user is not None:
                audit.record(db, "sign_in", user=result.user, target=result.user.email)
                db.commit()
                sign_in_user(result.user)
                return redirect(next_url or url_for("auth.home"))
            known = find_by_email(db, email)
            # The typed email is recorded only when it names an account: people sometimes
            # type a password into the email box.
            audit.record(
                db,
                "sign_in_locked" if result.locked else "sign_in_failed",
                user=known,
                target=known.email if known else "",
                details={} if known else {"reason": "unknown email"},
            )
            db.commit()
            if result.locked:
                errors["email"] = (
                    "This account is locked because of too many failed sign-in attempts. "
                    f"Try again in {_lockout_minutes()} minutes, or ask an administrator "
                    "to unlock it"
                )
            else:
                errors["email"] = "Enter a correct email address and password"
    return render_template(
        "auth/sign_in.html", errors=errors, email=email, next_url=next_url or ""
    )


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    if request.method == "GET":
        if current_user() is None:
            return redirect(url_for("auth.sign_in"))
        return render_template("auth/sign_out.html")
    user = current_user()
    if user is not None:
        db = get_db()
        audit.record(db, "sign_out", user=user, target=user.email)
        db.commit()
    sign_out_user()
    return render_template("auth/signed_out.html", nav_items=[])


@bp.get("/")
@login_required
def home():
    user = current_user()
    return render_template(
        "staff/home.html", user=user, links=links_for(user), role_name=ROLE_NAMES.get(user.role)
    )
