"""The one rule for which responses may appear in reports, exports, analysis and quotes.

Features that hold responses back register a rule here: a function returning a SELECT of
``response.id`` values to exclude (for example, answers flagged by safeguarding screening
and not cleared by a reviewer). Every export, report and analysis builds its query with
:func:`reportable` so nothing held back can leak through one path.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, select

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
