"""One app and database per test module (and database kind), for tests that only read what
was built once: the seeded runs, their report and its Word file (drawn with charts) are
then built once per module, not once per test.

``module_analysis_app`` is the analysis tests' app at module scope, on SQLite in a
temporary folder or on a PostgreSQL schema of the module's own (never the shared one that
``database_url`` empties before each test), dropped at the end of the module."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine

from consult import create_app
from consult.base import Base
from consult.db import engine
from consult.schema import import_models
from tests.conftest import _backends, _base_config, _prepare
from tests.consult.analysis.test_analysis_support import ANALYSIS_CONFIG


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
def module_analysis_app(module_database_url, tmp_path_factory):
    """An app with the analysis tests' settings (``ANALYSIS_CONFIG``: the fake engine, jobs
    run at once) on this module's database, surveys loaded."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        app = create_app({**_base_config(module_database_url), **ANALYSIS_CONFIG})
        _prepare(app)
        yield app
        with app.app_context():
            engine().dispose()
