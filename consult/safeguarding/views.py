"""The safeguarding queue (``/safeguarding/``): for designated safeguarding leads (and
admins). Opening an item records that it was viewed; every note and outcome is recorded
with who and when."""

from __future__ import annotations

import contextlib
import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request, url_for

from consult.auth import audit, current_user, role_required
from consult.db import get_db
from consult.models import Response, User
from consult.safeguarding import queries
from consult.safeguarding.models import SafeguardingFlag
from consult.schools.forms import YEAR_LABELS, format_local_datetime
from consult.schools.models import ClassroomSession
from consult.survey_store import definition_of

bp = Blueprint("safeguarding", __name__, url_prefix="/safeguarding")

NOTE_LIMIT = 2000


@bp.after_request
def _no_store(response):
    # Pupils' words and reviewers' notes: never kept in a browser cache.
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.app_template_filter("local_datetime")
def _local_datetime(value):
    return format_local_datetime(value) if value else ""


@bp.app_template_filter("reason_label")
def _reason_label(value):
    return queries.reason_label(value)


def _filters() -> tuple[queries.QueueFilters, dict[str, str]]:
    """The queue's filters from the query string, and an error for each one not understood
    (the queue is still shown, unfiltered by it)."""
    args = request.args
    errors: dict[str, str] = {}
    filters = queries.QueueFilters(
        school=args.get("school", "").strip(), category=args.get("category", "").strip()
    )
    if filters.category and filters.category not in queries.REASON_LABELS:
        errors["category"] = "Select a reason from the list"
        filters.category = ""
    raw_session = args.get("session", "").strip()
    if raw_session:
        if raw_session.isdigit():
            filters.session_id = int(raw_session)
        else:
            errors["session"] = "Enter a session number, like 12"
    for field in ("sent_from", "sent_to"):
        raw = args.get(field, "").strip()
        if raw:
            try:
                setattr(filters, field, dt.date.fromisoformat(raw))
            except ValueError:
                errors[field] = "Enter a real date"
    return filters, errors


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


@bp.get("/")
@role_required("safeguarding_lead")
def queue():
    user = current_user()
    status = request.args.get("status", "open")
    if status not in ("open", "reviewed"):
        status = "open"
    sort = request.args.get("sort", "oldest")
    if sort not in queries.SORTS:
        sort = "oldest"
    filters, errors = _filters()
    db = get_db()
    result = queries.queue_page(
        db, user, status, filters=filters, sort=sort, page=_page_number()
    )
    if result.page > result.pages:  # a page past the end (items were reviewed meanwhile)
        return redirect(_queue_url(page=result.pages))
    return render_template(
        "safeguarding/queue.html",
        result=result,
        status=status,
        sort=sort,
        sorts=queries.SORTS,
        filters=filters,
        errors=errors,
        counts=queries.counts(db, user),
        schools=queries.schools_with_flags(db, user),
        reasons=queries.REASON_LABELS,
        user=user,
        outcome_labels=queries.OUTCOME_LABELS,
        year_labels=YEAR_LABELS,
        queue_url=_queue_url,
    )


def _queue_url(**changes) -> str:
    """This queue page's address with some arguments changed (None removes one)."""
    args = {k: v for k, v in request.args.items() if v}
    args.update(changes)
    return url_for("safeguarding.queue", **{k: v for k, v in args.items() if v is not None})


@bp.get("/counts.json")
@role_required("safeguarding_lead")
def counts():
    """Open and reviewed counts (pupils) for this lead, polled by the queue page to announce
    new answers."""
    return queries.counts(get_db(), current_user())


def _flag_or_404(flag_id: int) -> SafeguardingFlag:
    flag = queries.get_visible(get_db(), current_user(), flag_id)
    if flag is None:
        abort(404)
    return flag


