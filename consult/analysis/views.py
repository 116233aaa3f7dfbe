"""The analyst's workspace (``/analysis``). Views stay thin: queries in ``queries``,
changes in ``service`` (``curation``, ``queue``), long work as jobs (``tasks``), figures in
``report`` and ``export``."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from consult.analysis import queries, service
from consult.analysis import queue as review_queue
from consult.analysis.engine import get_engine
from consult.analysis.models import COMPLETE, AnalysedAnswer, AnalysisRun, Quote
from consult.analysis.priorities import priority_names
from consult.analysis.public_views.parts import TYPE_LABELS
from consult.analysis.redacted_answers import redacted_answers
from consult.auth import current_user, role_required
from consult.auth.audit import record as audit
from consult.db import get_db
from consult.jobs import enqueue, get_job
from consult.survey_store import definition_of

bp = Blueprint("analysis", __name__, url_prefix="/analysis")

ROLES = ("analyst", "admin")
PER_PAGE = 25


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store, max-age=0"
    return response


def _run_or_404(run_id: int) -> AnalysisRun:
    run = get_db().get(AnalysisRun, run_id)
    if run is None:
        abort(404)
    return run


def _complete_or_404(run_id: int) -> AnalysisRun:
    run = _run_or_404(run_id)
    if run.status != COMPLETE:
        abort(404)
    return run


def _theme_or_404(run: AnalysisRun, theme_id: int):
    theme = queries.theme_in_run(get_db(), run.id, theme_id)
    if theme is None or theme_id in queries.held_back_theme_ids(get_db(), run.id):
        abort(404)
    return theme


def _ids(name: str) -> list[int]:
    out = []
    for value in request.form.getlist(name):
        try:
            out.append(int(value))
        except ValueError:
            continue
    return out


def _back_to_theme(run, theme, anchor: str = ""):
    return redirect(url_for("analysis.theme", run_id=run.id, theme_id=theme.id) + anchor)


# --- home -------------------------------
@bp.get("/")
@role_required(*ROLES)
def index():
    db = get_db()
    runs = queries.runs(db)
    jobs = {run.id: (get_job(run.job_id, db) if run.job_id else None) for run in runs}
    return render_template("analysis/index.html", surveys=queries.surveys(db), runs=runs, jobs=jobs)


# --- responses browser -------------------------------
@bp.get("/surveys/<survey_id>/responses")
@role_required(*ROLES)
def responses(survey_id: str):
    db = get_db()
    versions = queries.survey_versions(db, survey_id)
    if not versions:
        abort(404)
    lookup = queries.question_lookup(versions)
    text_codes = sorted(
        {q.code for v in versions for q in definition_of(v).questions() if q.type.endswith("text")}
    )
    free_codes = [c for c in text_codes if lookup[c].free_text_analysis]
    run = None
    run_id = request.args.get("run", type=int)
    if run_id:
        run = db.get(AnalysisRun, run_id)
    if run is None or run.status != COMPLETE:
        run = queries.latest_complete_run(db, survey_id)
    filters = queries.Filters(
        district=request.args.get("district", "").strip(),
        age_group=request.args.get("age_group", "").strip(),
        respondent_type=request.args.get("respondent_type", "").strip(),
        theme_id=request.args.get("theme", type=int),
        priority=request.args.get("priority", "").strip(),
        q=request.args.get("q", "").strip()[:200],
        run_id=run.id if run else None,
    )
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = queries.browse_responses(
        db, survey_id, filters, free_codes or text_codes, page, PER_PAGE
    )
    options = {
        "district": _options(lookup, queries.DISTRICT_CODES),
        "age_group": _options(lookup, queries.AGE_CODES),
        "respondent_type": list(TYPE_LABELS.items()),
        "theme": [(t.id, t.label) for t in queries.themes(db, run.id)] if run else [],
        "priority": list(priority_names().items()),
    }
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "analysis/responses.html",
        survey_id=survey_id,
        title=versions[-1].title,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        filters=filters,
        options=options,
        free_codes=free_codes,
        lookup=lookup,
        run=run,
        args=args,
        type_labels=TYPE_LABELS,
    )


def _options(lookup, codes) -> list[tuple[str, str]]:
    out = []
    for code in codes:
        q = lookup.get(code)
        if q is not None:
            out += [(o.code, o.label) for o in q.options or [] if o.code != "prefer_not_say"]
    return out


@bp.get("/responses/<int:response_id>")
@role_required(*ROLES)
def response(response_id: int):
    db = get_db()
    found = queries.reportable_response(db, response_id)
    if found is None:
        abort(404)  # held back (or never there): not shown here
    defn = definition_of(found.survey_version)
    run = queries.latest_complete_run(db, found.survey_id)
    # Free text is redacted unless the analyst asks for what the person wrote: that look
    # at third parties' personal data is in the audit trail.
    original = request.args.get("original") == "1"
    answers = found.answers or {}
    texts = {q.code: answers[q.code] for q in defn.questions()
             if not q.options and isinstance(answers.get(q.code), str) and answers[q.code]}
    if original:
        audit(db, "response_original_viewed", user=current_user(), target=found.reference,
              details={"questions": sorted(texts)})
        db.commit()
    else:
        texts = redacted_answers(db, found.id, texts, run.id if run else None)
    rows = []
    for q in defn.questions():
        value = answers.get(q.code)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            shown = ", ".join(q.option_label(v) for v in value)
        elif q.options:
            shown = q.option_label(value)
        else:
            shown = texts.get(q.code, value)
        rows.append((q, shown))
    themes = queries.themes_of_response(db, run.id, found.id) if run else []
    return render_template(
        "analysis/response.html",
        response=found,
        rows=rows,
        run=run,
        themes=themes,
        type_labels=TYPE_LABELS,
        survey=defn,
        original=original,
        has_text=bool(texts),
    )


# --- runs -------------------------------
@bp.route("/runs/new", methods=["GET", "POST"])
@role_required(*ROLES)
def new_run():
    db = get_db()
    surveys = queries.surveys(db)
    all_versions = [v for s in surveys for v, _ in s.versions]
    questions = []
    for v in all_versions:
        for q in definition_of(v).free_text_questions():
            questions.append((v, q))
    errors: dict[str, str] = {}
    chosen_versions = _ids("versions")
    chosen_questions = request.form.getlist("questions")
    title = request.form.get("title", "")
    year = request.form.get("year", "")
    years = queries.response_years(db)
    starts = _start_choices(db)
    chosen_start = request.form.get("start", "engine")
    seed_run = request.form.get("seed_run", "")
    if request.method == "GET":
        wanted = request.args.get("survey")
        chosen_versions = [v.id for v in all_versions if not wanted or v.survey_id == wanted]
        chosen_questions = sorted({q.code for v, q in questions if v.id in chosen_versions})
    else:
        if not chosen_versions:
            errors["versions"] = "Select at least one survey version"
        if not chosen_questions:
            errors["questions"] = "Select at least one free-text question"
        start = _start_from_form(chosen_start, seed_run, starts, errors)
        if not errors:
            user = current_user()
            try:
                run = service.create_run(
                    db,
                    version_ids=chosen_versions,
                    question_codes=chosen_questions,
                    user=user,
                    title=title,
                    year=year if year in years else None,
                    start=start,
                )
            except service.AnalysisError as exc:
                errors["questions"] = str(exc)
            else:
                _start(run, user)
                return redirect(url_for("analysis.run", run_id=run.id))
    return render_template(
        "analysis/new_run.html",
        surveys=surveys,
        questions=questions,
        chosen_versions=chosen_versions,
        chosen_questions=chosen_questions,
        title=title,
        years=years,
        year=year,
        errors=errors,
        starts=starts,
        chosen_start=chosen_start,
        seed_run=seed_run,
    ), (400 if errors else 200)


def _start_choices(db) -> list[AnalysisRun]:
    """Earlier complete runs with reviewed themes: last year's run to start from."""
    from sqlalchemy import select

    from consult.analysis.models import Theme

    reviewed = select(Theme.run_id).where(Theme.reviewed_at.is_not(None))
    return [r for r in queries.runs(db) if r.status == COMPLETE and r.id in set(
        db.scalars(reviewed))]


