"""Journey views. Server-side validation is the authority; answers are saved page by page
against an anonymous session, so a refresh, the back button or a closed tab lose nothing."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.datastructures import MultiDict

from consult.db import get_db
from consult.extensions import limiter
from consult.journey import hooks
from consult.journey import progress as store
from consult.models import Progress
from consult.survey_store import current_version, definition_of
from surveys import answers as rules
from surveys.schema import SurveyDefinition

bp = Blueprint("journey", __name__, url_prefix="/survey")

HONEYPOT = "website_url"


def _lifetime() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["PROGRESS_LIFETIME_MINUTES"])


def _cookie_key(survey_id: str) -> str:
    return f"progress:{survey_id}"


def _submit_limit() -> str:
    return current_app.config["RATELIMIT_SUBMIT"]


@bp.after_request
def _no_store(response):
    # Shared devices (classrooms, libraries): the back button must not show someone
    # else's answers from the browser cache.
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    return response


def _current_progress(survey_id: str) -> Progress | None:
    return store.find_live(get_db(), session.get(_cookie_key(survey_id)))


def _closed(defn: SurveyDefinition):
    return render_template("journey/closed.html", survey=defn), 410


def _guards(progress: Progress):
    for guard in hooks.page_guards:
        result = guard(progress)
        if result is not None:
            return result
    return None


def _load(survey_id: str, need_progress: bool = True):
    """Find the progress for this browser, or a reason to stop (returned as a response)."""
    db = get_db()
    progress = _current_progress(survey_id)
    if progress is None:
        if need_progress:
            if session.get(_cookie_key(survey_id)):
                return None, None, render_template("journey/timed_out.html", survey_id=survey_id)
            return None, None, redirect(url_for("journey.start", survey_id=survey_id))
        version = current_version(db, survey_id)
        if version is None:
            abort(404)
        defn = definition_of(version)
    else:
        if progress.survey_version.survey_id != survey_id:
            abort(404)
        defn = definition_of(progress.survey_version)
    if not defn.is_open(dt.date.today()):
        return progress, defn, _closed(defn)
    if progress is not None:
        stop = _guards(progress)
        if stop is not None:
            return progress, defn, stop
    return progress, defn, None


def _page_url(survey_id: str, page_id: str, change: bool = False) -> str:
    return url_for(
        "journey.page", survey_id=survey_id, page_id=page_id, change=1 if change else None
    )


def _common(defn: SurveyDefinition, progress: Progress | None) -> dict:
    lifetime = current_app.config["PROGRESS_LIFETIME_MINUTES"] * 60
    warning = current_app.config["PROGRESS_WARNING_MINUTES"] * 60
    return {
        "survey": defn,
        "progress": progress,
        "honeypot": HONEYPOT,
        "lifetime_seconds": lifetime,
        "warning_seconds": warning,
        "classroom": defn.audience == "classroom",
    }


# --- start ------------------------------------------------------------------------------
@bp.get("/<survey_id>/")
def start(survey_id: str):
    progress, defn, stop = _load(survey_id, need_progress=False)
    if stop is not None:
        return stop
    if defn.audience == "classroom" and progress is None:
        # Pupils join through their class's code, never directly.
        return redirect(url_for("schools.join")) if "schools.join" in _endpoints() else abort(404)
    submitted = progress is not None and progress.response_id is not None
    return render_template(
        "journey/start.html",
        **_common(defn, progress),
        in_progress=progress is not None and not submitted and bool(progress.pages_done),
        submitted=submitted,
    )


def _endpoints() -> set[str]:
    return set(current_app.view_functions)


@bp.post("/<survey_id>/start")
@limiter.limit(lambda: current_app.config["RATELIMIT_DEFAULT"])
def begin(survey_id: str):
    db = get_db()
    version = current_version(db, survey_id)
    if version is None:
        abort(404)
    defn = definition_of(version)
    if defn.audience != "public":
        abort(404)
    if not defn.is_open(dt.date.today()):
        return _closed(defn)
    progress = store.start(db, version, _lifetime())
    db.commit()
    session[_cookie_key(survey_id)] = progress.token
    session.permanent = False
    return redirect(_page_url(survey_id, defn.pages[0].id))


def begin_for_classroom(version, classroom_session_id: int) -> str:
    """Start a pupil's progress (called by the schools join view); returns the first URL."""
    db = get_db()
    progress = store.start(db, version, _lifetime(), classroom_session_id=classroom_session_id)
    db.flush()
    session[_cookie_key(version.survey_id)] = progress.token
    return _page_url(version.survey_id, definition_of(version).pages[0].id)


# --- pages ------------------------------------------------------------------------------
def _previous_url(defn, answers, page_id, survey_id, change) -> str:
    if change:
        return url_for("journey.check", survey_id=survey_id)
    pages = rules.visible_pages(defn, answers)
    ids = [p.id for p in pages]
    if page_id in ids and ids.index(page_id) > 0:
        return _page_url(survey_id, ids[ids.index(page_id) - 1])
    return url_for("journey.start", survey_id=survey_id)


def _next_url(defn, progress, page_id, survey_id, change) -> str:
    next_id = rules.next_page_id(defn, progress.answers, set(progress.pages_done), page_id, change)
    if next_id is None:
        return url_for("journey.check", survey_id=survey_id)
    return _page_url(survey_id, next_id)


