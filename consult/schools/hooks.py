"""The schools package's part in the shared journey: stop pupils whose session has closed,
and finish each pupil on a screen that resets the device for the next one."""

from __future__ import annotations

import datetime as dt

from flask import current_app, make_response, render_template, request, session, url_for

from consult.db import get_db
from consult.journey import hooks as journey_hooks
from consult.models import Progress, utcnow
from consult.schools import queries
from surveys.schema import SurveyDefinition

# Once every question is answered, a pupil may still send their answers for this long after
# the session closes (the bell went while they were on "Check your answers").
DEFAULT_SUBMIT_GRACE_MINUTES = 5
_FINISHING = {"journey.check", "journey.submit"}


def _grace() -> dt.timedelta:
    return dt.timedelta(
        minutes=current_app.config.get("SCHOOLS_SUBMIT_GRACE_MINUTES", DEFAULT_SUBMIT_GRACE_MINUTES)
    )


def _no_store(response):
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    return response


def session_closed_guard(progress: Progress):
    """``page_guard``: a pupil whose session has closed gets a clear page (and the device
    is reset); a pupil already finishing gets a few minutes' grace to send."""
    if progress.classroom_session_id is None or progress.response_id is not None:
        return None
    classroom = queries.get(get_db(), progress.classroom_session_id)
    if classroom is not None and classroom.is_open():
        return None
    if classroom is not None and request.endpoint in _FINISHING:
        closed = classroom.closed_since()
        if closed is not None and utcnow() - closed <= _grace():
            return None
    session.clear()
    page = render_template(
        "schools/session_closed.html",
        survey=_definition(progress),
        classroom=True,
    )
    return _no_store(make_response(page, 410))


def classroom_start_guard(progress: Progress):
    """``page_guard``: the survey's start page, for a pupil. The shared start page offers
    "Start now", which is for the public survey; a pupil already has their progress (from
    the join page), so theirs shows the intro and privacy notice and carries on."""
    if (
        request.endpoint != "journey.start"
        or progress.classroom_session_id is None
        or progress.response_id is not None
    ):
        return None
    from surveys import answers as rules

    definition = _definition(progress)
    answers = rules.prune(definition, progress.answers or {})
    page = rules.first_incomplete_page(definition, answers, set(progress.pages_done or []))
    if page is None:
        next_url = url_for("journey.check", survey_id=definition.id)
    else:
        next_url = url_for("journey.page", survey_id=definition.id, page_id=page.id)
    html = render_template(
        "schools/start.html", survey=definition, classroom=True, progress=None, next_url=next_url
    )
    return _no_store(make_response(html))


def _definition(progress: Progress) -> SurveyDefinition:
    from consult.survey_store import definition_of

    return definition_of(progress.survey_version)


def classroom_finish(progress: Progress, definition: SurveyDefinition):
    """``finish_views["classroom"]``: thank the pupil, forget them, ready the next pupil."""
    db = get_db()
    classroom = queries.get(db, progress.classroom_session_id)
    still_open = classroom is not None and classroom.is_open()
    # The response holds the answers now; the working copy is not kept on the server...
    progress.answers = {}
    db.commit()
    # ...nor in this browser: a brand-new anonymous session for the next pupil.
    session.clear()
    next_url = url_for("schools.join", code=classroom.join_code) if still_open else None
    page = render_template(
        "schools/finish.html",
        survey=definition,
        classroom=True,
        progress=None,
        next_url=next_url,
    )
    return _no_store(make_response(page))


def register() -> None:
    for guard in (session_closed_guard, classroom_start_guard):
        if guard not in journey_hooks.page_guards:
            journey_hooks.page_guards.append(guard)
    journey_hooks.finish_views["classroom"] = classroom_finish
