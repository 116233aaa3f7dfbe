"""Staff sign-in, sign-out and the staff home page (``/staff/``)."""

from __future__ import annotations

import logging

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from consult.auth import audit
from consult.auth.access import (
    SESSION_TOKEN,
    current_user,
    links_for,
    login_required,
    nav_items,
    no_store,
    safe_next,
    sign_in_user,
    sign_out_user,
)
from consult.auth.accounts import authenticate, change_own_password
from consult.auth.blueprint import ROLE_NAMES, bp
from consult.auth.throttle import remember_device
from consult.db import get_db
from consult.extensions import limiter

log = logging.getLogger(__name__)


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


@bp.before_app_request
def _resolve_staff_session():
    # Before any view has work of its own in the transaction: checking (and touching) the
    # server-side session may commit.
    if SESSION_TOKEN in session:
        current_user()


def _lockout_minutes() -> int:
    return int(current_app.config["LOGIN_LOCKOUT_MINUTES"])


WRONG = "Enter a correct email address and password"
THROTTLED = (
    "There have been too many attempts to sign in from this device. Wait {minutes} minutes "
    "and try again, or ask an administrator to reset your password"
)
# Someone elsewhere is guessing at this email (the same words whether or not it has an
# account). The owner's own browser is never slowed: it carries a device cookie.
THROTTLED_ACCOUNT = (
    "There have been many attempts to sign in to this account. Wait a minute and try again "
    "from a device you have signed in on before, or ask an administrator for help"
)


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
            result = authenticate(db, email, password)
            if result.user is not None:
                sign_in_user(result.user)
                audit.record(db, "sign_in", user=result.user, target=result.user.email)
                db.commit()
                if result.user.must_change_password:
                    response = redirect(url_for("auth.change_password"))
                else:
                    response = redirect(next_url or url_for("auth.home"))
                remember_device(response, result.user.email)
                return response
            known = result.known
            if result.throttled:
                action = "sign_in_throttled"
            elif result.disabled:
                action = "sign_in_disabled"
            else:
                action = "sign_in_failed"
            # The typed email is recorded only when it names an account: people sometimes
            # type a password into the email box.
            audit.record(
                db,
                action,
                user=known,
                target=known.email if known else "",
                details={} if known else {"reason": "unknown email"},
            )
            db.commit()
            # The same words whether or not the email has an account.
            if result.throttled_why == "account":
                errors["email"] = THROTTLED_ACCOUNT
            elif result.throttled:
                errors["email"] = THROTTLED.format(minutes=_lockout_minutes())
            else:
                errors["email"] = WRONG
    return render_template("auth/sign_in.html", errors=errors, email=email, next_url=next_url or "")


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    if request.method == "GET":
        if current_user() is None:
            return redirect(url_for("auth.sign_in"))
        return render_template("auth/sign_out.html")
    user = current_user()
    db = get_db()
    if user is not None:
        audit.record(db, "sign_out", user=user, target=user.email)
    sign_out_user()
    db.commit()
    return render_template("auth/signed_out.html", nav_items=[])


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Choose a new password (required after an administrator's reset)."""
    user = current_user()
    errors: dict[str, str] = {}
    if request.method == "POST":
        db = get_db()
        errors = change_own_password(
            db,
            user,
            request.form.get("current_password", ""),
            request.form.get("new_password", ""),
        )
        if not errors:
            sign_in_user(user)  # every old session ended: this device gets a fresh one
            db.commit()
            flash("Your password has been changed")
            return redirect(url_for("auth.home"))
    return render_template("auth/change_password.html", errors=errors, user=user)


@bp.get("/")
@login_required
def home():
    user = current_user()
    return render_template(
        "staff/home.html", user=user, links=links_for(user), role_name=ROLE_NAMES.get(user.role)
    )
