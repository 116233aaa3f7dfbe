"""Alembic: the migrations build, from empty, exactly the schema the models describe, on
SQLite and on PostgreSQL; `consult init-db` and `consult db upgrade` use them."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from consult import create_app
from consult.base import Base
from consult.cli import cli
from consult.db import make_engine
from consult.migrations_cli import alembic_config, upgrade_database
from consult.schema import import_models

HOW_TO_FIX = (
    "The models and the migrations differ. Write a migration for the change with "
    '`make migration MESSAGE="what changed"` (or, while no deployment has run the initial '
    "migration, rewrite it with `make migration-initial`)."
)


def _differences(url: str) -> list:
    import_models()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config(url="sqlite://")).get_current_head()


def _version(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def test_one_head():
    heads = ScriptDirectory.from_config(alembic_config(url="sqlite://")).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: merge them (alembic merge)"


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    upgrade_database(empty_database_url)
    assert _version(empty_database_url) == _head()
    differences = _differences(empty_database_url)
    assert differences == [], f"{HOW_TO_FIX}\n{differences}"


def test_downgrade_to_base_then_upgrade_again(empty_database_url):
    upgrade_database(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "base")
    assert _tables(empty_database_url) <= {"alembic_version"}
    upgrade_database(empty_database_url)
    assert _differences(empty_database_url) == []


def _invoke(url, tmp_path, monkeypatch, *args):
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
    return app.test_cli_runner().invoke(cli, list(args))


def test_init_db_migrates_an_empty_database_and_is_safe_to_rerun(
    empty_database_url, tmp_path, monkeypatch
):
    first = _invoke(empty_database_url, tmp_path, monkeypatch, "init-db")
    assert first.exit_code == 0, first.output
    assert "Database ready (migrated to head)" in first.output
    again = _invoke(empty_database_url, tmp_path, monkeypatch, "init-db")
    assert again.exit_code == 0, again.output
    assert "Database ready (upgraded from" in again.output
    assert _version(empty_database_url) == _head()
    loaded = _invoke(empty_database_url, tmp_path, monkeypatch, "surveys", "load")
    assert loaded.exit_code == 0, loaded.output
    assert "residents version 1: stored" in loaded.output


def test_tables_made_without_alembic_are_stamped(empty_database_url, tmp_path, monkeypatch):
    # `consult surveys load` before `init-db` makes the tables with create_all.
    loaded = _invoke(empty_database_url, tmp_path, monkeypatch, "surveys", "load")
    assert loaded.exit_code == 0, loaded.output
    assert _version(empty_database_url) is None
    result = _invoke(empty_database_url, tmp_path, monkeypatch, "init-db")
    assert result.exit_code == 0, result.output
    assert "stamped at head" in result.output
    assert _version(empty_database_url) == _head()


@pytest.mark.parametrize("args", [["db", "upgrade"], ["db", "current"], ["db", "history"]])
def test_db_commands(args, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    result = _invoke(url, tmp_path, monkeypatch, *args)
    assert result.exit_code == 0, result.output
    if args[1] == "upgrade":
        assert _version(url) == _head()
