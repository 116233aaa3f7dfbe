"""Screening in the pupil's journey: each page's free text as it is saved, and the whole
response at submit (inside the submit transaction). New flags send alerts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.journey import hooks as journey_hooks
from consult.models import Progress, Response
from consult.safeguarding import alerts
from consult.safeguarding.queries import is_pupil_response, screen_progress, screen_response
from surveys.schema import SurveyDefinition


def _school_of(db: Session, classroom_session_id: int | None) -> str:
    if classroom_session_id is None:
        return ""
    from consult.schools.models import ClassroomSession

    classroom = db.get(ClassroomSession, classroom_session_id)
    return classroom.school if classroom is not None else ""


def screen_pupil_answers(db: Session, response: Response, definition: SurveyDefinition) -> None:
    """``after_submit`` hook: flags are stored with the response, or neither is."""
    if not is_pupil_response(response, definition):
        return
    progress = db.scalar(select(Progress).where(Progress.response_id == response.id))
    school = _school_of(db, response.classroom_session_id)
    if screen_response(db, response, definition, school, progress=progress):
        alerts.after_commit()


def screen_saved_page(db: Session, progress: Progress, definition: SurveyDefinition) -> None:
    """``after_page_save`` hook: a pupil's free text is screened as each page is saved, so a
    disclosure typed and then abandoned (or cut off by the bell) still reaches the lead."""
    if progress.classroom_session_id is None and definition.audience != "classroom":
        return
    new = screen_progress(db, progress, definition, _school_of(db, progress.classroom_session_id))
    db.commit()
    if new:
        alerts.send_soon()  # committed just above: start the alerts job now


def screen_before_purge(db: Session, expired_ids) -> None:
    """``consult purge`` guard: pupils' unsent answers in expiring progress are screened
    before the progress is deleted (answers saved before page screening, or when it failed):
    a disclosure is copied into its flag and queued, never deleted unread."""
    from consult.survey_store import definition_of

    rows = db.scalars(
        select(Progress).where(
            Progress.id.in_(expired_ids),
            Progress.response_id.is_(None),
            Progress.classroom_session_id.is_not(None),
        )
    )
    found = False
    for progress in rows:
        definition = definition_of(progress.survey_version)
        school = _school_of(db, progress.classroom_session_id)
        found = bool(screen_progress(db, progress, definition, school)) or found
    if found:
        db.flush()


def register() -> None:
    from consult import retention

    retention.register_before_progress_purge(screen_before_purge)
    if screen_pupil_answers not in journey_hooks.after_submit:
        journey_hooks.after_submit.append(screen_pupil_answers)
    if screen_saved_page not in journey_hooks.after_page_save:
        journey_hooks.after_page_save.append(screen_saved_page)
