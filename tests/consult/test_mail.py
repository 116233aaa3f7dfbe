"""Email through a real SMTP server (aiosmtpd, started by the test): every message carries
the ``Date`` and ``Message-ID`` headers providers ask for, and ``consult mail test --to``
sends one through the configured server or says plainly why it cannot."""

from __future__ import annotations

import email.utils
import re
import socket

import pytest

from consult.cli import cli
from tests.consult.safeguarding.test_safeguarding import DISCLOSURE, pupil_says
from tests.consult.safeguarding.test_safeguarding_alerts import mail_app  # noqa: F401 (fixture)
from tests.consult.schools.test_schools import staff_client
from tests.smtp_server import smtp_inbox  # noqa: F401 (fixture)

MESSAGE_ID = re.compile(r"<[^@<>\s]+@example\.org>")


def _has_date_and_message_id(message) -> None:
    assert message["Date"], dict(message)
    assert email.utils.parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert MESSAGE_ID.fullmatch(message["Message-ID"]), message["Message-ID"]


def test_the_alert_email_has_a_date_and_a_message_id(mail_app, smtp_inbox):  # noqa: F811
    teacher = staff_client(mail_app)
    pupil_says(mail_app, teacher, worry=DISCLOSURE, safer="")
    pupil_says(mail_app, teacher, worry="my uncle hits me when mum is out", safer="")
    messages = [m for _, m in smtp_inbox.wait_for(2)]
    for message in messages:
        _has_date_and_message_id(message)
    assert len({m["Message-ID"] for m in messages}) == 2  # one of its own each


def test_mail_test_sends_through_the_configured_server(make_app, smtp_inbox):  # noqa: F811
    app = make_app(**smtp_inbox.config())
    result = app.test_cli_runner().invoke(cli, ["mail", "test", "--to", "dsl@example.org"])
    assert result.exit_code == 0, result.output
    assert "Sent a test message to dsl@example.org" in result.output
    [(to, message)] = smtp_inbox.wait_for(1)
    assert to == ["dsl@example.org"] and message["From"] == "csp@example.org"
    assert "consult mail test" in message.get_content()
    _has_date_and_message_id(message)
    assert message["Message-ID"] in result.output


def test_a_sender_with_a_display_name_gives_its_domain_to_the_message_id(make_app):
    from consult.mail import build_message

    with make_app(MAIL_FROM="Community safety <csp@example.org>").app_context():
        message = build_message(["a@example.org"], "Subject", "Body")
    _has_date_and_message_id(message)
    assert message["From"] == "Community safety <csp@example.org>"


def test_mail_test_without_a_mail_server_says_what_to_set(make_app):
    result = make_app(MAIL_SERVER="").test_cli_runner().invoke(
        cli, ["mail", "test", "--to", "dsl@example.org"]
    )
    assert result.exit_code != 0
    assert "MAIL_SERVER is not set" in result.output and "instance/config.py" in result.output
    assert "Traceback" not in result.output


class Refusing:
    """An SMTP server that will not take mail for anyone (aiosmtpd handler)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.7.1 Relaying denied"


@pytest.fixture
def refusing_server():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def test_mail_test_says_when_the_server_refuses(make_app, refusing_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=refusing_server, MAIL_FROM="a@example.org")
    result = app.test_cli_runner().invoke(cli, ["mail", "test", "--to", "dsl@example.org"])
    assert result.exit_code != 0
    assert f"The mail server 127.0.0.1:{refusing_server} refused dsl@example.org" in result.output
    assert "550 5.7.1 Relaying denied" in result.output and "Traceback" not in result.output


def test_mail_test_says_when_nothing_listens(make_app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT_SECONDS=5)
    result = app.test_cli_runner().invoke(cli, ["mail", "test", "--to", "dsl@example.org"])
    assert result.exit_code != 0
    assert f"Could not send through the mail server 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output
