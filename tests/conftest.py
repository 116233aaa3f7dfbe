"""Shared fixtures in the Flask tutorial's style: ``app``, ``client``, ``runner``.

Every test that uses ``app`` (or ``client``/``runner``) runs twice: on SQLite and on
PostgreSQL. Test ids end in ``[sqlite]`` / ``[postgresql]``.

Each test starts from a template made once per run and database (tables created, the surveys
in ``surveys/`` loaded), so no test pays for creating tables or loading surveys:

- SQLite: the template file is copied (sqlite3 backup API) into the test's temporary folder.
- PostgreSQL: one template schema and one working schema per pytest run
  (``consult_tpl_<pid>_<hex>`` / ``consult_test_<pid>_<hex>`` in the database named by
  CONSULT_TEST_POSTGRES_URL); before each test the working schema is put back to the
  template's rows in one round trip (see ``PostgresTemplate``). Several people (or CI jobs)
  can run the suite against the same server at once.

Environment:
- CONSULT_TEST_DATABASES=sqlite: only SQLite (quick local runs); ``postgresql`` only PG.
- CONSULT_TEST_POSTGRES_URL: the PostgreSQL server (default
  postgresql+psycopg://postgres@127.0.0.1:5432/test). When it does not answer the
  PostgreSQL runs are skipped with a message, unless CONSULT_REQUIRE_POSTGRES=1 (CI).
- CONSULT_TEST_DATABASE_URL: run on this one database URL only (as before).

Fixtures for tests that need their own app (e.g. with CSRF switched on): ``make_app``.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from consult import create_app
from consult.base import Base
from consult.db import engine, get_db
from consult.schema import create_all, import_models

POSTGRES_DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POSTGRES_HOWTO = (
    "PostgreSQL tests skipped: no server answered at {url} ({error}). To run them, start "
    "PostgreSQL (Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main "
    "start) with a database the user can create schemas in, or point "
    "CONSULT_TEST_POSTGRES_URL at one; CONSULT_TEST_DATABASES=sqlite silences this."
)


def _backends() -> list[str]:
    if os.environ.get("CONSULT_TEST_DATABASE_URL"):
        return ["env"]
    wanted = os.environ.get("CONSULT_TEST_DATABASES", "sqlite,postgresql")
    names = [n.strip() for n in wanted.split(",") if n.strip()]
    unknown = set(names) - {"sqlite", "postgresql"}
    if unknown:
        raise pytest.UsageError(f"CONSULT_TEST_DATABASES: unknown database(s) {sorted(unknown)}")
    return names


# --- PostgreSQL ------------------------------------------------------------------------------
def postgres_base_url() -> str:
    return os.environ.get("CONSULT_TEST_POSTGRES_URL", POSTGRES_DEFAULT_URL)


def with_search_path(url: str, schema: str) -> str:
    """The URL with every connection's search_path set to ``schema``: the app, Alembic and
    any subprocess given this URL all see the same tables."""
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


class PostgresServer:
    """A reachable PostgreSQL server; makes throwaway schemas."""

    def __init__(self, url: str):
        self.url = url
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")

    def create_schema(self, prefix: str = "consult_test") -> str:
        name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        return name

    def drop_schema(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))

    def url_for(self, schema: str) -> str:
        return with_search_path(self.url, schema)


_postgres_state: dict = {}


def _postgres_or_skip() -> PostgresServer:
    if "server" in _postgres_state:
        return _postgres_state["server"]
    if "error" not in _postgres_state:
        url = postgres_base_url()
        try:
            probe = create_engine(url, connect_args={"connect_timeout": 3})
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
            probe.dispose()
            _postgres_state["server"] = PostgresServer(url)
            return _postgres_state["server"]
        except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
            safe = make_url(url).render_as_string(hide_password=True)
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            _postgres_state["error"] = POSTGRES_HOWTO.format(url=safe, error=first_line[:200])
    if os.environ.get("CONSULT_REQUIRE_POSTGRES") == "1":
        pytest.fail(_postgres_state["error"], pytrace=False)
    pytest.skip("PostgreSQL not reachable (how to enable it: see the note at the end)")


def pytest_collection_modifyitems(config, items):
    # The PostgreSQL half of the matrix carries the `postgres` marker: -m "not postgres".
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "postgresql" in (
            callspec.params.get("database_url"),
            callspec.params.get("empty_database_url"),
        ):
            item.add_marker(pytest.mark.postgres)


def pytest_terminal_summary(terminalreporter):
    if "error" in _postgres_state:
        terminalreporter.write_sep("-", "PostgreSQL")
        terminalreporter.write_line(_postgres_state["error"])


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """The PostgreSQL server, or a skip saying how to enable it."""
    return _postgres_or_skip()


@pytest.fixture
def postgres_empty_url(postgres_server):
    """A URL to an empty PostgreSQL schema of its own, dropped after the test."""
    schema = postgres_server.create_schema("consult_empty")
    yield postgres_server.url_for(schema)
    postgres_server.drop_schema(schema)


# --- the template: tables made and surveys loaded once per run and database --------------------
def _template_app(url: str, instance: Path):
    """An app on ``url`` (the tests' base configuration) for building a template."""
    before = os.environ.get("CONSULT_INSTANCE_PATH")
    os.environ["CONSULT_INSTANCE_PATH"] = str(instance)
    try:
        return create_app(_base_config(url))
    finally:
        if before is None:
            os.environ.pop("CONSULT_INSTANCE_PATH", None)
        else:
            os.environ["CONSULT_INSTANCE_PATH"] = before


def _prepare(app) -> None:
    """Every table, and the surveys in ``surveys/`` loaded as published versions."""
    with app.app_context():
        create_all()
        from consult.survey_store import load_folder

        db = get_db()
        load_folder(db, Path(app.config["SURVEYS_DIR"]), app.config["DISTRICTS"])
        db.commit()
        engine().dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file with the tables and surveys, copied for each test."""
    return make_sqlite_template(tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3")


def make_sqlite_template(path: Path) -> Path:
    """A SQLite file at ``path`` with every table and the surveys loaded (what each test's
    database starts from; also used by bench/public_views_sample.py)."""
    _prepare(_template_app(f"sqlite:///{path}", path.parent / "template-instance"))
    return path


def copy_sqlite(template: Path, target: Path) -> None:
    # The backup API copies a consistent image whatever the journal mode (WAL) left behind.
    source = sqlite3.connect(template)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


class PostgresTemplate:
    """The template schema (tables, surveys) and the run's working schema, which is put back
    to the template's rows before each test in one round trip: DELETE from every table (on
    tables this small far cheaper than TRUNCATE, which makes new files for each table and
    index), ``INSERT ... SELECT`` of the template's rows, and every sequence set back to where
    the template's is (ids start where they would in a fresh database)."""

    def __init__(self, server: PostgresServer, tmp: Path):
        import_models()
        self.server = server
        self.template = server.create_schema("consult_tpl")
        self.schema = server.create_schema()
        self.url = server.url_for(self.schema)
        _prepare(_template_app(server.url_for(self.template), tmp / "instance"))
        eng = create_engine(self.url)
        Base.metadata.create_all(eng)
        eng.dispose()
        self.reset_sql = self._reset_sql()
        self.engine = create_engine(self.url, poolclass=NullPool)

    def _reset_sql(self) -> str:
        tpl, work = f'"{self.template}"', f'"{self.schema}"'
        tables = Base.metadata.sorted_tables
        statements = [f'DELETE FROM {work}."{t.name}"' for t in reversed(tables)]
        sequences = text(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = :s"
        )
        with self.server.admin.connect() as conn:
            for table in tables:
                if conn.scalar(text(f'SELECT EXISTS (SELECT 1 FROM {tpl}."{table.name}")')):
                    columns = ", ".join(f'"{c.name}"' for c in table.columns)
                    statements.append(
                        f'INSERT INTO {work}."{table.name}" ({columns}) '
                        f'SELECT {columns} FROM {tpl}."{table.name}"'
                    )
            used = dict(conn.execute(sequences, {"s": self.template}).all())
            names = [name for name, _ in conn.execute(sequences, {"s": self.schema}).all()]
        for name in names:
            value = used.get(name)
            at = f"{int(value)}, true" if value is not None else "1, false"
            statements.append(f"SELECT setval('{work}.\"{name}\"', {at})")
        return ";\n".join(statements)

    def reset(self) -> str:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(self.reset_sql)
        return self.url

    def drop(self) -> None:
        self.engine.dispose()
        self.server.drop_schema(self.schema)
        self.server.drop_schema(self.template)


