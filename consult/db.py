"""Database engine and sessions (SQLAlchemy 2.0).

One engine per app; one session per request or CLI command, kept on ``flask.g`` and closed
at teardown. The caller owns the transaction: services call ``commit()`` themselves.
The models' base is ``consult.base``; the list of model modules is ``consult.schema``.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            # WAL lets readers carry on while a response is written; busy_timeout makes
            # concurrent writers wait instead of failing.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # A deleted row's bytes are overwritten, not left in free pages: purged answers
            # leave no copy in the database file.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def engine() -> Engine:
    return current_app.extensions["consult.engine"]


def get_db() -> Session:
    if "db" not in g:
        g.db = Session(engine(), expire_on_commit=False)
    return g.db


def _close_db(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    app.extensions["consult.engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_db)
