"""Shared fixtures in the Flask tutorial's style: ``app``, ``client``, ``runner``.

Every test that uses ``app`` (or ``client``/``runner``) runs twice: on SQLite and on
PostgreSQL. Test ids end in ``[sqlite]`` / ``[postgresql]``.

- SQLite: a fresh database file in the test's temporary instance folder.
- PostgreSQL: one schema per pytest run (``consult_test_<pid>_<hex>`` in the database named
  by CONSULT_TEST_POSTGRES_URL), tables created once, emptied before each test. Several
  people (or CI jobs) can run the suite against the same server at once.

Environment:
- CONSULT_TEST_DATABASES=sqlite: only SQLite (quick local runs); ``postgresql`` only PG.
- CONSULT_TEST_POSTGRES_URL: the PostgreSQL server (default
  postgresql+psycopg://postgres@127.0.0.1:5432/test). When it does not answer the
  PostgreSQL runs are skipped with a message, unless CONSULT_REQUIRE_POSTGRES=1 (CI).
- CONSULT_TEST_DATABASE_URL: run on this one database URL only (as before).

Fixtures for tests that need their own app (e.g. with CSRF switched on): ``make_app``.
Both databases get the surveys in ``surveys/`` loaded before each test.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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


@pytest.fixture(scope="session")
def _postgres_schema_url(postgres_server):
    """One schema for the run, with every table created once."""
    schema = postgres_server.create_schema()
    url = postgres_server.url_for(schema)
    import_models()
    eng = create_engine(url)
    Base.metadata.create_all(eng)
    eng.dispose()
    yield url
    postgres_server.drop_schema(schema)


def _empty_postgres(url: str) -> None:
    import_models()
    eng = create_engine(url)
    with eng.begin() as conn:
        # Models added since the schema was made (rare: only in a long-lived session).
        Base.metadata.create_all(conn)
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        if names:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    eng.dispose()


# --- the database matrix ---------------------------------------------------------------------
@pytest.fixture(params=_backends())
def database_url(request, tmp_path) -> str:
    """An empty database for this test (tables created, no rows)."""
    if request.param == "env":
        url = os.environ["CONSULT_TEST_DATABASE_URL"]
        import_models()
        eng = create_engine(url)
        Base.metadata.drop_all(eng)
        Base.metadata.create_all(eng)
        eng.dispose()
        return url
    if request.param == "postgresql":
        url = request.getfixturevalue("_postgres_schema_url")
        _empty_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


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


def _prepare(app) -> None:
    with app.app_context():
        create_all()
        from consult.survey_store import load_folder

        db = get_db()
        load_folder(db, Path(app.config["SURVEYS_DIR"]), app.config["DISTRICTS"])
        db.commit()


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch) -> Callable:
    """``make_app(**config)``: an app on this test's database with surveys loaded, e.g.
    ``make_app(WTF_CSRF_ENABLED=True)``. Engines are disposed after the test."""
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path / "instance"))
    made = []

    def _make(**overrides):
        app = create_app({**_base_config(database_url), **overrides})
        if not made:
            _prepare(app)
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
