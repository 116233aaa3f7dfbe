"""Staff accounts: sign-in, lockout, roles, the staff home page and `consult users create`."""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import select

from consult.auth import current_user, role_required
from consult.auth.accounts import find_by_email
from consult.cli import cli
from consult.db import get_db
from consult.models import AuditEvent, User
from tests.support import PASSWORD, make_staff, sign_in, signed_in_as


def events(app, action=None):
    with app.app_context():
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(get_db().scalars(stmt))


# --- sign in and out ----------------------------------------------------------------------
def test_sign_in_page_uses_govuk_form(client):
    page = client.get("/staff/sign-in")
    assert page.status_code == 200
    html = page.data.decode()
    assert 'name="email"' in html and 'name="password"' in html
    assert page.headers["Cache-Control"].startswith("no-store")


def test_sign_in_success_lands_on_staff_home_and_is_audited(app, client):
    email = make_staff(app, "analyst")
    response = sign_in(client, email.upper())  # email is not case-sensitive
    assert response.status_code == 302 and response.location.endswith("/staff/")
    home = client.get("/staff/")
    html = home.data.decode()
    assert home.status_code == 200
    assert "Staff home" in html and email in html
    assert 'href="/admin/surveys"' in html
    assert "Sign out" in html
    assert home.headers["Cache-Control"].startswith("no-store")
    [event] = events(app, "sign_in")
    assert event.user_id is not None and event.target == email
    assert PASSWORD not in str(event.details) + event.note


def test_sign_in_clears_the_old_session(app, client):
    email = make_staff(app)
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    sign_in(client, email)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["staff_session"]


def test_wrong_password_gives_error_summary_and_keeps_email(app, client):
    email = make_staff(app)
    page = sign_in(client, email, "not the password")
    html = page.data.decode()
    assert page.status_code == 200
    assert "There is a problem" in html
    assert "Enter a correct email address and password" in html
    assert f'value="{email}"' in html
    assert "not the password" not in html
    [event] = events(app, "sign_in_failed")
    assert event.target == email
    assert "not the password" not in str(event.details)


def test_empty_form_asks_for_both_fields(client):
    html = client.post("/staff/sign-in", data={}).data.decode()
    assert "Enter your email address" in html and "Enter your password" in html
    assert 'href="#email"' in html and 'href="#password"' in html


def test_unknown_email_is_refused_without_recording_what_was_typed(app, client):
    page = sign_in(client, "secret-looking-text", "whatever")
    assert "Enter a correct email address and password" in page.data.decode()
    [event] = events(app, "sign_in_failed")
    assert event.user_id is None and event.target == ""
    assert "secret-looking-text" not in str(event.details)


THROTTLED = "too many attempts to sign in from this device"


def test_throttled_after_repeated_failures_from_one_device(app, client):
    app.config["LOGIN_MAX_FAILURES"] = 3
    email = make_staff(app)
    for _ in range(3):
        assert "Enter a correct email" in sign_in(client, email, "wrong password!").data.decode()
    # From this device even the right password is now refused, saying why (not "locked").
    page = sign_in(client, email).data.decode()
    assert THROTTLED in page and "Wait 15 minutes" in page
    assert "locked" not in page.lower()
    assert client.get("/staff/").status_code == 302
    assert len(events(app, "sign_in_failed")) == 3
    assert len(events(app, "sign_in_throttled")) == 1


def test_throttle_window_passes(app, client):
    import datetime as dt

    from consult.auth.models import SignInFailure

    app.config["LOGIN_MAX_FAILURES"] = 1
    email = make_staff(app)
    sign_in(client, email, "wrong password!")
    assert THROTTLED in sign_in(client, email).data.decode()
    with app.app_context():
        db = get_db()
        for failure in db.scalars(select(SignInFailure)):
            failure.at -= dt.timedelta(minutes=16)
        db.commit()
    assert sign_in(client, email).status_code == 302


def test_sign_out(app, client):
    signed_in_as(app, client)
    confirm = client.get("/staff/sign-out")
    assert b"Sign out" in confirm.data
    done = client.post("/staff/sign-out")
    assert b"You have signed out" in done.data
    assert client.get("/staff/").status_code == 302
    assert len(events(app, "sign_out")) == 1


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(app, client):
    email = make_staff(app)
    first = client.get("/admin/surveys")
    assert first.status_code == 302 and "/staff/sign-in?next=/admin/surveys" in first.location
    response = sign_in(client, email, next="/admin/surveys")
    assert response.location.endswith("/admin/surveys")
    client.post("/staff/sign-out")
    response = sign_in(client, email, next="//evil.example/")
    assert response.location.endswith("/staff/")


def test_password_change_ends_other_sessions(app, client):
    from consult.auth.accounts import hash_password

    email = signed_in_as(app, client)
    with app.app_context():
        db = get_db()
        find_by_email(db, email).password_hash = hash_password("a brand new passphrase")
        db.commit()
    assert client.get("/staff/").status_code == 302


