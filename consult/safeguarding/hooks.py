"""Screening at submit: every pupil's free text, inside the submit transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from consult.journey import hooks as journey_hooks
from consult.models import Response
from consult.safeguarding.queries import is_pupil_response, screen_response
from surveys.schema import SurveyDefinition


def screen_pupil_answers(db: Session, response: Response, definition: SurveyDefinition) -> None:
    """``after_submit`` hook: flags are stored with the response, or neither is."""
    if not is_pupil_response(response, definition):
        return
    school = ""
    if response.classroom_session_id is not None:
        from consult.schools.models import ClassroomSession

        classroom = db.get(ClassroomSession, response.classroom_session_id)
        school = classroom.school if classroom is not None else ""
    screen_response(db, response, definition, school)


def register() -> None:
    if screen_pupil_answers not in journey_hooks.after_submit:
        journey_hooks.after_submit.append(screen_pupil_answers)
