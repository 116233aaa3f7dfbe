"""The safeguarding queue (``/safeguarding/``): for designated safeguarding leads (and
admins). Opening an item records that it was viewed; every note and outcome is recorded
with who and when."""

from __future__ import annotations

import contextlib

from flask import Blueprint, abort, redirect, render_template, request, url_for

from consult.auth import audit, current_user, role_required
from consult.db import get_db
from consult.models import Response
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


@bp.get("/")
@role_required("safeguarding_lead")
def queue():
    user = current_user()
    status = request.args.get("status", "open")
    if status not in ("open", "reviewed"):
        status = "open"
    db = get_db()
    flags = queries.queue(db, user, status)
    return render_template(
        "safeguarding/queue.html",
        flags=flags,
        status=status,
        counts=queries.counts(db, user),
        sessions=_sessions_of(flags),
        user=user,
        outcome_labels=queries.OUTCOME_LABELS,
        year_labels=YEAR_LABELS,
    )


@bp.get("/counts.json")
@role_required("safeguarding_lead")
def counts():
    """Open and reviewed counts for this lead, polled by the queue page to announce new
    answers."""
    return queries.counts(get_db(), current_user())


def _sessions_of(flags: list[SafeguardingFlag]) -> dict[int, ClassroomSession]:
    ids = {f.classroom_session_id for f in flags if f.classroom_session_id is not None}
    if not ids:
        return {}
    from sqlalchemy import select

    rows = get_db().scalars(select(ClassroomSession).where(ClassroomSession.id.in_(ids)))
    return {s.id: s for s in rows}


def _flag_or_404(flag_id: int) -> SafeguardingFlag:
    flag = queries.get_visible(get_db(), current_user(), flag_id)
    if flag is None:
        abort(404)
    return flag


def _render_item(flag: SafeguardingFlag, errors: dict | None = None, form: dict | None = None,
                 status_code: int = 200):
    db = get_db()
    response = db.get(Response, flag.response_id)
    question_label = flag.question_code
    if response is not None:
        with contextlib.suppress(KeyError):  # a question code the definition no longer has
            defn = definition_of(response.survey_version)
            question_label = defn.question(flag.question_code).label
    classroom = (
        db.get(ClassroomSession, flag.classroom_session_id)
        if flag.classroom_session_id is not None
        else None
    )
    return render_template(
        "safeguarding/item.html",
        flag=flag,
        response=response,
        question_label=question_label,
        classroom=classroom,
        others=queries.other_flags_of_response(db, flag),
        outcomes=queries.OUTCOMES,
        outcome_labels=queries.OUTCOME_LABELS,
        year_labels=YEAR_LABELS,
        errors=errors or {},
        form=form or {},
    ), status_code


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
