"""Database engine and sessions (SQLAlchemy 2.0).

One engine per app; one session per request or CLI command, kept on ``flask.g`` and closed
at teardown. The caller owns the transaction: services call ``commit()`` themselves.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


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


def create_all() -> None:
    """Create every table (imports all model modules first so their tables are known)."""
    import_models()
    Base.metadata.create_all(engine())


def import_models() -> None:
    # Each aggregate keeps its models beside its queries; import them all here so the
    # metadata is complete for create_all and Alembic.
    from consult import models  # noqa: F401
    # Feature packages with models of their own add one import line each below.
    __import__("consult.jobs.models")  # jobs (consult/jobs)
    __import__("consult.analysis.models")  # analysis runs and themes (consult/analysis)
    __import__("consult.schools.models")  # classroom sessions (consult/schools)
    __import__("consult.safeguarding.models")  # safeguarding flags (consult/safeguarding)
    __import__("consult.editor.models")  # survey drafts (consult/editor)
    __import__("consult.auth.models")  # staff sessions and sign-in failures (consult/auth)


def init_app(app: Flask) -> None:
    app.extensions["consult.engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_db)
