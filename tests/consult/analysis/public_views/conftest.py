"""One app and database per test module (and database kind), for tests that only read what
was built once: the seeded runs, their report and its Word file (drawn with charts) are
then built once per module, not once per test.

``module_make_app(**config)`` is ``make_app`` at module scope: SQLite in a temporary folder,
or a PostgreSQL schema of the module's own (never the shared one that ``database_url``
empties before each test), dropped at the end of the module."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine

from consult import create_app
from consult.db import Base, engine, import_models
from tests.conftest import _backends, _base_config, _prepare


def _params():
    return [pytest.param(b, marks=pytest.mark.postgres) if b == "postgresql" else b
            for b in _backends()]


@pytest.fixture(scope="module", params=_params())
def module_database_url(request, tmp_path_factory):
    """An empty database for this module (tables created, no rows)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('public-views') / 'test.sqlite3'}"
        return
    import_models()
    if request.param == "env":
        url = os.environ["CONSULT_TEST_DATABASE_URL"]
        eng = create_engine(url)
        Base.metadata.drop_all(eng)
        Base.metadata.create_all(eng)
        eng.dispose()
        yield url
        return
    server = request.getfixturevalue("postgres_server")
    schema = server.create_schema("consult_module")
    url = server.url_for(schema)
    eng = create_engine(url)
    Base.metadata.create_all(eng)
    eng.dispose()
    yield url
    server.drop_schema(schema)


@pytest.fixture(scope="module")
def module_make_app(module_database_url, tmp_path_factory) -> Callable:
    """``module_make_app(**config)``: an app on this module's database with surveys loaded."""
    patch = pytest.MonkeyPatch()
    patch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
    made = []

    def _make(**overrides):
        app = create_app({**_base_config(module_database_url), **overrides})
        if not made:
            _prepare(app)
        made.append(app)
        return app

    yield _make
    for app in made:
        with app.app_context():
            engine().dispose()
    patch.undo()
