"""Administrators manage staff accounts at ``/staff/accounts``: list them with their last
sign-in, disable and re-enable, change role or school, reset a password. Each change ends
the account's sessions and is in the audit trail (consult.auth.accounts does both)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from consult.auth import accounts
from consult.auth.access import add_nav_link, current_user, role_required
from consult.auth.blueprint import ROLE_NAMES, bp
from consult.db import get_db
from consult.models import User

add_nav_link(
    "Staff accounts",
    "/staff/accounts",
    ("admin",),
    "Who has an account, when they last signed in; disable a leaver's account, change a "
    "role or school, reset a password.",
)


def _account(user_id: int) -> User:
    user = get_db().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/accounts")
@role_required("admin")
def accounts_list():
    return render_template(
        "auth/accounts.html", users=accounts.list_accounts(get_db()), role_names=ROLE_NAMES
    )


def _render_account(user: User, errors=None, form=None, temporary_password=None, status=200):
    return (
        render_template(
            "auth/account.html",
            account=user,
            errors=errors or {},
            form=form or {"role": user.role, "school": user.school or ""},
            roles=[(r, ROLE_NAMES[r]) for r in accounts.ROLES],
            role_names=ROLE_NAMES,
            temporary_password=temporary_password,
        ),
        status,
    )


@bp.get("/accounts/<int:user_id>")
@role_required("admin")
def account(user_id: int):
    return _render_account(_account(user_id))


def _change(user_id: int, action):
    """Run ``action(db, user)``; an AccountError goes back to the page as an error."""
    db = get_db()
    user = _account(user_id)
    try:
        result = action(db, user)
    except accounts.AccountError as exc:
        db.rollback()
        return None, _render_account(_account(user_id), errors={"account": str(exc)}, status=400)
    db.commit()
    return result, None


@bp.post("/accounts/<int:user_id>/role")
@role_required("admin")
def account_role(user_id: int):
    role = request.form.get("role", "")
    school = request.form.get("school", "").strip()
    errors = {}
    if role not in accounts.ROLES:
        errors["role"] = "Select a role"
    elif role == "school_staff" and not school:
        errors["school"] = "Enter the school for a member of school staff"
    if errors:
        return _render_account(
            _account(user_id), errors=errors, form={"role": role, "school": school}, status=400
        )
    _, failed = _change(
        user_id,
        lambda db, u: accounts.change_role(db, u, role, school, by=current_user()),
    )
    if failed:
        return failed
    flash("Role and school saved. The account's sessions have ended.")
    return redirect(url_for("auth.account", user_id=user_id))


@bp.post("/accounts/<int:user_id>/disable")
@role_required("admin")
def account_disable(user_id: int):
    _, failed = _change(user_id, lambda db, u: accounts.disable(db, u, by=current_user()))
    if failed:
        return failed
    flash("Account disabled. It is signed out everywhere and cannot sign in.")
    return redirect(url_for("auth.account", user_id=user_id))


@bp.post("/accounts/<int:user_id>/enable")
@role_required("admin")
def account_enable(user_id: int):
    _, failed = _change(user_id, lambda db, u: accounts.enable(db, u, by=current_user()))
    if failed:
        return failed
    flash("Account enabled. It can sign in again.")
    return redirect(url_for("auth.account", user_id=user_id))


@bp.post("/accounts/<int:user_id>/reset-password")
@role_required("admin")
def account_reset_password(user_id: int):
    password, failed = _change(
        user_id, lambda db, u: accounts.reset_password(db, u, by=current_user())
    )
    if failed:
        return failed
    # Shown this once (the page is no-store); only its hash is kept.
    return _render_account(_account(user_id), temporary_password=password)
