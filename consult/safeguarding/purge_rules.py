"""Safeguarding's part in ``consult purge`` and in reporting, registered by ``init_app``.

- Report exclusion: a response with a flag nobody has cleared is never reported
  (``models.held_back_responses``, through ``consult.reportable``).
- Purge hold: a response with a flag nobody has reviewed is kept past its survey's retention
  (``models.unreviewed_responses``), so a possible disclosure is never deleted unread.
- Own retention: a reviewed safeguarding record (the response, the flag and the leads'
  notes) is kept longer than the survey's retention: by default until the youngest pupil in
  the session would be 25 (``SAFEGUARDING_RETENTION_AGE``), as schools' child-protection
  guidance suggests; ``SAFEGUARDING_RETENTION_DAYS`` sets a fixed period instead. A flagged
  answer with no classroom session is kept as if the pupil were in reception (age 4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult import reportable, retention
from consult.safeguarding.models import (
    SafeguardingFlag,
    held_back_responses,
    unreviewed_responses,
)
from consult.schools.models import ClassroomSession


def safeguarding_keep_until(
    flagged_on: dt.datetime, year_group: str | None, age: int = 25
) -> dt.datetime:
    """When the youngest pupil who could have been in the session turns ``age``.

    In England a pupil in Year N on a date in the school year starting September S was born
    between 1 September S-N-5 and 31 August S-N-4; the youngest turns ``age`` on 31 August
    of S-N-4+age. Unknown or mixed years count as reception (N=0, the youngest at school).
    """
    start_year = flagged_on.year if flagged_on.month >= 9 else flagged_on.year - 1
    n = 0
    if year_group and year_group.startswith("year_") and year_group[5:].isdigit():
        n = int(year_group[5:])
    return dt.datetime(start_year - n - 4 + age, 8, 31, 23, 59, 59)


def kept_with_records(db: Session, now: dt.datetime, config: Mapping) -> set[int]:
    """Responses whose reviewed safeguarding records are still within their retention."""
    rows = db.execute(
        select(
            SafeguardingFlag.response_id, SafeguardingFlag.created_at, ClassroomSession.year_group
        )
        .outerjoin(ClassroomSession, ClassroomSession.id == SafeguardingFlag.classroom_session_id)
        .where(SafeguardingFlag.status != "open")
    ).all()
    fixed_days = config.get("SAFEGUARDING_RETENTION_DAYS")
    age = int(config.get("SAFEGUARDING_RETENTION_AGE", 25))
    kept = set()
    for response_id, created_at, year_group in rows:
        if fixed_days:
            until = created_at + dt.timedelta(days=int(fixed_days))
        else:
            until = safeguarding_keep_until(created_at, year_group, age)
        if until > now:
            kept.add(response_id)
    return kept


def register() -> None:
    """Called by ``consult.safeguarding.init_app`` (idempotent)."""
    reportable.register_exclusion(held_back_responses)
    retention.register_hold(unreviewed_responses)
    retention.register_keep(kept_with_records)
