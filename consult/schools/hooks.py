"""The schools package's part in the shared journey: stop pupils whose session has closed,
and finish each pupil on a screen that resets the device for the next one."""

from __future__ import annotations

import datetime as dt

from flask import (
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

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


# Questions a classroom session already answers, by question code: the pupils' year group
# comes from the session (unless the teacher chose "mixed years").
def _session_answers(classroom, definition: SurveyDefinition) -> dict:
    found = {}
    for question in definition.questions():
        if question.code == "year_group" and classroom is not None:
            codes = {o.code for o in question.options or []}
            if classroom.year_group in codes:
                found[question.code] = classroom.year_group
    return found


def _pages_answered_by_session(definition: SurveyDefinition, answers: dict) -> list[str]:
    return [
        page.id for page in definition.pages
        if page.questions and all(q.code in answers for q in page.questions)
    ]


def prefill_from_session(progress: Progress, classroom, definition: SurveyDefinition) -> None:
    """Record what the session already says (the year group) so the pupil is not asked."""
    given = _session_answers(classroom, definition)
    if not given:
        return
    progress.answers = {**(progress.answers or {}), **given}
    done = list(progress.pages_done or [])
    done += [p for p in _pages_answered_by_session(definition, given) if p not in done]
    progress.pages_done = done


def session_answered_guard(progress: Progress):
    """``page_guard``: a page whose every question the session answers is never shown to
    the pupil (the back link and "Change" included): on to the next page to answer."""
    if (
        request.endpoint != "journey.page"
        or progress.classroom_session_id is None
        or progress.response_id is not None
    ):
        return None
    definition = _definition(progress)
    classroom = queries.get(get_db(), progress.classroom_session_id)
    given = _session_answers(classroom, definition)
    page_id = (request.view_args or {}).get("page_id")
    if not given or page_id not in _pages_answered_by_session(definition, given):
        return None
    from surveys import answers as rules

    if request.args.get("change") == "1":
        target = url_for("journey.check", survey_id=definition.id)
    else:
        # Only the back link leads here (moving on skips these pages): go back past it, to
        # the page before it, or to the start page (the intro).
        skipped = set(_pages_answered_by_session(definition, given))
        answers = rules.prune(definition, progress.answers or {})
        ids = [p.id for p in rules.visible_pages(definition, answers)]
        earlier = ids[: ids.index(page_id)] if page_id in ids else []
        before = [i for i in earlier if i not in skipped]
        target = (
            url_for("journey.page", survey_id=definition.id, page_id=before[-1])
            if before
            else url_for("journey.start", survey_id=definition.id)
        )
    return _no_store(make_response(redirect(target)))


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
    for guard in (session_closed_guard, classroom_start_guard, session_answered_guard):
        if guard not in journey_hooks.page_guards:
            journey_hooks.page_guards.append(guard)
    journey_hooks.finish_views["classroom"] = classroom_finish
