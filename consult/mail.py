"""Sending email (safeguarding alerts, ``consult mail test``) through the SMTP server set in
``instance/config.py``: ``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_USE_TLS`` (STARTTLS),
``MAIL_USE_SSL``, ``MAIL_USERNAME``, ``MAIL_PASSWORD``, ``MAIL_FROM``. Nothing is sent
while ``MAIL_SERVER`` is unset.

Every message carries ``Date`` and ``Message-ID`` (RFC 5322 asks for both; several
providers reject mail without them).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

DEFAULTS = {
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,  # STARTTLS
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_FROM": "safeguarding@localhost",
    "MAIL_TIMEOUT_SECONDS": 20,
}


def setting(key: str, app: Flask | None = None, defaults: dict | None = None):
    """The configured value of ``key``, else its default (``defaults``: a feature's own
    settings beside the mail ones)."""
    app = app or current_app
    return app.config.get(key, (defaults or DEFAULTS)[key])


def enabled(app: Flask | None = None) -> bool:
    return bool(setting("MAIL_SERVER", app))


def build_message(to: list[str], subject: str, body: str) -> EmailMessage:
    sender = setting("MAIL_FROM")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    # The sender's domain, not this machine's name (no DNS lookup, nothing internal shown).
    domain = parseaddr(sender)[1].rpartition("@")[2]
    message["Message-ID"] = make_msgid(domain=domain or "localhost")
    message.set_content(body)
    return message


def send_mail(to: list[str], subject: str, body: str) -> str:
    """Send a plain-text email; returns its Message-ID. Raises ``OSError`` or
    ``smtplib.SMTPException`` when the server cannot be reached or refuses it."""
    message = build_message(to, subject, body)
    host, port = setting("MAIL_SERVER"), int(setting("MAIL_PORT"))
    timeout = float(setting("MAIL_TIMEOUT_SECONDS"))
    smtp_class = smtplib.SMTP_SSL if setting("MAIL_USE_SSL") else smtplib.SMTP
    with smtp_class(host, port, timeout=timeout) as smtp:
        if setting("MAIL_USE_TLS"):
            smtp.starttls()
        if setting("MAIL_USERNAME"):
            smtp.login(setting("MAIL_USERNAME"), setting("MAIL_PASSWORD"))
        smtp.send_message(message)
    return message["Message-ID"]


# --- consult mail test -------------------------------------------------------------------------
TEST_SUBJECT = "Test message from the community safety consultation"
TEST_BODY = (
    "This is a test message sent with `consult mail test`.\n\n"
    "If you are reading it, safeguarding alerts can reach this address through the "
    "configured mail server.\n"
)


def register(cli: click.Group) -> None:
    @cli.group("mail")
    def mail():
        """Email settings (MAIL_SERVER and the rest, in instance/config.py)."""

    @mail.command("test")
    @click.option("--to", "to", required=True, metavar="ADDRESS",
                  help="Where to send the test message.")
    @with_appcontext
    def mail_test(to):
        """Send a test message through the configured mail server."""
        if not enabled():
            raise click.ClickException(
                "MAIL_SERVER is not set: no email can be sent. Set MAIL_SERVER (and "
                "MAIL_PORT, MAIL_FROM) in instance/config.py; see the README, Configuration."
            )
        where = f"{setting('MAIL_SERVER')}:{setting('MAIL_PORT')}"
        try:
            message_id = send_mail([to], TEST_SUBJECT, TEST_BODY)
        except smtplib.SMTPRecipientsRefused as exc:
            reasons = "; ".join(
                f"{code} {why.decode(errors='replace') if isinstance(why, bytes) else why}"
                for code, why in exc.recipients.values()
            )
            raise click.ClickException(f"The mail server {where} refused {to}: {reasons}") from None
        except smtplib.SMTPResponseException as exc:
            why = exc.smtp_error.decode(errors="replace") if isinstance(
                exc.smtp_error, bytes) else exc.smtp_error
            raise click.ClickException(
                f"The mail server {where} refused the message: {exc.smtp_code} {why}"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise click.ClickException(
                f"Could not send through the mail server {where}: {exc or type(exc).__name__}"
            ) from None
        click.echo(f"Sent a test message to {to} through {where} (Message-ID {message_id}).")
