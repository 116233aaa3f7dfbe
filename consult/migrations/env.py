"""Alembic environment for consult.

The target is ``consult.base.Base.metadata`` with every model imported
(``consult.schema.import_models``). The database is, in order: a connection handed over in
``config.attributes["connection"]`` (tests), the ``sqlalchemy.url`` option (set by
``consult db ...`` from the app's DATABASE_URL), or the current Flask app's DATABASE_URL.
"""

from __future__ import annotations

from alembic import context

from consult.base import Base
from consult.db import make_engine
from consult.schema import import_models

import_models()
config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from flask import current_app

    return current_app.config["DATABASE_URL"]


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
