"""Alembic migrations (see env.py). Use the ``consult db`` commands."""