@pytest.fixture(scope="session")
def _postgres_template(postgres_server, tmp_path_factory):
    """One template schema and one working schema for the run."""
    template = PostgresTemplate(postgres_server, tmp_path_factory.mktemp("postgres-template"))
    yield template
    template.drop()


# --- password hashing -------------------------------------------------------------------------
# Staff passwords are stored with scrypt at N=2**15 (32 MB and a tenth of a second or more per
# hash or check). Tests hash at N=2**10: the same function and stored format, verified the same
# way, 30 times cheaper. ``production_password_hashing`` puts the shipped cost back for a test
# (test_auth checks it).
TEST_HASH_METHOD = "scrypt:1024:8:1"


def _cheapen_password_hashes(patch: pytest.MonkeyPatch) -> None:
    from werkzeug.security import generate_password_hash

    from consult.auth import accounts

    def cheap(password: str) -> str:
        return generate_password_hash(password, method=TEST_HASH_METHOD)

    patch.setattr(accounts, "hash_password", cheap)
    dummy = cheap("not-a-real-password-0000")
    patch.setattr(accounts, "_dummy_hash", lambda: dummy)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes():
    patch = pytest.MonkeyPatch()
    _cheapen_password_hashes(patch)
    yield patch
    patch.undo()


@pytest.fixture
def production_password_hashing(_cheap_password_hashes):
    """The shipped password hashing (scrypt at full cost) for this test only."""
    _cheap_password_hashes.undo()
    yield
    _cheapen_password_hashes(_cheap_password_hashes)


