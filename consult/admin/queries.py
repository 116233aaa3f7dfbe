"""The admin side's SQL: reportable responses of a version, and storing an import."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.auth import audit
from consult.journey import hooks
from consult.journey.progress import new_reference
from consult.models import Response, SurveyVersion, User, utcnow
from consult.reportable import reportable
from consult.survey_store import definition_of


class AlreadyImported(ValueError):
    def __init__(self, batch: str, at: dt.datetime):
        self.batch = batch
        self.at = at
        super().__init__(f"This file was already imported on {at:%-d %B %Y at %H:%M}")


def reportable_responses(db: Session, version_id: int) -> list[Response]:
    """Responses to one version that may appear in exports (never any held back by a
    safeguarding or other exclusion rule)."""
    stmt = reportable(
        select(Response)
        .where(Response.survey_version_id == version_id)
        .order_by(Response.submitted_at, Response.id)
    )
    return list(db.scalars(stmt))


def imported_at(db: Session, batch: str) -> dt.datetime | None:
    return db.scalar(select(func.min(Response.submitted_at)).where(Response.import_batch == batch))


def batch_count(db: Session, batch: str) -> int:
    return db.scalar(select(func.count(Response.id)).where(Response.import_batch == batch)) or 0


def _unused_references(db: Session, count: int) -> list[str]:
    refs: set[str] = set()
    while len(refs) < count:
        wanted = count - len(refs)
        fresh = {new_reference() for _ in range(wanted)} - refs
        taken = set(db.scalars(select(Response.reference).where(Response.reference.in_(fresh))))
        refs |= fresh - taken
    return list(refs)


def store_import(
    db: Session,
    version: SurveyVersion,
    batch: str,
    rows: list[tuple[int, dict]],
    *,
    user: User | None,
    filename: str = "",
    submitted_at: dict | None = None,
) -> list[Response]:
    """Add every row as a Response (the caller commits: all or nothing). The batch id
    comes from the file's content, so the same file is never imported twice."""
    at = imported_at(db, batch)
    if at is not None:
        raise AlreadyImported(batch, at)
    defn = definition_of(version)
    now = utcnow()
    references = _unused_references(db, len(rows))
    stored = []
    for (row_number, answers), reference in zip(rows, references, strict=True):
        response = Response(
            reference=reference,
            survey_version_id=version.id,
            survey_id=version.survey_id,
            survey_version_number=version.version,
            definition_hash=version.definition_hash,
            respondent_type="imported",
            answers=answers,
            # The original submission date when the file has one: retention counts from it.
            submitted_at=(submitted_at or {}).get(row_number, now),
            submission_key=f"import:{batch}:{row_number}",
            import_batch=batch,
        )
        db.add(response)
        stored.append(response)
    db.flush()
    # Imported answers are screened like any other (e.g. pupils' paper responses).
    for response in stored:
        for callback in hooks.after_submit:
            callback(db, response, defn)
    audit.record(
        db,
        "responses_import",
        user=user,
        target=f"{version.survey_id} version {version.version}",
        details={
            "survey_version_id": version.id,
            "batch": batch,
            "rows": len(stored),
            "filename": filename[:200],
        },
    )
    return stored