def _render_item(flag: SafeguardingFlag, errors: dict | None = None, form: dict | None = None,
                 status_code: int = 200):
    """The pupil's item: every flagged answer, the session, school, teacher and time, and
    the pupil's other answers (what a lead needs to act)."""
    db = get_db()
    response = db.get(Response, flag.response_id) if flag.response_id is not None else None
    answers, version = queries.pupil_answers(db, flag)
    definition = None
    if version is not None:
        with contextlib.suppress(KeyError, ValueError):
            definition = definition_of(version)
    flags = queries.flags_of_item(db, flag)
    classroom = (
        db.get(ClassroomSession, flag.classroom_session_id)
        if flag.classroom_session_id is not None
        else None
    )
    teacher = (
        db.get(User, classroom.created_by_id)
        if classroom is not None and classroom.created_by_id
        else None
    )
    return render_template(
        "safeguarding/item.html",
        flag=flag,
        flags=flags,
        response=response,
        label_of=lambda code: _label(definition, code),
        other_answers=_other_answers(definition, answers, {f.question_code for f in flags}),
        classroom=classroom,
        teacher=teacher,
        outcomes=queries.OUTCOMES,
        outcome_labels=queries.OUTCOME_LABELS,
        year_labels=YEAR_LABELS,
        errors=errors or {},
        form=form or {},
    ), status_code


def _label(definition, code: str) -> str:
    if definition is None:
        return code
    try:
        return definition.question(code).label
    except KeyError:  # a question code the definition no longer has
        return code


def _other_answers(definition, answers: dict, flagged: set[str]) -> list[tuple[str, str]]:
    """(question, answer shown as on the check page) for each answer not flagged."""
    if definition is None:
        return []
    from surveys import answers as rules

    rows = []
    for question in definition.questions():
        if question.code in flagged or answers.get(question.code) in (None, "", []):
            continue
        value = rules.display_value(question, answers.get(question.code))
        rows.append((question.label, value))
    return rows


@bp.get("/flags/<int:flag_id>")
@role_required("safeguarding_lead")
def item(flag_id: int):
    flag = _flag_or_404(flag_id)
    db = get_db()
    queries.record_action(db, flag, current_user(), "viewed")
    db.commit()
    return _render_item(flag)


def _note(field: str = "note") -> str:
    return request.form.get(field, "").replace("\r\n", "\n").strip()


@bp.post("/flags/<int:flag_id>/note")
@role_required("safeguarding_lead")
def add_note(flag_id: int):
    flag = _flag_or_404(flag_id)
    note = _note()
    errors = {}
    if not note:
        errors["note"] = "Enter a note"
    elif len(note) > NOTE_LIMIT:
        errors["note"] = f"Note must be {NOTE_LIMIT} characters or fewer"
    if errors:
        return _render_item(flag, errors, {"note": note}, 400)
    db = get_db()
    queries.record_action(db, flag, current_user(), "noted", note=note)
    db.commit()
    return redirect(url_for("safeguarding.item", flag_id=flag.id, _anchor="history"))


@bp.post("/flags/<int:flag_id>/outcome")
@role_required("safeguarding_lead")
def record_outcome(flag_id: int):
    flag = _flag_or_404(flag_id)
    outcome = request.form.get("outcome", "")
    note = _note("outcome_note")
    errors = {}
    if flag.status != "open":
        errors["outcome"] = "This answer has already been reviewed. Reopen it to change the outcome"
    elif not outcome:
        errors["outcome"] = "Select what you did"
    elif outcome not in queries.OUTCOME_LABELS:
        errors["outcome"] = "Select an outcome from the list"
    if not note:
        errors["outcome_note"] = "Enter a note about what you did and why"
    elif len(note) > NOTE_LIMIT:
        errors["outcome_note"] = f"Note must be {NOTE_LIMIT} characters or fewer"
    if errors:
        return _render_item(flag, errors, {"outcome": outcome, "outcome_note": note}, 400)
    db = get_db()
    user = current_user()
    queries.record_outcome(db, flag, user, outcome, note)
    audit.record(
        db,
        "safeguarding_cleared" if flag.cleared else "safeguarding_reviewed",
        user=user,
        target=f"safeguarding_flag:{flag.id}",
        details={"outcome": outcome, "response_id": flag.response_id},
    )
    db.commit()
    return redirect(url_for("safeguarding.queue", done=flag.id))


@bp.post("/flags/<int:flag_id>/reopen")
@role_required("safeguarding_lead")
def reopen(flag_id: int):
    flag = _flag_or_404(flag_id)
    if flag.status == "open":
        return redirect(url_for("safeguarding.item", flag_id=flag.id))
    db = get_db()
    user = current_user()
    queries.reopen(db, flag, user, _note())
    audit.record(db, "safeguarding_reopened", user=user, target=f"safeguarding_flag:{flag.id}")
    db.commit()
    return redirect(url_for("safeguarding.item", flag_id=flag.id))