# --- roles --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role,allowed,refused",
    [
        ("analyst", "/admin/surveys", None),
        ("admin", "/admin/surveys", None),
        ("school_staff", None, "/admin/surveys"),
        ("safeguarding_lead", None, "/admin/surveys"),
    ],
)
def test_role_checks(app, client, role, allowed, refused):
    signed_in_as(app, client, role)
    if allowed:
        assert client.get(allowed).status_code == 200
    if refused:
        page = client.get(refused)
        assert page.status_code == 403
        assert b"You do not have permission" in page.data


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/admin/surveys")
    assert response.status_code == 302
    assert "/staff/sign-in" in response.location


def test_staff_home_links_follow_the_role(app, client):
    signed_in_as(app, client, "school_staff")
    html = client.get("/staff/").data.decode()
    assert 'href="/schools/sessions"' in html
    assert 'href="/admin/surveys"' not in html and 'href="/safeguarding/"' not in html


def test_admin_sees_every_link(app, client):
    signed_in_as(app, client, "admin")
    html = client.get("/staff/").data.decode()
    for href in ("/admin/surveys", "/schools/sessions", "/safeguarding/"):
        assert f'href="{href}"' in html


def test_role_required_decorator_for_other_blueprints(app):
    bp = Blueprint("probe", __name__)

    @bp.get("/probe/lead")
    @role_required("safeguarding_lead")
    def lead_only():
        return f"hello {current_user().email}"

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/probe/lead").status_code == 302
    email = make_staff(app, "safeguarding_lead")
    sign_in(client, email)
    page = client.get("/probe/lead")
    assert page.status_code == 200 and page.data.decode() == f"hello {email}"
    assert page.headers["Cache-Control"].startswith("no-store")
    other = app.test_client()
    sign_in(other, make_staff(app, "analyst"))
    assert other.get("/probe/lead").status_code == 403
    admin = app.test_client()
    sign_in(admin, make_staff(app, "admin"))
    assert admin.get("/probe/lead").status_code == 200


# --- consult users create -----------------------------------------------------------------
def test_users_create_from_stdin(app, runner, production_password_hashing):
    result = runner.invoke(
        cli,
        args=["users", "create", "--email", "Ana@Example.org", "--role", "analyst",
              "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created analyst ana@example.org" in result.output
    with app.app_context():
        user = get_db().scalars(select(User)).one()
        assert user.email == "ana@example.org"
        assert user.password_hash.startswith("scrypt:32768:8:1$")  # the shipped cost
        assert PASSWORD not in user.password_hash
    assert sign_in(app.test_client(), "ana@example.org").status_code == 302


def test_users_create_refuses_a_weak_password(app, runner):
    result = runner.invoke(
        cli,
        args=["users", "create", "--email", "a@example.org", "--role", "admin",
              "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    with app.app_context():
        assert get_db().scalars(select(User)).first() is None


@pytest.mark.parametrize(
    "password,why",
    [
        ("aaaaaaaaaaaa", "harder to guess"),
        ("qwertyuiopas", "harder to guess"),
        ("password1234", "data breaches"),
        ("Liverpool123", "harder to guess"),
        ("iloveyou1234", "harder to guess"),
        ("1q2w3e4r5t6y", "data breaches"),
        ("Summer2026!!", "harder to guess"),
        ("correcthorsebatterystaple", "published as an example"),
        ("Correct Horse Battery Staple", "published as an example"),
    ],
)
def test_users_create_refuses_common_and_breached_passwords(app, runner, password, why):
    result = runner.invoke(
        cli,
        args=["users", "create", "--email", "lead@example.org", "--role", "admin",
              "--password-stdin"],
        input=password + "\n",
    )
    assert result.exit_code != 0
    assert why in result.output, result.output
    with app.app_context():
        assert get_db().scalars(select(User)).first() is None


def test_users_create_refuses_a_duplicate(app, runner):
    make_staff(app, "analyst", email="dup@example.org")
    result = runner.invoke(
        cli,
        args=["users", "create", "--email", "DUP@example.org", "--role", "admin",
              "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_staff_pages_show_the_staff_navigation(app, client):
    signed_in_as(app, client, "analyst")
    html = client.get("/admin/surveys").data.decode()
    nav = html[html.index("govuk-service-navigation") : html.index("</header>")]
    assert 'href="/staff/"' in nav and 'href="/admin/surveys"' in nav
    assert 'href="/staff/sign-out"' in nav
    assert 'href="/schools/sessions"' not in nav


def test_users_unlock(app, runner):
    import click

    from consult.admin.cli import register

    app.config["LOGIN_MAX_FAILURES"] = 1
    email = make_staff(app)
    client = app.test_client()
    sign_in(client, email, "wrong password!")
    assert THROTTLED in sign_in(client, email).data.decode()
    group = click.Group("consult")
    group.add_command(click.Group("users"))
    register(group)
    result = runner.invoke(group, ["users", "unlock", "--email", email])
    assert result.exit_code == 0, result.output
    assert sign_in(client, email).status_code == 302
    assert len(events(app, "account_unlock")) == 1
