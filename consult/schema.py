"""The complete schema: every module that declares models, listed once.

``Base.metadata`` knows a table only once its module is imported, so ``create_all``,
Alembic (``consult/migrations/env.py``), the purge (which follows foreign keys to
``response``) and the tests call :func:`import_models` first. ``create_app`` calls it too.
This module may see every feature's models; nothing below the app imports it.
"""

from __future__ import annotations

from consult.base import Base
from consult.db import engine


def import_models() -> None:
    """Import every model module, so ``Base.metadata`` holds every table.

    A feature package with models of its own adds one line here."""
    import consult.analysis.models  # noqa: F401  analysis runs and themes
    import consult.auth.models  # noqa: F401  staff sessions and sign-in failures
    import consult.editor.models  # noqa: F401  survey drafts
    import consult.jobs.models  # noqa: F401  background jobs
    import consult.models  # noqa: F401  surveys, progress, responses, staff, audit
    import consult.safeguarding.models  # noqa: F401  safeguarding flags
    import consult.schools.models  # noqa: F401  classroom sessions


def create_all() -> None:
    """Create every table in the app's database (tests and ``init-db`` on a new SQLite)."""
    import_models()
    Base.metadata.create_all(engine())
