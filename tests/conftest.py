"""Shared fixtures in the Flask tutorial's style: ``app``, ``client``, ``runner``.

Each test gets a fresh SQLite database in a temporary instance folder, with the surveys
in ``surveys/`` loaded. Set CONSULT_TEST_DATABASE_URL to run the same tests on PostgreSQL.
"""

from __future__ import annotations

import os

import pytest

from consult import create_app
from consult.db import Base, create_all, engine, get_db, import_models


def _database_url(tmp_path) -> str:
    return os.environ.get("CONSULT_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("CONSULT_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": _database_url(tmp_path),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        import_models()
        Base.metadata.drop_all(engine())
        create_all()
        from consult.survey_store import load_folder

        db = get_db()
        load_folder(db, __import__("pathlib").Path(app.config["SURVEYS_DIR"]), app.config["DISTRICTS"])
        db.commit()
    yield app
    with app.app_context():
        engine().dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