FRAME_EXTENSIONS = (".csv", ".yaml", ".yml")
FRAME_MAX_BYTES = 1_000_000


def _start_from_form(choice: str, seed_run: str, starts, errors: dict) -> dict | None:
    """Where the run's themes start from; the uploaded frame is checked and kept."""
    if choice == "engine":
        return None
    if choice == "last_year":
        if not seed_run.isdigit() or int(seed_run) not in {r.id for r in starts}:
            errors["seed_run"] = "Select last year's analysis to start from"
            return None
        return {"seed_run": int(seed_run)}
    if choice == "priorities":
        path = current_app.config["ANALYSIS_TAXONOMY"]
        return {"frame": path, "frame_name": "the partnership's priorities"}
    if choice != "frame":
        errors["start"] = "Select where the themes start from"
        return None
    upload = request.files.get("frame_file")
    name = (upload.filename or "") if upload else ""
    if not name:
        errors["frame_file"] = "Select a code frame file (CSV or YAML)"
        return None
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FRAME_EXTENSIONS:
        errors["frame_file"] = "The code frame must be a CSV or YAML file"
        return None
    data = upload.read(FRAME_MAX_BYTES + 1)
    if len(data) > FRAME_MAX_BYTES:
        errors["frame_file"] = "The code frame must be smaller than 1 MB"
        return None
    import uuid

    from consult.analysis import frames

    path = frames.frame_path(current_app.instance_path, uuid.uuid4().hex + ext)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    try:
        frames.load(path)
    except (service.AnalysisError, ImportError) as exc:
        path.unlink(missing_ok=True)
        errors["frame_file"] = str(exc).replace(str(path), name)
        return None
    return {"frame": str(path), "frame_name": name[:100]}


