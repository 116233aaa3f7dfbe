"""School sessions: staff open a session and project its code; pupils join with the code.

Pupil side (no account, no name): ``/join`` -> the pupils' survey (the shared journey) ->
a finish screen that resets the device for the next pupil.
Staff side (school staff or admins): ``/schools/sessions`` and the projector page.
"""

from __future__ import annotations

import segno
from flask import (
    Blueprint,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from consult.auth import audit, current_user, role_required
from consult.db import get_db
from consult.extensions import limiter
from consult.journey.progress import find as find_progress
from consult.journey.views import begin_for_classroom
from consult.schools import join_limits, queries
from consult.schools.forms import (
    YEAR_GROUPS,
    YEAR_LABELS,
    SessionForm,
    format_local_datetime,
    format_local_time,
)
from consult.schools.hooks import prefill_from_session
from consult.schools.models import ClassroomSession
from consult.survey_store import current_version, definition_of, get_version
from consult.templating import plural

bp = Blueprint("schools", __name__)

SURVEY_ID = "schools"
STAFF_ROLES = ("school_staff",)  # admins pass every role check


def no_store(response):
    response.headers["Cache-Control"] = "no-store, max-age=0"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.after_request
def _no_store(response):
    # Pupil pages run on shared devices; staff pages show live session details.
    return no_store(response)


@bp.app_template_filter("local_time")
def _local_time(value):
    return format_local_time(value) if value else ""


@bp.app_template_filter("local_datetime")
def _local_datetime(value):
    return format_local_datetime(value) if value else ""


@bp.app_template_filter("display_code")
def _display_code(value):
    return queries.display_code(value) if value else ""


# --- pupils: join ------------------------------------------------------------------------------
TOO_MANY_HERE = (
    "You have entered too many wrong codes on this device. Wait a minute, then try again"
)
TOO_MANY_NETWORK = (
    "Too many wrong codes have been entered on your school’s network in the last minute. "
    "Check the code on the board with your teacher, then try again"
)
TOO_MANY_ATTEMPTS = (
    "Too many wrong codes have been tried from your school’s network. Wait a minute, check "
    "the code on the board with your teacher, then try again"
)


def _render_join(code: str = "", error: str | None = None, status: int = 200):
    page = render_template("schools/join.html", code=code, errors={"code": error} if error else {})
    return no_store(make_response(page, status))


def _code_problem(typed: str, code: str) -> str | None:
    """What is wrong with what was typed, before looking it up (None: a possible code)."""
    if not code:
        return "Enter the code shown on the board"
    if not code.isalnum() or not code.isascii():
        return "The code has only letters and numbers, like ACD 347. Check the code on the board"
    if len(code) != queries.JOIN_CODE_LENGTH:
        return (
            f"The code is {queries.JOIN_CODE_LENGTH} letters and numbers, like ACD 347 "
            f"(you entered {len(code)}). Check the code on the board"
        )
    return None


@bp.route("/join", methods=["GET", "POST"])
@limiter.exempt  # join_limits counts wrong codes, not pupils: a class on one address joins
def join():
    if request.method == "GET":
        join_limits.browser_id()
        return _render_join(queries.normalise_code(request.args.get("code", ""))[:12])
    typed = request.form.get("code", "")
    code = queries.normalise_code(typed)
    refused = join_limits.attempt_refused()
    if refused is not None:
        return _render_join(typed, TOO_MANY_HERE if refused == "browser" else TOO_MANY_ATTEMPTS,
                            429)
    problem = _code_problem(typed, code)
    db = get_db()
    classroom = queries.find_open(db, code) if problem is None and queries.looks_like_code(
        code) else None
    hidden = classroom is not None and not join_limits.right_code_joins(classroom)
    if hidden:
        classroom = None  # being guessed, and nobody joined from here: as for a wrong code
    if classroom is None:
        if problem is None:
            latest = queries.find_latest(db, code) if queries.looks_like_code(
                code) and not hidden else None
            if latest is not None:
                problem = "This session has ended. Ask your teacher if there is a new code"
            else:
                problem = "No session has this code. Check it with your teacher"
        if join_limits.wrong_code(code if queries.looks_like_code(code) else ""):
            return _render_join(typed, TOO_MANY_NETWORK, 429)
        return _render_join(typed, problem)
    version = get_version(db, classroom.survey_version_id)
    # A fresh anonymous session for each pupil: nothing from the last person on this device
    # (another pupil, or a member of staff who was signed in) carries over.
    session.clear()
    join_limits.pupil_joined(classroom)
    begin_for_classroom(version, classroom.id)
    progress = find_progress(db, session.get(f"progress:{version.survey_id}"))
    if progress is not None:
        prefill_from_session(progress, classroom, definition_of(version))
    db.commit()
    # Every pupil reads the introduction and what happens to their answers (the
    # safeguarding notice) first: the start page's "Continue" leads to the first question.
    return redirect(url_for("journey.start", survey_id=version.survey_id))


bp.before_app_request(join_limits.pupil_limits)


# --- staff: sessions --------------------------------------------------------------------------
def _session_or_404(session_id: int) -> ClassroomSession:
    classroom = queries.get(get_db(), session_id)
    if classroom is None or not queries.can_manage(current_user(), classroom):
        abort(404)
    return classroom


@bp.get("/schools/")
@role_required(*STAFF_ROLES)
def index():
    return redirect(url_for("schools.sessions"))


@bp.get("/schools/sessions")
@role_required(*STAFF_ROLES)
def sessions():
    user = current_user()
    db = get_db()
    queries.close_expired(db)
    db.commit()
    return render_template(
        "schools/sessions.html",
        rows=queries.sessions_for(db, user),
        user=user,
        year_labels=YEAR_LABELS,
    )


@bp.route("/schools/sessions/new", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def new_session():
    user = current_user()
    fixed_school = user.school if user.role != "admin" else None
    if user.role != "admin" and not user.school:
        # School staff accounts always name a school; refuse rather than guess.
        abort(403)
    if request.method == "GET":
        form = SessionForm.blank(school=fixed_school or "")
        return _render_new(form, fixed_school)
    form = SessionForm.from_request(request.form, fixed_school)
    if not form.validate():
        return _render_new(form, fixed_school)
    db = get_db()
    version = current_version(db, SURVEY_ID)
    if version is None:
        abort(503)
    classroom = queries.open_session(
        db,
        school=form.school,
        year_group=form.year_group,
        expected_pupils=form.pupils,
        ends_at=form.ends_at,
        version=version,
        created_by=user,
    )
    audit.record(
        db,
        "school_session_opened",
        user=user,
        target=f"classroom_session:{classroom.id}",
        details={"school": classroom.school, "year_group": classroom.year_group},
    )
    db.commit()
    return redirect(url_for("schools.projector", session_id=classroom.id))


def _render_new(form: SessionForm, fixed_school: str | None):
    return render_template(
        "schools/new_session.html",
        form=form,
        errors=form.errors,
        fixed_school=fixed_school,
        year_groups=YEAR_GROUPS,
        max_hours=queries.MAX_SESSION_HOURS,
    )


def _join_url(classroom: ClassroomSession) -> str:
    return url_for("schools.join", code=classroom.join_code, _external=True)


def qr_data_uri(url: str) -> str:
    """A QR code as an SVG data URI (the CSP allows ``img-src data:``)."""
    return segno.make(url, error="m").svg_data_uri(scale=10, border=2)


def _over_expected_text(count: int, expected: int) -> str:
    """The staff warning when more answers than pupils have come in (also sent to the
    projector page's script, so the words have one home)."""
    over = max(0, count - expected)
    return f"{plural(over, 'more answer')} than the {plural(expected, 'pupil')} you expected."


def _projector_context(classroom: ClassroomSession) -> dict:
    db = get_db()
    join_url = _join_url(classroom)
    version = get_version(db, classroom.survey_version_id)
    count = queries.submission_count(db, classroom.id)
    return {
        "classroom": classroom,
        "guessing": join_limits.staff_alerts(classroom),
        "count": count,
        "over_expected": max(0, count - classroom.expected_pupils),
        "over_expected_text": _over_expected_text(count, classroom.expected_pupils),
        "join_url": join_url,
        # Read aloud and typed by pupils: no "https://" (browsers add it).
        "join_page": url_for("schools.join", _external=True).split("://", 1)[-1],
        "qr": qr_data_uri(join_url),
        "year_labels": YEAR_LABELS,
        "survey": definition_of(version) if version else None,
        "ends": format_local_datetime(classroom.ends_at),
        "closed_since": classroom.closed_since(),
    }


@bp.get("/schools/sessions/<int:session_id>")
@role_required(*STAFF_ROLES)
def projector(session_id: int):
    return render_template(
        "schools/projector.html", **_projector_context(_session_or_404(session_id))
    )


@bp.get("/schools/sessions/<int:session_id>/show")
@role_required(*STAFF_ROLES)
def present(session_id: int):
    """The code for the class, full screen: no staff menu, no "Sign out", nothing else."""
    return render_template(
        "schools/present.html", **_projector_context(_session_or_404(session_id))
    )


@bp.get("/schools/sessions/<int:session_id>/status.json")
@role_required(*STAFF_ROLES)
def status(session_id: int):
    classroom = _session_or_404(session_id)
    count = queries.submission_count(get_db(), classroom.id)
    return {
        "count": count,
        "expected": classroom.expected_pupils,
        "over_expected": max(0, count - classroom.expected_pupils),
        "over_expected_text": _over_expected_text(count, classroom.expected_pupils),
        "status": classroom.status,
        "guessing": join_limits.staff_alerts(classroom),
    }


@bp.post("/schools/sessions/<int:session_id>/close")
@role_required(*STAFF_ROLES)
def close(session_id: int):
    classroom = _session_or_404(session_id)
    db = get_db()
    user = current_user()
    if queries.close(db, classroom, user):
        audit.record(
            db, "school_session_closed", user=user, target=f"classroom_session:{classroom.id}"
        )
    db.commit()
    return redirect(url_for("schools.projector", session_id=classroom.id))
