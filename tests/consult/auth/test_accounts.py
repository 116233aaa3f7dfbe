"""The account lifecycle (browser and CLI, audited) and sign-in throttling without
enumeration or a lockout a stranger can use."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.cli import cli
from consult.db import get_db
from consult.models import AuditEvent, User
from tests.consult.auth.test_auth import events
from tests.consult.auth.test_staff_sessions import signed_in
from tests.support import PASSWORD, make_staff, sign_in

NEW_PASSWORD = "lantern orchard pebble 42"


def user_id(app, email):
    with app.app_context():
        return get_db().scalar(select(User.id).where(User.email == email))


def error_text(html: str) -> str:
    """The error summary's messages (what a person reads)."""
    return " ".join(re.findall(r'<a href="#[a-z_]+">([^<]+)</a>', html))


# --- disable, enable --------------------------------------------------------------------------
def test_disabling_a_leaver_ends_their_sessions_and_sign_in(app):
    admin, admin_email = signed_in(app, "admin")
    leaver, leaver_email = signed_in(app, "analyst")
    assert leaver.get("/admin/surveys").status_code == 200
    uid = user_id(app, leaver_email)
    page = admin.post(f"/staff/accounts/{uid}/disable", follow_redirects=True)
    assert "Account disabled" in page.data.decode() and "Disabled" in page.data.decode()
    assert leaver.get("/admin/surveys").status_code == 302
    # Their right password now gets exactly the answer a wrong one gets.
    refused = sign_in(app.test_client(), leaver_email)
    assert refused.status_code == 200
    assert error_text(refused.data.decode()) == "Enter a correct email address and password"
    [event] = events(app, "account_disable")
    assert event.target == leaver_email and event.user_id == user_id(app, admin_email)
    assert event.details["sessions_ended"] == 1
    assert len(events(app, "sign_in_disabled")) == 1
    admin.post(f"/staff/accounts/{uid}/enable")
    assert sign_in(app.test_client(), leaver_email).status_code == 302
    assert len(events(app, "account_enable")) == 1


def test_the_only_admin_cannot_be_disabled_or_demoted(app):
    admin, email = signed_in(app, "admin")
    uid = user_id(app, email)
    page = admin.post(f"/staff/accounts/{uid}/disable")
    assert page.status_code == 400
    assert "only administrator" in page.data.decode()
    page = admin.post(f"/staff/accounts/{uid}/role", data={"role": "analyst", "school": ""})
    assert page.status_code == 400 and "only administrator" in page.data.decode()
    assert admin.get("/staff/accounts").status_code == 200


# --- role and school --------------------------------------------------------------------------
def test_changing_a_role_ends_sessions_and_applies_at_next_sign_in(app):
    admin, _ = signed_in(app, "admin")
    member, email = signed_in(app, "analyst")
    uid = user_id(app, email)
    missing = admin.post(f"/staff/accounts/{uid}/role", data={"role": "school_staff"})
    assert missing.status_code == 400
    assert "Enter the school for a member of school staff" in missing.data.decode()
    assert 'value="school_staff" checked' in missing.data.decode()
    done = admin.post(
        f"/staff/accounts/{uid}/role", data={"role": "school_staff", "school": "Northbrook"},
        follow_redirects=True,
    )
    assert "Role and school saved" in done.data.decode()
    assert member.get("/admin/surveys").status_code == 302
    sign_in(member, email)
    assert member.get("/admin/surveys").status_code == 403
    [event] = events(app, "account_role_change")
    assert event.details["from"] == {"role": "analyst", "school": None}
    assert event.details["to"] == {"role": "school_staff", "school": "Northbrook"}


def test_only_admins_manage_accounts(app):
    analyst, _ = signed_in(app, "analyst")
    assert analyst.get("/staff/accounts").status_code == 403
    assert analyst.post("/staff/accounts/1/disable").status_code == 403


def test_account_list_shows_last_sign_in(app):
    admin, admin_email = signed_in(app, "admin")
    make_staff(app, "analyst", email="never@example.org")
    html = admin.get("/staff/accounts").data.decode()
    assert "never@example.org" in html and "Never" in html
    row = html[html.index(admin_email):]
    assert "UTC" in row[:600] and "Active" in row[:600]


