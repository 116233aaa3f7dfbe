"""``consult responses``: import responses collected elsewhere from the command line.

    consult responses mapping --survey residents FILE > mapping.json   # suggested, to edit
    consult responses import --survey residents --version 1 --mapping mapping.json FILE

    consult users unlock --email E                                      # after throttling
    consult users list|disable|enable|set-role|reset-password           # consult.auth.cli

The same checks as the web import: every row judged like a web submission, and a file
with any problem stores nothing. Wired in by ``consult.cli`` calling :func:`register`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from consult.admin import importing, queries
from consult.db import get_db
from consult.models import SurveyVersion
from consult.survey_store import current_version, definition_of
from consult.templating import plural


def _find_version(survey: str, version: int | None) -> SurveyVersion:
    db = get_db()
    if version is None:
        found = current_version(db, survey)
    else:
        from sqlalchemy import select

        found = db.scalar(
            select(SurveyVersion).where(
                SurveyVersion.survey_id == survey, SurveyVersion.version == version
            )
        )
    if found is None:
        what = f"{survey} version {version}" if version else survey
        raise click.ClickException(f"There is no published survey {what}")
    return found


def _read(path: Path) -> tuple[bytes, importing.CsvTable]:
    content = path.read_bytes()
    try:
        return content, importing.read_csv(content)
    except importing.ImportFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from None


@click.command("unlock")
@click.option("--email", required=True)
@with_appcontext
def users_unlock(email):
    """Forget an email's failed sign-ins (from every device), so it is no longer throttled."""
    from consult.auth import audit
    from consult.auth.accounts import AccountError, unlock_user

    db = get_db()
    try:
        user = unlock_user(db, email)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    audit.record(db, "account_unlock", target=user.email, details={"via": "command line"})
    db.commit()
    click.echo(f"Unlocked {user.email}")


def register(cli: click.Group) -> None:
    users = cli.commands.get("users")
    if isinstance(users, click.Group):
        from consult.auth.cli import COMMANDS

        users.add_command(users_unlock)
        for command in COMMANDS:
            users.add_command(command)

    @cli.group("responses")
    def responses():
        """Responses collected elsewhere (paper, another survey tool)."""

    @responses.command("mapping")
    @click.option("--survey", required=True, help="Survey id, e.g. residents.")
    @click.option("--version", type=int, default=None, help="Default: the newest version.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @with_appcontext
    def responses_mapping(survey, version, file):
        """Print the suggested column-to-question mapping for FILE as JSON."""
        found = _find_version(survey, version)
        _, table = _read(file)
        click.echo(importing.suggest_mapping(definition_of(found), table.headers).to_json())

    @responses.command("import")
    @click.option("--survey", required=True, help="Survey id, e.g. residents.")
    @click.option("--version", type=int, default=None, help="Default: the newest version.")
    @click.option(
        "--mapping",
        "mapping_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help='JSON: {"columns": {"question_code": "CSV heading"}, "separator": ";"}. '
        "Default: columns headed with a question's code or label.",
    )
    @click.option("--dry-run", is_flag=True, help="Check every row; store nothing.")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @with_appcontext
    def responses_import(survey, version, mapping_file, dry_run, file):
        """Import the responses in FILE (CSV). Any problem in any row: nothing is stored."""
        found = _find_version(survey, version)
        defn = definition_of(found)
        content, table = _read(file)
        if mapping_file:
            try:
                mapping = importing.Mapping.from_dict(json.loads(mapping_file.read_text()))
            except ValueError as exc:
                raise click.ClickException(f"{mapping_file}: {exc}") from None
        else:
            mapping = importing.suggest_mapping(defn, table.headers)
        problems = importing.check_mapping(defn, table.headers, mapping)
        if problems:
            for code, message in problems.items():
                click.echo(f"mapping: {code}: {message}", err=True)
            raise click.ClickException("The mapping has problems. Nothing imported.")
        db = get_db()
        batch = importing.batch_id(
            content, f"{found.survey_id}:{found.version}:{found.definition_hash}"
        )
        at = queries.imported_at(db, batch)
        if at is not None:
            raise click.ClickException(str(queries.AlreadyImported(batch, at)))
        report = importing.validate_rows(defn, table, mapping)
        for p in report.warnings:
            click.echo(f"row {p.row}: {p.question}: {p.problem}", err=True)
        if report.errors:
            for p in report.errors:
                click.echo(f"row {p.row}: {p.question or '(whole row)'}: {p.problem}", err=True)
            raise click.ClickException(
                f"{plural(len(report.errors), 'problem')} in {report.rows_with_errors} of "
                f"{plural(len(table.rows), 'row')}. Nothing imported."
            )
        if dry_run:
            click.echo(f"All {plural(len(report.rows), 'row')} passed the checks. "
                       "Nothing stored (dry run).")
            return
        queries.store_import(
            db, found, batch, report.rows, user=None, filename=file.name,
            submitted_at=report.submitted_at,
        )
        db.commit()
        click.echo(
            f"Imported {plural(len(report.rows), 'response')} into {found.survey_id} version "
            f"{found.version} (batch {batch})."
        )