def _start(run: AnalysisRun, user) -> None:
    db = get_db()
    audit(db, "analysis_run_started", user=user, target=f"analysis_run:{run.id}")
    db.commit()
    job = enqueue("analysis.run", {"run_id": run.id}, db=db, user_id=user.id if user else None)
    run = db.get(AnalysisRun, run.id)
    run.job_id = job.id
    db.commit()


@bp.get("/runs/<int:run_id>")
@role_required(*ROLES)
def run(run_id: int):
    db = get_db()
    run = _run_or_404(run_id)
    job = get_job(run.job_id, db) if run.job_id else None
    if run.status != COMPLETE:
        return render_template("analysis/progress.html", run=run, job=job)
    held_back = queries.held_back_theme_ids(db, run.id)
    themes = [t for t in queries.themes(db, run.id) if t.id not in held_back]
    people = queries.respondents(db, run)
    counts = {t.id: 0 for t in themes}
    for r in people:
        for tid in r.themes:
            if tid in counts:
                counts[tid] += 1
    from consult.analysis.public_views.figures import proportion

    threshold = int(current_app.config.get("SUPPRESSION_THRESHOLD", 5))
    shares = {t.id: proportion(counts[t.id], len(people), threshold) for t in themes}
    quotes = {t.id: queries.quotes(db, t.id) for t in themes}
    return render_template(
        "analysis/themes.html",
        state=review_queue.state(db, run),
        coder_jobs=_coder_jobs(run),
        run=run,
        job=job,
        themes=themes,
        shares=shares,
        quotes=quotes,
        n_people=len(people),
        priorities=priority_names(),
        split_jobs=_split_jobs(run),
    )


