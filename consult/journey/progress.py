"""Queries for anonymous progress and submitted responses (one place for their SQL)."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from consult.models import Progress, Response, SurveyVersion, utcnow

# Unambiguous characters: no 0/O, 1/I/L, 5/S, 2/Z, 8/B.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{body[:4]}-{body[4:]}"


def start(
    db: Session, version: SurveyVersion, lifetime: dt.timedelta, classroom_session_id=None
) -> Progress:
    now = utcnow()
    progress = Progress(
        token=secrets.token_urlsafe(32),
        survey_version_id=version.id,
        answers={},
        pages_done=[],
        classroom_session_id=classroom_session_id,
        created_at=now,
        updated_at=now,
        expires_at=now + lifetime,
    )
    db.add(progress)
    db.flush()
    return progress


def find(db: Session, token: str | None) -> Progress | None:
    """The progress with this token and its survey version, in one query. The version's
    definition (the whole survey as JSON) is left in the database: ``definition_of`` has it
    parsed already, by hash, and loads it only the first time."""
    if not token:
        return None
    return db.scalar(
        select(Progress)
        .where(Progress.token == token)
        .options(joinedload(Progress.survey_version).defer(SurveyVersion.definition))
    )


def find_live(db: Session, token: str | None) -> Progress | None:
    """Progress that has not expired (submitted progress stays findable until expiry so a
    repeated submit is recognised)."""
    progress = find(db, token)
    if progress is None or progress.expires_at < utcnow():
        return None
    return progress


def save_page(
    db: Session, progress: Progress, page_id: str, values: dict, lifetime: dt.timedelta
) -> None:
    """Merge one page's answers into the progress.

    Two saves from the same progress token at once (two tabs, a double submit of
    different pages) must both land. The row is locked first (an UPDATE: a row lock on
    PostgreSQL, the write lock on SQLite, held until the caller commits), then its answers
    are read again, so this page's values go on top of whatever the other save committed
    rather than over a copy read before it.
    """
    lock(db, progress)
    answers = dict(progress.answers or {})
    answers.update(values)
    progress.answers = answers
    done = list(progress.pages_done or [])
    if page_id not in done:
        done.append(page_id)
    progress.pages_done = done
    touch(progress, lifetime)


def lock(db: Session, progress: Progress) -> None:
    """Lock ``progress`` for this transaction and reload what others have committed."""
    db.execute(
        update(Progress)
        .where(Progress.id == progress.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.refresh(progress, attribute_names=["answers", "pages_done", "response_id"])


def touch(progress: Progress, lifetime: dt.timedelta) -> None:
    progress.updated_at = utcnow()
    progress.expires_at = progress.updated_at + lifetime


def submitted_response(db: Session, progress: Progress) -> Response | None:
    if progress.response_id is None:
        return None
    return db.get(Response, progress.response_id)


def store_response(
    db: Session,
    progress: Progress,
    answers: dict,
    respondent_type: str,
) -> tuple[Response, bool]:
    """Store the response for this progress exactly once.

    Returns (response, created). The progress token is the idempotency key: a second
    submit (double click, refreshed POST, a second tab) finds the first response.
    """
    existing = db.scalar(select(Response).where(Response.submission_key == progress.token))
    if existing is not None:
        return existing, False
    version = progress.survey_version
    response = Response(
        reference=new_reference(),
        survey_version_id=version.id,
        survey_id=version.survey_id,
        survey_version_number=version.version,
        definition_hash=version.definition_hash,
        respondent_type=respondent_type,
        answers=answers,
        submission_key=progress.token,
        classroom_session_id=progress.classroom_session_id,
    )
    try:
        with db.begin_nested():
            db.add(response)
            db.flush()
    except IntegrityError:
        # Another request stored it a moment ago (or, rarely, a reference collided).
        existing = db.scalar(select(Response).where(Response.submission_key == progress.token))
        if existing is not None:
            return existing, False
        response.reference = new_reference()
        db.add(response)
        db.flush()
    progress.response_id = response.id
    return response, True

