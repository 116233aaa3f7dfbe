"""The one rule for which responses may appear in reports, exports, analysis and quotes.

Features that hold responses back register a rule here: a function returning a SELECT of
``response.id`` values to exclude (for example, answers flagged by safeguarding screening
and not cleared by a reviewer). Every export, report and analysis builds its query with
:func:`reportable` so nothing held back can leak through one path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Select, false, select, union
from sqlalchemy.orm import Session

from consult.models import Response

exclusion_rules: list[Callable[[], Select]] = []


def register_exclusion(rule: Callable[[], Select]) -> Callable[[], Select]:
    if rule not in exclusion_rules:
        exclusion_rules.append(rule)
    return rule


def reportable(stmt: Select | None = None) -> Select:
    """``stmt`` (default: all responses) without any response a rule holds back."""
    stmt = stmt if stmt is not None else select(Response)
    for rule in exclusion_rules:
        stmt = stmt.where(Response.id.not_in(rule()))
    return stmt


def held_back() -> Select:
    """A SELECT of the ids of every response some rule holds back *now* (e.g. a pupil's
    answer a safeguarding lead has not cleared, or cleared and then reopened). Stored
    analysis results (theme assignments, quotes, coder training rows) must be read through
    this (``.where(X.response_id.not_in(held_back()))``) every time they are shown,
    counted, exported or fed to a job, because a hold can start after the run."""
    rules = [rule() for rule in exclusion_rules]
    if not rules:
        return select(Response.id).where(false())
    return union(*rules) if len(rules) > 1 else rules[0]


def held_back_ids(db: Session, response_ids: Iterable[int] | None = None) -> set[int]:
    """The ids among ``response_ids`` (default: all) that are held back now."""
    column = held_back().subquery().c[0]
    stmt = select(column)
    if response_ids is not None:
        ids = list(response_ids)
        if not ids:
            return set()
        stmt = stmt.where(column.in_(ids))
    return set(db.scalars(stmt))