def _split_jobs(run: AnalysisRun):
    from sqlalchemy import select

    from consult.jobs import Job

    db = get_db()
    jobs = db.scalars(
        select(Job).where(Job.kind == "analysis.split", Job.status.in_(("queued", "running")))
    ).all()
    return [j for j in jobs if (j.payload or {}).get("run_id") == run.id]


@bp.post("/runs/<int:run_id>/rerun")
@role_required(*ROLES)
def rerun(run_id: int):
    db = get_db()
    old = _run_or_404(run_id)
    user = current_user()
    job = get_job(old.job_id, db) if old.job_id else None
    if old.status == COMPLETE:
        # A fresh run of the same questions, from the same start (last year's run or the
        # code frame: its themes are made again and the decisions on them re-applied); the
        # curated themes carry over where they match.
        start = (old.settings or {}).get("start") or None
        run = service.create_run(
            db,
            version_ids=list(old.survey_version_ids),
            question_codes=list(old.question_codes),
            user=user,
            title=old.title,
            year=queries.run_year(old),
            start=start,
        )
        run.baseline_run_id = old.baseline_run_id
        _start(run, user)
        flash("A new analysis has started. Every decision you made is applied to it again.")
        return redirect(url_for("analysis.run", run_id=run.id))
    if job is not None and not job.done:
        flash("This analysis is still running.")
        return redirect(url_for("analysis.run", run_id=old.id))
    _start(old, user)
    return redirect(url_for("analysis.run", run_id=old.id))


@bp.post("/runs/<int:run_id>/baseline")
@role_required(*ROLES)
def set_baseline(run_id: int):
    db = get_db()
    run = _complete_or_404(run_id)
    chosen = request.form.get("baseline", type=int)
    if chosen and (chosen == run.id or db.get(AnalysisRun, chosen) is None):
        abort(400)
    run.baseline_run_id = chosen or None
    service.event(
        db,
        run,
        None,
        current_user(),
        "baseline",
        f"Compared with run {chosen}" if chosen else "Comparison set to automatic",
        {"baseline": chosen},
    )
    db.commit()
    flash("The comparison with last year has been updated.")
    return redirect(url_for("analysis.report", run_id=run.id))


@bp.get("/runs/<int:run_id>/history")
@role_required(*ROLES)
def history(run_id: int):
    db = get_db()
    run = _run_or_404(run_id)
    from sqlalchemy import select

    from consult.models import User

    events = queries.events(db, run.id)
    ids = {e.user_id for e in events if e.user_id}
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("analysis/history.html", run=run, events=events, users=users)


