"""``consult users list|disable|enable|set-role|reset-password|unlock``: the account
lifecycle from the command line (the same rules and audit trail as /staff/accounts;
the audit events say ``"via": "command line"``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from consult.db import get_db
from consult.templating import plural

VIA = "command line"


def _run(email: str, action):
    from consult.auth import accounts

    db = get_db()
    try:
        user = accounts.get_by_email(db, email)
        result = action(db, user)
    except accounts.AccountError as exc:
        db.rollback()
        raise click.ClickException(str(exc)) from None
    db.commit()
    return user, result


@click.command("list")
@with_appcontext
def users_list():
    """Every staff account: role, school, status and last sign-in."""
    from consult.auth.accounts import list_accounts

    for u in list_accounts(get_db()):
        status = "disabled" if u.disabled_at else (
            "temporary password" if u.must_change_password else "active"
        )
        last = u.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if u.last_login_at else "never"
        click.echo(f"{u.email}\t{u.role}\t{u.school or '-'}\t{status}\tlast sign-in {last}")


@click.command("disable")
@click.option("--email", required=True)
@with_appcontext
def users_disable(email):
    """Disable an account (a leaver): signed out everywhere, sign-in refused."""
    from consult.auth.accounts import disable

    user, ended = _run(email, lambda db, u: disable(db, u, via=VIA))
    click.echo(f"Disabled {user.email} ({plural(ended, 'session')} ended)")


@click.command("enable")
@click.option("--email", required=True)
@with_appcontext
def users_enable(email):
    """Re-enable a disabled account."""
    from consult.auth.accounts import enable

    user, _ = _run(email, lambda db, u: enable(db, u, via=VIA))
    click.echo(f"Enabled {user.email}")


@click.command("set-role")
@click.option("--email", required=True)
@click.option(
    "--role", required=True,
    type=click.Choice(["admin", "analyst", "school_staff", "safeguarding_lead"]),
)
@click.option("--school", default=None, help="For school staff and school safeguarding leads.")
@with_appcontext
def users_set_role(email, role, school):
    """Change an account's role and school (its sessions end)."""
    from consult.auth.accounts import change_role

    user, ended = _run(email, lambda db, u: change_role(db, u, role, school, via=VIA))
    click.echo(f"{user.email} is now {user.role}"
               + (f" at {user.school}" if user.school else "")
               + f" ({plural(ended, 'session')} ended)")


@click.command("reset-password")
@click.option("--email", required=True)
@with_appcontext
def users_reset_password(email):
    """Give an account a temporary password (printed once) that must be changed at the
    next sign-in; its sessions end."""
    from consult.auth.accounts import reset_password

    user, password = _run(email, lambda db, u: reset_password(db, u, via=VIA))
    click.echo(f"Temporary password for {user.email}: {password}")
    click.echo("Give it to them in person or by phone. They must choose a new one at sign-in.")


COMMANDS = (users_list, users_disable, users_enable, users_set_role, users_reset_password)