# --- the database matrix ---------------------------------------------------------------------
@pytest.fixture(params=_backends())
def database_url(request, tmp_path) -> str:
    """This test's database: every table, the surveys loaded, nothing else."""
    if request.param == "env":
        url = os.environ["CONSULT_TEST_DATABASE_URL"]
        import_models()
        eng = create_engine(url)
        Base.metadata.drop_all(eng)
        eng.dispose()
        _prepare(_template_app(url, tmp_path / "template-instance"))
        return url
    if request.param == "postgresql":
        return request.getfixturevalue("_postgres_template").reset()
    path = tmp_path / "test.sqlite3"
    copy_sqlite(request.getfixturevalue("_sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture(params=[b for b in _backends() if b != "env"] or ["sqlite"])
def empty_database_url(request, tmp_path) -> str:
    """A database with no tables at all (for migrations and set-up commands)."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_empty_url")
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"


@pytest.fixture
def database_kind(database_url) -> str:
    return make_url(database_url).get_backend_name()


def _base_config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Deterministic rules-only screening; tests of the embedding screener ask for "best".
        "SAFEGUARDING_SCREENER": "rules",
    }


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch) -> Callable:
    """``make_app(**config)``: an app on this test's database with surveys loaded, e.g.
    ``make_app(WTF_CSRF_ENABLED=True)``. Engines are disposed after the test."""
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path / "instance"))
    made = []

    def _make(**overrides):
        app = create_app({**_base_config(database_url), **overrides})
        made.append(app)
        return app

    yield _make
    for app in made:
        with app.app_context():
            engine().dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