# --- one theme -------------------------------
@bp.get("/runs/<int:run_id>/themes/<int:theme_id>")
@role_required(*ROLES)
def theme(run_id: int, theme_id: int):
    db = get_db()
    run = _complete_or_404(run_id)
    theme = _theme_or_404(run, theme_id)
    page = max(1, request.args.get("page", 1, type=int))
    answers, total = queries.theme_answers(db, theme, page=page, per_page=50)
    quoted = {q.answer_id for q in queries.quotes(db, theme.id)}
    return render_template(
        "analysis/theme.html",
        run=run,
        theme=theme,
        answers=answers,
        total=total,
        page=page,
        pages=max(1, -(-total // 50)),
        quotes=queries.quotes(db, theme.id),
        quoted=quoted,
        places=queries.theme_places(db, theme),
        others=[t for t in queries.themes(db, run.id) if t.id != theme.id],
        priorities=priority_names(),
        events=queries.events(db, run.id, theme.id)[:20],
        question_names=_question_names(run),
    )


def _question_names(run: AnalysisRun) -> dict[str, str]:
    """question code -> a short name for it ("What worries you most"), for answer tables."""
    from consult.models import SurveyVersion

    db = get_db()
    versions = [db.get(SurveyVersion, vid) for vid in run.survey_version_ids or []]
    names = {}
    for code, q in queries.question_lookup(v for v in versions if v is not None).items():
        name = q.short_label or q.label
        names[code] = name[:1].upper() + name[1:]
    return names


def _change(run_id: int, theme_id: int, apply, success: str, anchor: str = ""):
    db = get_db()
    run = _complete_or_404(run_id)
    theme = _theme_or_404(run, theme_id)
    try:
        result = apply(db, run, theme, current_user())
    except service.AnalysisError as exc:
        db.rollback()
        flash(str(exc), "error")
        return _back_to_theme(run, theme, anchor)
    db.commit()
    if success:
        flash(success)
    if hasattr(result, "status_code"):
        return result
    return _back_to_theme(run, theme, anchor)


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/rename")
@role_required(*ROLES)
def rename(run_id: int, theme_id: int):
    label = request.form.get("label", "")
    return _change(
        run_id,
        theme_id,
        lambda db, run, t, u: service.rename(db, run, t, label, u),
        "Theme renamed.",
    )


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/merge")
@role_required(*ROLES)
def merge(run_id: int, theme_id: int):
    ids = _ids("others")

    def apply(db, run, t, u):
        others = [queries.theme_in_run(db, run.id, i) for i in ids]
        service.merge_themes(db, run, t, [o for o in others if o is not None], u)

    return _change(run_id, theme_id, apply, "Themes merged.")


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/move")
@role_required(*ROLES)
def move(run_id: int, theme_id: int):
    ids = _ids("answers")
    target_id = request.form.get("target", "")

    def apply(db, run, t, u):
        target = None
        if target_id != "none":
            try:
                target = queries.theme_in_run(db, run.id, int(target_id))
            except ValueError:
                target = None
            if target is None:
                raise service.AnalysisError("Select the theme to move the answers to")
        service.move_answers(db, run, t, ids, target, u)

    return _change(run_id, theme_id, apply, "Answers moved.", "#answers")


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/relevance")
@role_required(*ROLES)
def relevance(run_id: int, theme_id: int):
    flag = request.form.get("not_relevant") == "yes"
    return _change(
        run_id,
        theme_id,
        lambda db, run, t, u: service.set_not_relevant(db, run, t, flag, u),
        "Theme marked as not relevant." if flag else "Theme marked as relevant.",
    )


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/priority")
@role_required(*ROLES)
def priority(run_id: int, theme_id: int):
    value = request.form.get("priority", "")
    names = priority_names()

    def apply(db, run, t, u):
        if not value:
            raise service.AnalysisError("Select a priority, or mark the theme as emerging")
        service.link_priority(db, run, t, None if value == "emerging" else value, names, u)

    return _change(run_id, theme_id, apply, "Priority updated.")


SPLIT_PARTS = range(2, 9)


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/split")
@role_required(*ROLES)
def split(run_id: int, theme_id: int):
    """Start a preview of the split: the answers regrouped into the number of parts the
    analyst chose, in a job. Nothing changes until the preview is confirmed."""
    db = get_db()
    run = _complete_or_404(run_id)
    theme = _theme_or_404(run, theme_id)
    parts = request.form.get("parts", "").strip()
    if not parts.isdigit() or int(parts) not in SPLIT_PARTS:
        flash(f"Enter a number of parts from {SPLIT_PARTS[0]} to {SPLIT_PARTS[-1]}", "error")
        return _back_to_theme(run, theme, "#split")
    user = current_user()
    job = enqueue(
        "analysis.split",
        {"theme_id": theme.id, "run_id": run.id, "parts": int(parts),
         "user_id": user.id if user else None},
        db=db,
        user_id=user.id if user else None,
    )
    return redirect(url_for("analysis.split_preview", run_id=run.id, theme_id=theme.id,
                            job_id=job.id))


def _split_job_or_404(run, theme, job_id: int):
    job = get_job(job_id, get_db())
    payload = (job.payload or {}) if job is not None else {}
    if job is None or job.kind != "analysis.split" or payload.get("theme_id") != theme.id:
        abort(404)
    return job


@bp.get("/runs/<int:run_id>/themes/<int:theme_id>/split/<int:job_id>")
@role_required(*ROLES)
def split_preview(run_id: int, theme_id: int, job_id: int):
    run = _complete_or_404(run_id)
    theme = _theme_or_404(run, theme_id)
    job = _split_job_or_404(run, theme, job_id)
    return render_template("analysis/split_preview.html", run=run, theme=theme, job=job,
                           parts=(job.result or {}).get("parts") or [], errors={})


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/split/<int:job_id>")
@role_required(*ROLES)
def split_confirm(run_id: int, theme_id: int, job_id: int):
    db = get_db()
    run = _complete_or_404(run_id)
    theme = _theme_or_404(run, theme_id)
    job = _split_job_or_404(run, theme, job_id)
    parts = [dict(p) for p in (job.result or {}).get("parts") or []]
    if not job.done or not parts:
        abort(409)
    errors = {}
    for i, part in enumerate(parts):
        label = " ".join(request.form.get(f"label-{i}", "").split())
        part["label"] = label
        if not label:
            errors[f"label-{i}"] = f"Enter a name for part {i + 1}"
        elif len(label) > 200:
            errors[f"label-{i}"] = f"The name of part {i + 1} must be 200 characters or fewer"
    if not errors:
        try:
            new = service.apply_split(db, run, theme, parts, current_user())
        except service.AnalysisError as exc:
            db.rollback()
            errors["parts"] = str(exc)
        else:
            db.commit()
            flash(f"‘{theme.label}’ is split into {len(new)} themes.")
            return redirect(url_for("analysis.run", run_id=run.id))
    return render_template("analysis/split_preview.html", run=run, theme=theme, job=job,
                           parts=parts, errors=errors), 400


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/confirm")
@role_required(*ROLES)
def confirm(run_id: int, theme_id: int):
    return _change(
        run_id,
        theme_id,
        lambda db, run, t, u: service.confirm(db, run, t, u),
        "Theme confirmed: it can be published.",
    )


# --- the review queue: "Check answers" -------------------------------
def _coder_jobs(run: AnalysisRun):
    from sqlalchemy import select

    from consult.jobs import Job

    jobs = get_db().scalars(
        select(Job).where(Job.kind == "analysis.code", Job.status.in_(("queued", "running")))
    ).all()
    return [j for j in jobs if (j.payload or {}).get("run_id") == run.id]


def _retrain(run: AnalysisRun, user, auto: bool = False) -> None:
    """Enqueue the coder (unless it is already queued for this run). ``auto``: after a
    batch of checks (too few decisions yet is then no failure)."""
    if _coder_jobs(run):
        return
    payload = {"run_id": run.id, **({"auto": True} if auto else {})}
    enqueue("analysis.code", payload, db=get_db(), user_id=user.id if user else None)


@bp.route("/runs/<int:run_id>/check", methods=["GET", "POST"])
@role_required(*ROLES)
def check(run_id: int):
    db = get_db()
    run = _complete_or_404(run_id)
    errors: dict[str, str] = {}
    form = {"label": "", "theme": ""}
    if request.method == "POST":
        user = current_user()
        action = request.form.get("action", "")
        answer = db.get(AnalysedAnswer, request.form.get("answer", type=int) or 0)
        form = {"label": request.form.get("label", ""), "theme": request.form.get("theme", "")}
        theme = None
        if action == "other":
            theme = _theme_choice(run, form["theme"])
            if theme is None:
                errors["theme"] = "Select a theme for this answer"
        if answer is None or answer.run_id != run.id:
            abort(404)
        if not errors:
            from sqlalchemy.exc import IntegrityError

            try:
                review_queue.check(db, run, answer, action, user, theme=theme,
                                   label=form["label"])
                db.commit()
            except service.AnalysisError as exc:
                db.rollback()
                errors["label" if action == "new" else "action"] = str(exc)
            except IntegrityError:
                # The coding job replaced the suggestions while the page was open.
                db.rollback()
                flash("The suggestions were updated while you were checking this answer. "
                      "Check it again.", "error")
                return redirect(url_for("analysis.check", run_id=run.id))
            else:
                every = int(current_app.config.get("ANALYSIS_CODER_EVERY", 10))
                if action != "skip" and review_queue.retraining_due(db, run, every):
                    _retrain(run, user, auto=True)
                return redirect(url_for("analysis.check", run_id=run.id))
        current = answer
    else:
        current = review_queue.next_answer(db, run)
    themes = queries.themes(db, run.id)
    return render_template(
        "analysis/check.html",
        run=run,
        answer=current,
        suggested=review_queue.suggestion(db, current) if current is not None else [],
        themes=themes,
        state=review_queue.state(db, run),
        coder_jobs=_coder_jobs(run),
        question_names=_question_names(run),
        errors=errors,
        form=form,
    ), (400 if errors else 200)


def _theme_choice(run: AnalysisRun, value: str):
    """The theme chosen by id (the select) or by its exact name (typed in the search)."""
    db = get_db()
    value = (value or "").strip()
    if value.isdigit():
        return queries.theme_in_run(db, run.id, int(value))
    for t in queries.themes(db, run.id):
        if value and t.label.casefold() == value.casefold():
            return t
    return None


@bp.post("/runs/<int:run_id>/suggestions")
@role_required(*ROLES)
def update_suggestions(run_id: int):
    run = _complete_or_404(run_id)
    _retrain(run, current_user())
    flash("The suggestions are being updated from your decisions. This takes a few seconds.")
    back = request.form.get("back", "")
    if back == "check":
        return redirect(url_for("analysis.check", run_id=run.id))
    return redirect(url_for("analysis.run", run_id=run.id))


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/quotes")
@role_required(*ROLES)
def add_quote(run_id: int, theme_id: int):
    answer_id = request.form.get("answer", type=int) or 0
    return _change(
        run_id,
        theme_id,
        lambda db, run, t, u: service.add_quote(db, run, t, answer_id, u),
        "Quote added. Check it and approve it for publication.",
        "#quotes",
    )


def _quote_change(run_id: int, quote_id: int, apply, success: str):
    db = get_db()
    run = _complete_or_404(run_id)
    quote = db.get(Quote, quote_id)
    if quote is None or quote.run_id != run.id:
        abort(404)
    theme = _theme_or_404(run, quote.theme_id)
    try:
        apply(db, run, quote, current_user())
    except service.AnalysisError as exc:
        db.rollback()
        flash(str(exc), "error")
        return _back_to_theme(run, theme, "#quotes")
    db.commit()
    flash(success)
    return _back_to_theme(run, theme, "#quotes")


@bp.post("/runs/<int:run_id>/quotes/<int:quote_id>/approve")
@role_required(*ROLES)
def approve_quote(run_id: int, quote_id: int):
    return _quote_change(run_id, quote_id, service.approve_quote, "Quote approved for publication.")


@bp.post("/runs/<int:run_id>/quotes/<int:quote_id>/withdraw")
@role_required(*ROLES)
def withdraw_quote(run_id: int, quote_id: int):
    return _quote_change(run_id, quote_id, service.withdraw_quote, "Approval withdrawn.")


@bp.post("/runs/<int:run_id>/quotes/<int:quote_id>/edit")
@role_required(*ROLES)
def edit_quote(run_id: int, quote_id: int):
    text = request.form.get("text", "")
    redact = get_engine().redact
    return _quote_change(
        run_id,
        quote_id,
        lambda db, run, q, u: service.edit_quote(db, run, q, text, redact, u),
        "Quote shortened. Approve it again to publish it.",
    )


@bp.app_template_filter("analysed_answer")
def _analysed_answer(answer_id: int):
    return get_db().get(AnalysedAnswer, answer_id)


# The public views pages and downloads live in their own module, on this blueprint.
from consult.analysis import report_views  # noqa: E402, F401