# --- password reset -----------------------------------------------------------------------------
def test_reset_password_gives_a_one_time_temporary_password_that_must_be_changed(app):
    admin, _ = signed_in(app, "admin")
    member, email = signed_in(app, "analyst")
    uid = user_id(app, email)
    page = admin.post(f"/staff/accounts/{uid}/reset-password").data.decode()
    temporary = re.search(r"<code>([a-z0-9-]{19})</code>", page).group(1)
    assert member.get("/admin/surveys").status_code == 302  # signed out everywhere
    assert sign_in(app.test_client(), email).status_code == 200  # the old password is dead
    with app.app_context():
        stored = get_db().scalar(select(User).where(User.email == email)).password_hash
        assert temporary not in stored
    assert temporary not in str([(e.details, e.note) for e in events(app)])
    fresh = app.test_client()
    landed = sign_in(fresh, email, temporary)
    assert landed.location.endswith("/staff/password")
    # Nothing else until the temporary password is replaced.
    assert fresh.get("/admin/surveys").location.endswith("/staff/password")
    weak = fresh.post("/staff/password",
                      data={"current_password": temporary, "new_password": "aaaaaaaaaaaa"})
    assert "Choose a password that is harder to guess" in weak.data.decode()
    done = fresh.post("/staff/password",
                      data={"current_password": temporary, "new_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert fresh.get("/admin/surveys").status_code == 200
    assert sign_in(app.test_client(), email, NEW_PASSWORD).status_code == 302
    assert [e.action for e in events(app) if e.target == email][-3:] == [
        "sign_in", "password_change", "sign_in"
    ]
    assert len(events(app, "account_password_reset")) == 1


def test_changing_your_own_password_signs_out_other_devices(app):
    laptop, email = signed_in(app, "analyst")
    phone = app.test_client()
    sign_in(phone, email)
    wrong = laptop.post("/staff/password",
                        data={"current_password": "not it at all", "new_password": NEW_PASSWORD})
    assert "Enter your current password correctly" in wrong.data.decode()
    breached = laptop.post("/staff/password",
                           data={"current_password": PASSWORD, "new_password": "password1234"})
    assert "data breaches" in breached.data.decode()
    laptop.post("/staff/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert laptop.get("/admin/surveys").status_code == 200
    assert phone.get("/admin/surveys").status_code == 302


# --- the command line ---------------------------------------------------------------------------
def test_lifecycle_from_the_command_line(app, runner):
    make_staff(app, "admin", email="boss@example.org")
    email = make_staff(app, "analyst", email="leaver@example.org")
    member = app.test_client()
    sign_in(member, email)
    listed = runner.invoke(cli, ["users", "list"])
    assert listed.exit_code == 0, listed.output
    assert "leaver@example.org\tanalyst\t-\tactive\tlast sign-in 20" in listed.output
    assert "boss@example.org\tadmin\t-\tactive\tlast sign-in never" in listed.output
    result = runner.invoke(cli, ["users", "disable", "--email", email])
    assert result.exit_code == 0 and "1 session ended" in result.output
    assert member.get("/admin/surveys").status_code == 302
    assert "disabled" in runner.invoke(cli, ["users", "list"]).output
    assert runner.invoke(cli, ["users", "enable", "--email", email]).exit_code == 0
    moved = runner.invoke(cli, ["users", "set-role", "--email", email, "--role",
                                "school_staff", "--school", "Northbrook"])
    assert moved.exit_code == 0 and "is now school_staff at Northbrook" in moved.output
    reset = runner.invoke(cli, ["users", "reset-password", "--email", email])
    temporary = re.search(r"Temporary password for \S+: (\S+)", reset.output).group(1)
    assert sign_in(app.test_client(), email, temporary).location.endswith("/staff/password")
    unknown = runner.invoke(cli, ["users", "disable", "--email", "nobody@example.org"])
    assert unknown.exit_code != 0 and "There is no account" in unknown.output
    with app.app_context():
        rows = get_db().scalars(
            select(AuditEvent).where(AuditEvent.target == email).order_by(AuditEvent.id)
        ).all()
    via_cli = [e.action for e in rows if e.details.get("via") == "command line"]
    assert via_cli == ["account_disable", "account_enable", "account_role_change",
                       "account_password_reset"]


def test_users_create_is_audited(app, runner):
    result = runner.invoke(
        cli, ["users", "create", "--email", "new@example.org", "--role", "analyst",
              "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    [event] = events(app, "account_create")
    assert event.target == "new@example.org" and event.details["via"] == "command line"


# --- throttling ---------------------------------------------------------------------------------
def attempt(client, email, password="wrong password!"):
    return error_text(sign_in(client, email, password).data.decode())


def test_unknown_and_known_emails_get_the_same_answers(app):
    app.config["LOGIN_MAX_FAILURES"] = 5
    make_staff(app, "safeguarding_lead", email="lead@example.org")
    known, unknown = app.test_client(), app.test_client()
    known.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    unknown.environ_base["REMOTE_ADDR"] = "198.51.100.2"
    said_known = [attempt(known, "lead@example.org") for _ in range(7)]
    said_unknown = [attempt(unknown, "nobody@example.org") for _ in range(7)]
    assert said_known == said_unknown
    assert said_known[0] == "Enter a correct email address and password"
    assert "too many attempts" in said_known[-1]


def test_a_stranger_cannot_lock_a_lead_out(app):
    app.config["LOGIN_MAX_FAILURES"] = 5
    email = make_staff(app, "safeguarding_lead", email="lead@example.org")
    lead = app.test_client()  # the lead's own laptop, signed in on before
    lead.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert sign_in(lead, email).status_code == 302
    lead.post("/staff/sign-out")
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.66"
    for _ in range(20):
        attempt(stranger, email)
    assert "too many attempts" in attempt(stranger, email, PASSWORD)
    assert sign_in(lead, email).status_code == 302


def test_a_pupil_on_the_school_network_cannot_lock_the_lead_out_there(app):
    """Issue 23, finding 13: five wrong passwords from one address locked the real lead
    out on that address, and a school shares one address."""
    app.config["LOGIN_MAX_FAILURES"] = 5
    email = make_staff(app, "safeguarding_lead", email="lead@example.org")
    lead = app.test_client()
    lead.environ_base["REMOTE_ADDR"] = "198.51.100.7"  # the school's one public address
    assert sign_in(lead, email).status_code == 302
    lead.post("/staff/sign-out")
    pupil = app.test_client()
    pupil.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for _ in range(8):
        attempt(pupil, email)
    assert "too many attempts" in attempt(pupil, email, PASSWORD)
    assert sign_in(lead, email).status_code == 302


def test_guesses_at_one_account_from_many_addresses_are_slowed(app, monkeypatch):
    """Issue 23, finding 13: 100 guesses at one account from 20 addresses in 16 s were not
    slowed. After LOGIN_ACCOUNT_FREE_FAILURES, untrusted devices must space their attempts;
    the owner's own browser is never slowed."""
    import datetime as dt

    from consult.auth import throttle

    app.config.update(LOGIN_ACCOUNT_FREE_FAILURES=10, LOGIN_ACCOUNT_DELAY_SECONDS=30)
    now = [dt.datetime(2026, 12, 7, 9, 0, 0)]
    monkeypatch.setattr(throttle, "utcnow", lambda: now[0])
    email = make_staff(app, "safeguarding_lead", email="lead@example.org")
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert sign_in(owner, email).status_code == 302
    owner.post("/staff/sign-out")
    answers = []
    for n in range(40):  # 20 addresses, 2 guesses each, a quarter of a second apart
        guesser = app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = f"203.0.113.{n % 20 + 1}"
        answers.append(attempt(guesser, email))
        now[0] += dt.timedelta(seconds=0.25)
    checked = [a for a in answers if a == "Enter a correct email address and password"]
    assert len(checked) == 10  # the rest were refused unchecked
    assert all("many attempts to sign in to this account" in a for a in answers[10:])
    # Thirty seconds after the last failure one more guess is checked, then waits again.
    now[0] += dt.timedelta(seconds=31)
    late = app.test_client()
    late.environ_base["REMOTE_ADDR"] = "203.0.113.99"
    assert attempt(late, email) == "Enter a correct email address and password"
    assert "to this account" in attempt(late, email, PASSWORD)
    # The owner, on the laptop they signed in on before, is not slowed at all.
    assert sign_in(owner, email).status_code == 302
    # An unknown email is treated exactly alike (no account is revealed).
    for n in range(12):
        guesser = app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        last = attempt(guesser, "nobody@example.org")
    assert "to this account" in last


def test_one_client_spraying_many_emails_is_throttled(app):
    app.config["LOGIN_CLIENT_MAX_FAILURES"] = 8
    email = make_staff(app, "analyst")
    sprayer = app.test_client()
    sprayer.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    for n in range(8):
        assert attempt(sprayer, f"guess{n}@example.org") == (
            "Enter a correct email address and password"
        )
    assert "too many attempts" in attempt(sprayer, email, PASSWORD)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.11"
    assert sign_in(other, email).status_code == 302


@pytest.mark.parametrize("email", ["analyst@example.org", "nobody@example.org"])
def test_failures_store_neither_email_nor_address(app, email):
    from consult.auth.models import SignInFailure

    make_staff(app, "analyst")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    attempt(client, email)
    with app.app_context():
        [row] = get_db().scalars(select(SignInFailure)).all()
    assert email not in str(vars(row)) and "203.0.113.5" not in str(vars(row))
