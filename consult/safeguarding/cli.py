"""``consult safeguarding escalate``: run every minute from cron (or a systemd timer).

Sends any alert still unsent (the mail server was away when the flag arrived) and emails
the partnership's role about items unreviewed after
``SAFEGUARDING_ESCALATE_AFTER_MINUTES``.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.db import get_db


def register(cli: click.Group) -> None:
    @cli.group("safeguarding")
    def safeguarding():
        """Safeguarding alerts and escalation."""

    @safeguarding.command("escalate")
    @with_appcontext
    def escalate_command():
        """Send unsent alerts and escalate items unreviewed for too long."""
        from consult.safeguarding import alerts

        if not alerts.enabled():
            raise click.ClickException("MAIL_SERVER is not set: no emails can be sent.")
        db = get_db()
        sent = alerts.send_pending(db)
        escalated = alerts.escalate(db)
        click.echo(f"Alerts sent: {sent}. Items escalated: {escalated}.")
