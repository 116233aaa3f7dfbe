"""The declarative base every model derives from, and ``utcnow`` for their timestamps.

Imports only SQLAlchemy: every ``models.py`` (core and feature) imports this and nothing
above it, so the models form no circle. ``consult.schema`` lists the model modules.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """Now, in UTC, without a time zone (the columns are naive UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
