"""Alerts through a real SMTP server (aiosmtpd, started by the test): the school's lead and
the partnership are emailed about each new pupil item, without the pupil's words, and the
partnership again if it is not reviewed in time (``consult safeguarding escalate``)."""

from __future__ import annotations

import datetime as dt

import pytest

from consult.cli import cli
from consult.db import get_db
from consult.models import utcnow
from consult.safeguarding import alerts
from tests.consult.safeguarding.test_safeguarding import DISCLOSURE, flags, pupil_says
from tests.consult.safeguarding.test_safeguarding_queue import abandon_after_typing
from tests.consult.schools.test_schools import SCHOOL, make_staff, open_session, staff_client
from tests.smtp_server import smtp_inbox  # noqa: F401 (fixture)


@pytest.fixture
def mail_app(make_app, smtp_inbox):  # noqa: F811
    app = make_app(
        **smtp_inbox.config(), JOBS_SYNC=True, SERVICE_URL="https://consult.example.org",
        SAFEGUARDING_PARTNERSHIP_EMAIL="csp-safeguarding@example.org",
        SAFEGUARDING_ESCALATE_AFTER_MINUTES=30,
    )
    make_staff(app, role="safeguarding_lead", email="dsl@northbrook.example.org")
    make_staff(app, role="safeguarding_lead", email="dsl@southway.example.org",
               school="Southway School")
    return app


def test_new_flag_emails_the_school_lead_and_partnership_without_the_words(
    mail_app, smtp_inbox  # noqa: F811
):
    teacher = staff_client(mail_app)
    pupil_says(mail_app, teacher, worry=DISCLOSURE, safer="i carry a knife now")
    [(to, message)] = smtp_inbox.wait_for(1)
    [flag, _] = flags(mail_app)
    assert sorted(to) == ["csp-safeguarding@example.org", "dsl@northbrook.example.org"]
    body = message.get_content()
    assert f"https://consult.example.org/safeguarding/flags/{flag.id}" in body
    assert "Abuse, violence or neglect at home" in body and SCHOOL in message["Subject"]
    assert "bruises" not in body and "knife now" not in body and "step dad" not in body
    assert all(f.alerted_at is not None for f in flags(mail_app))


def test_abandoned_answer_is_alerted_too(mail_app, smtp_inbox):  # noqa: F811
    teacher = staff_client(mail_app)
    classroom = open_session(mail_app, teacher)
    abandon_after_typing(mail_app, classroom.join_code, "my mums boyfriend hits her and me")
    [(to, message)] = smtp_inbox.wait_for(1)
    assert "dsl@northbrook.example.org" in to and "boyfriend" not in message.get_content()


def test_low_confidence_flags_are_still_alerted(mail_app, smtp_inbox, monkeypatch):  # noqa: F811
    from consult.safeguarding import screening

    class Unsure:
        def screen(self, text):
            return screening.Screening(flagged=True, reasons=["threatened"], matched=[],
                                       score=0.1, method="test", confidence=0.05)

    monkeypatch.setattr(screening, "get_screener", lambda: Unsure())
    teacher = staff_client(mail_app)
    pupil_says(mail_app, teacher, worry="someone keeps following me", safer="")
    smtp_inbox.wait_for(1)
    assert {round(f.confidence, 2) for f in flags(mail_app)} == {0.05}


def test_escalation_after_the_configured_time(mail_app, smtp_inbox):  # noqa: F811
    teacher = staff_client(mail_app)
    pupil_says(mail_app, teacher)
    smtp_inbox.wait_for(1)
    with mail_app.app_context():
        db = get_db()
        assert alerts.escalate(db, now=utcnow() + dt.timedelta(minutes=10)) == 0
        assert alerts.escalate(db, now=utcnow() + dt.timedelta(minutes=31)) == 1
        assert alerts.escalate(db, now=utcnow() + dt.timedelta(minutes=62)) == 0  # once only
    messages = smtp_inbox.wait_for(2)
    to, message = messages[1]
    assert to == ["csp-safeguarding@example.org"]  # the partnership's role only
    assert "still not reviewed" in message["Subject"]
    assert "bruises" not in message.get_content()


def test_escalate_command_sends_alerts_the_mail_server_missed(
    mail_app, smtp_inbox, monkeypatch  # noqa: F811
):
    real_send = alerts.send_mail
    monkeypatch.setattr(alerts, "send_mail", lambda *a: (_ for _ in ()).throw(OSError("down")))
    teacher = staff_client(mail_app)
    pupil_says(mail_app, teacher)
    [flag] = flags(mail_app)
    assert flag.alerted_at is None and smtp_inbox.messages == []  # released for a retry
    monkeypatch.setattr(alerts, "send_mail", real_send)
    result = mail_app.test_cli_runner().invoke(cli, ["safeguarding", "escalate"])
    assert result.exit_code == 0, result.output
    assert "Alerts sent: 1" in result.output
    smtp_inbox.wait_for(1)
    assert flags(mail_app)[0].alerted_at is not None


def test_no_mail_server_no_alert_but_the_flag_is_queued(app):
    teacher = staff_client(app)
    pupil_says(app, teacher)
    [flag] = flags(app)
    assert flag.status == "open" and flag.alerted_at is None
    result = app.test_cli_runner().invoke(cli, ["safeguarding", "escalate"])
    assert result.exit_code != 0 and "MAIL_SERVER is not set" in result.output