@bp.route("/<survey_id>/page/<page_id>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_DEFAULT"], methods=["POST"])
def page(survey_id: str, page_id: str):
    progress, defn, stop = _load(survey_id)
    if stop is not None:
        return stop
    if progress.response_id is not None:
        return _already_submitted(survey_id, progress)
    try:
        page = defn.page(page_id)
    except KeyError:
        abort(404)
    change = request.args.get("change") == "1"
    answers = rules.prune(defn, progress.answers)
    if not rules.is_visible(page.show_if, answers):
        # An earlier answer hides this page now: go to where the person should be.
        return redirect(_next_url(defn, progress, page_id, survey_id, change))

    errors: dict[str, str] = {}
    shown = dict(answers)
    if request.method == "POST":
        if request.form.get(HONEYPOT):
            abort(400)
        form = MultiDict(request.form)
        values, errors, raw = rules.parse_page(page, form.to_dict(flat=False), answers)
        if not errors:
            db = get_db()
            # Clear answers to this page's hidden questions, then save.
            for q in page.questions:
                if q.code not in values:
                    values[q.code] = None
            store.save_page(db, progress, page.id, values, _lifetime())
            progress.answers = {k: v for k, v in progress.answers.items() if v is not None}
            progress.answers = rules.prune(defn, progress.answers)
            db.commit()
            hooks.page_saved(db, progress, defn)
            return redirect(_next_url(defn, progress, page_id, survey_id, change))
        shown.update(raw)

    questions = rules.visible_questions(page, shown)
    return render_template(
        "journey/page.html",
        **_common(defn, progress),
        page=page,
        questions=page.questions,
        visible_codes={q.code for q in questions},
        values=shown,
        errors=errors,
        back_url=_previous_url(defn, answers, page_id, survey_id, change),
        change=change,
        position=_position(defn, answers, page_id),
    )


def _position(defn, answers, page_id) -> tuple[int, int]:
    ids = [p.id for p in rules.visible_pages(defn, answers)]
    return (ids.index(page_id) + 1 if page_id in ids else 1, len(ids))


# --- check answers and submit -------------------------------------------------------------
def _summary_rows(defn: SurveyDefinition, answers: dict, survey_id: str) -> list[dict]:
    rows = []
    for page in rules.visible_pages(defn, answers):
        for q in rules.visible_questions(page, answers):
            rows.append(
                {
                    "question": q,
                    "value": rules.display_value(q, answers.get(q.code)),
                    "change_url": _page_url(survey_id, page.id, change=True),
                }
            )
    return rows


@bp.get("/<survey_id>/check")
def check(survey_id: str):
    progress, defn, stop = _load(survey_id)
    if stop is not None:
        return stop
    if progress.response_id is not None:
        return _already_submitted(survey_id, progress)
    answers = rules.prune(defn, progress.answers)
    incomplete = rules.first_incomplete_page(defn, answers, set(progress.pages_done))
    if incomplete is not None:
        return redirect(_page_url(survey_id, incomplete.id))
    return render_template(
        "journey/check.html",
        **_common(defn, progress),
        rows=_summary_rows(defn, answers, survey_id),
        errors={},
        back_url=_page_url(survey_id, rules.visible_pages(defn, answers)[-1].id),
    )


@bp.post("/<survey_id>/submit")
@limiter.limit(_submit_limit)
def submit(survey_id: str):
    db = get_db()
    token = request.form.get("submission_token", "")
    progress = store.find(db, token)
    if progress is None or progress.token != session.get(_cookie_key(survey_id)):
        # Not this browser's survey (or long expired): never store, never guess.
        if progress is not None and progress.response_id is not None:
            return _already_submitted(survey_id, progress)
        return render_template("journey/timed_out.html", survey_id=survey_id), 400
    if progress.response_id is not None:
        return _already_submitted(survey_id, progress)
    progress, defn, stop = _load(survey_id)
    if stop is not None:
        return stop
    if request.form.get(HONEYPOT):
        abort(400)
    answers = rules.prune(defn, progress.answers)
    errors = rules.validate_all(defn, answers)
    if errors:
        incomplete = rules.first_incomplete_page(defn, answers, set(progress.pages_done))
        return redirect(_page_url(survey_id, incomplete.id if incomplete else defn.pages[0].id))
    respondent_type = "pupil" if progress.classroom_session_id else "resident"
    response, created = store.store_response(db, progress, answers, respondent_type)
    if created:
        for callback in hooks.after_submit:
            callback(db, response, defn)
    db.commit()
    if not created:
        return _already_submitted(survey_id, progress)
    return redirect(url_for("journey.confirmation", survey_id=survey_id))


@bp.get("/<survey_id>/confirmation")
def confirmation(survey_id: str):
    db = get_db()
    progress = store.find(db, session.get(_cookie_key(survey_id)))
    if progress is None or progress.response_id is None:
        return redirect(url_for("journey.start", survey_id=survey_id))
    defn = definition_of(progress.survey_version)
    finish = hooks.finish_views.get(defn.audience)
    if finish is not None:
        return finish(progress, defn)
    response = store.submitted_response(db, progress)
    return render_template(
        "journey/confirmation.html", **_common(defn, progress), reference=response.reference
    )


def _already_submitted(survey_id: str, progress: Progress):
    db = get_db()
    response = store.submitted_response(db, progress)
    defn = definition_of(progress.survey_version)
    return render_template(
        "journey/already_submitted.html",
        **_common(defn, progress),
        reference=response.reference if response else None,
    )


@bp.post("/<survey_id>/new")
def new_response(survey_id: str):
    """After submitting, a person on a shared device can start a fresh response."""
    session.pop(_cookie_key(survey_id), None)
    return redirect(url_for("journey.start", survey_id=survey_id))


@bp.post("/<survey_id>/keepalive")
def keepalive(survey_id: str):
    """The timeout warning's "Continue" button: extend the anonymous session."""
    progress = _current_progress(survey_id)
    if progress is None:
        return {"status": "expired"}, 410
    store.touch(progress, _lifetime())
    get_db().commit()
    return {"status": "ok", "expires_in": int(_lifetime().total_seconds())}
