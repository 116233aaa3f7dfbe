"""Alembic, driven from the ``consult`` command line: ``consult db upgrade``,
``consult db revision -m "..."``, ``consult db current``, ``consult db history``,
``consult db downgrade``. ``consult init-db`` calls :func:`upgrade_database`.

The migration scripts live in ``consult/migrations/versions``; there is no alembic.ini: the
configuration is built here from the app's DATABASE_URL.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _command():
    """alembic.command, imported when a migration command runs (not for every command)."""
    from alembic import command

    return command


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic Config for consult's migrations: on ``connection`` if given, else on
    ``url``, else on the current app's DATABASE_URL."""
    from alembic.config import Config  # Alembic loads only for the commands that use it

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    _ruff_hooks(cfg)
    if connection is not None:
        cfg.attributes["connection"] = connection
    else:
        url = url or current_app.config["DATABASE_URL"]
        # ConfigParser interpolation: a literal % (URL-encoded passwords) must be doubled.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _ruff_hooks(cfg: Config) -> None:
    """New scripts are formatted and import-sorted by ruff, so they pass `make test`."""
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        return
    cfg.set_section_option("post_write_hooks", "hooks", "ruff_format, ruff_fix")
    cfg.set_section_option("post_write_hooks", "ruff_format.type", "exec")
    cfg.set_section_option("post_write_hooks", "ruff_format.executable", str(ruff))
    cfg.set_section_option(
        "post_write_hooks", "ruff_format.options", "format REVISION_SCRIPT_FILENAME"
    )
    cfg.set_section_option("post_write_hooks", "ruff_fix.type", "exec")
    cfg.set_section_option("post_write_hooks", "ruff_fix.executable", str(ruff))
    cfg.set_section_option(
        "post_write_hooks", "ruff_fix.options", "check --fix --quiet REVISION_SCRIPT_FILENAME"
    )


def upgrade_database(url: str | None = None, revision: str = "head") -> str:
    """Bring the database to ``revision``. Returns what was done, for the person running it.

    A database whose tables were made without Alembic (``create_all``: the test fixtures, or
    ``consult surveys load`` run before ``init-db``) has no version yet: its missing tables
    are created and it is stamped at head, so later migrations apply to it.
    """
    from consult.base import Base
    from consult.db import make_engine
    from consult.schema import import_models

    url = url or current_app.config["DATABASE_URL"]
    import_models()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            from alembic.migration import MigrationContext

            version = MigrationContext.configure(conn).get_current_revision()
        ours = {t.name for t in Base.metadata.sorted_tables}
        if version is None and tables & ours:
            Base.metadata.create_all(engine)
            _command().stamp(alembic_config(url), "head")
            return "existing tables without a migration version: stamped at head"
    finally:
        engine.dispose()
    _command().upgrade(alembic_config(url), revision)
    return f"migrated to {revision}" if version is None else f"upgraded from {version}"


def register(cli: click.Group) -> None:
    @cli.group("db")
    def db_group():
        """Database migrations (Alembic)."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    @with_appcontext
    def db_upgrade(revision):
        """Apply migrations up to REVISION (default: head)."""
        outcome = upgrade_database(revision=revision)
        click.echo(f"Database {outcome}: {_safe_url()}")

    @db_group.command("downgrade")
    @click.argument("revision")
    @with_appcontext
    def db_downgrade(revision):
        """Undo migrations down to REVISION (e.g. -1, or base)."""
        _command().downgrade(alembic_config(), revision)

    @db_group.command("revision")
    @click.option("-m", "--message", required=True, help="What changed, e.g. 'add school'.")
    @click.option(
        "--empty", is_flag=True, help="Write an empty script instead of comparing the models."
    )
    @with_appcontext
    def db_revision(message, empty):
        """Write a migration script for the difference between the models and the database
        (which should be at head: `make migration MESSAGE=...` uses a scratch database)."""
        scripts = _command().revision(alembic_config(), message=message, autogenerate=not empty)
        for script in scripts if isinstance(scripts, list) else [scripts]:
            if script is not None:
                click.echo(f"Wrote {os.path.relpath(script.path)}")

    @db_group.command("current")
    @with_appcontext
    def db_current():
        """Show the database's migration version."""
        _command().current(alembic_config(), verbose=False)

    @db_group.command("history")
    @with_appcontext
    def db_history():
        """List the migrations."""
        _command().history(alembic_config())


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(current_app.config["DATABASE_URL"]).render_as_string(hide_password=True)
