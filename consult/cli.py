"""The ``consult`` command line: ``consult run``, ``init-db``, ``surveys``, ``users`` and
the analysis commands. Built on Flask's CLI so every command has the app configured."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from consult.db import get_db
from consult.schema import create_all
from consult.templating import plural


def _create_app():
    from consult import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli():
    """Community safety consultation: surveys, school sessions and theme analysis."""


@cli.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database tables with the migrations (safe to re-run)."""
    from consult.migrations_cli import upgrade_database

    outcome = upgrade_database()
    click.echo(f"Database ready ({outcome}): {_safe_url(current_app.config['DATABASE_URL'])}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- surveys -------------------------------------------------------------------------------
@cli.group()
def surveys():
    """Validate and load survey definitions (YAML)."""


@surveys.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def surveys_validate(files):
    """Check survey definition files against the schema (default: every file in surveys/)."""
    from surveys import SURVEYS_DIR
    from surveys.schema import DefinitionError, definition_files, load_definition

    paths = list(files) or definition_files(SURVEYS_DIR)
    failed = 0
    for path in paths:
        try:
            defn = load_definition(path)
        except DefinitionError as exc:
            failed += 1
            click.echo(str(exc), err=True)
            continue
        click.echo(
            f"{path}: ok ({defn.id} version {defn.version}, "
            f"{plural(len(defn.questions()), 'question')})"
        )
    if failed:
        raise click.ClickException(
            f"{failed} of {plural(len(paths), 'file')} {'is' if failed == 1 else 'are'} not valid"
        )


@surveys.command("load")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@with_appcontext
def surveys_load(files):
    """Publish survey definitions. A published version is never edited: changed content
    under the same version is refused."""
    from consult.survey_store import VersionConflict, load_file, load_folder
    from surveys.schema import DefinitionError

    create_all()
    db = get_db()
    districts = current_app.config["DISTRICTS"]
    try:
        if files:
            results = [load_file(db, Path(f), districts) for f in files]
        else:
            results = load_folder(db, Path(current_app.config["SURVEYS_DIR"]), districts)
    except (DefinitionError, VersionConflict) as exc:
        db.rollback()
        raise click.ClickException(str(exc)) from None
    db.commit()
    for r in results:
        click.echo(f"{r.survey_id} version {r.version}: {r.status} ({r.file})")


# --- users ---------------------------------------------------------------------------------
@cli.group()
def users():
    """Staff accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "analyst", "school_staff", "safeguarding_lead"]),
)
@click.option("--name", default="")
@click.option("--school", default=None, help="For school staff and school safeguarding leads.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(email, role, name, school, password_stdin=False):
    """Create a staff account. The password is asked for (never a default)."""
    from consult.auth.accounts import AccountError, create_user
    from consult.auth.passwords import MIN_LENGTH, WeakPassword, check

    def good_enough(password: str) -> str:  # checked before it is asked for again
        try:
            check(password, email=email)
        except WeakPassword as exc:
            raise click.BadParameter(str(exc)) from None
        return password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        click.echo(
            f"Choose a password of at least {MIN_LENGTH} characters (spaces are allowed; "
            "three or four unrelated words make a good one)."
        )
        password = click.prompt(
            "Password", hide_input=True, confirmation_prompt=True, value_proc=good_enough
        )
    create_all()
    db = get_db()
    try:
        user = create_user(
            db, email=email, role=role, password=password, name=name, school=school,
            via="command line",
        )
    except AccountError as exc:
        db.rollback()
        raise click.ClickException(str(exc)) from None
    db.commit()
    click.echo(f"Created {user.role} {user.email}")


def _register_feature_commands() -> None:
    import importlib.util

    # Feature packages add their commands here (analysis, purge, worker, ...).
    for module in (
        "consult.cli_nlp",
        "consult.migrations_cli",
        "consult.retention",
        "consult.admin.cli",
        "consult.jobs.cli",
        "consult.analysis.cli",
        "consult.safeguarding.cli",
        "consult.mail",
    ):
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module).register(cli)


_register_feature_commands()


def main() -> None:
    cli()
