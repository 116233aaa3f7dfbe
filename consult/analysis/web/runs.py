"""The runs: the list, starting one (from the engine, last year's run or a code frame),
a run's page (progress, then its themes), re-running it, its comparison and history."""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from consult.analysis import queries, run_job
from consult.analysis.coding import check_queue, proposed
from consult.analysis.coding import job as coding_job
from consult.analysis.errors import AnalysisError
from consult.analysis.models import COMPLETE, AnalysisRun, Theme
from consult.analysis.priorities import confirmed_links, priority_names
from consult.analysis.public_views import queries as report_queries
from consult.analysis.public_views.figures import proportion
from consult.analysis.review import split as splitting
from consult.analysis.review.decisions import event
from consult.analysis.runs import frames
from consult.analysis.runs.start import create_run, question_ref, run_questions
from consult.analysis.web.blueprint import ROLES, bp, complete_or_404, form_ids, run_or_404
from consult.auth import current_user, role_required
from consult.auth.audit import record as audit
from consult.db import get_db
from consult.jobs import get_job
from consult.models import User
from consult.survey_store import definition_of
from nlp.priorities import AUTO_LINK_THRESHOLD


@bp.get("/")
@role_required(*ROLES)
def index():
    db = get_db()
    runs = queries.runs(db)
    jobs = {run.id: (get_job(run.job_id, db) if run.job_id else None) for run in runs}
    return render_template("analysis/index.html", surveys=queries.surveys(db), runs=runs, jobs=jobs)


@bp.route("/runs/new", methods=["GET", "POST"])
@role_required(*ROLES)
def new_run():
    db = get_db()
    surveys = queries.surveys(db)
    all_versions = [v for s in surveys for v, _ in s.versions]
    # One choice per survey and code: a pupils' question and a residents' question may
    # share a code ("worry_text") and still be different questions.
    questions, seen = [], set()
    for v in sorted(all_versions, key=lambda v: -v.version):
        for q in definition_of(v).free_text_questions():
            ref = question_ref(v.survey_id, q.code)
            if ref not in seen:
                seen.add(ref)
                questions.append((v, q, ref))
    errors: dict[str, str] = {}
    chosen_versions = form_ids("versions")
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
        chosen_questions = [r for v, _q, r in questions if v.id in chosen_versions]
    else:
        if not chosen_versions:
            errors["versions"] = "Select at least one survey version"
        if not chosen_questions:
            errors["questions"] = "Select at least one free-text question"
        start = _start_from_form(chosen_start, seed_run, starts, errors)
        if not errors:
            user = current_user()
            try:
                run = create_run(
                    db,
                    version_ids=chosen_versions,
                    question_codes=chosen_questions,
                    user=user,
                    title=title,
                    year=year if year in years else None,
                    start=start,
                )
            except AnalysisError as exc:
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
    path = frames.frame_path(current_app.instance_path, uuid.uuid4().hex + ext)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    try:
        frames.load(path)
    except (AnalysisError, ImportError) as exc:
        path.unlink(missing_ok=True)
        errors["frame_file"] = str(exc).replace(str(path), name)
        return None
    return {"frame": str(path), "frame_name": name[:100]}


def _start(run: AnalysisRun, user) -> None:
    db = get_db()
    audit(db, "analysis_run_started", user=user, target=f"analysis_run:{run.id}")
    run_job.start(db, run, user.id if user else None)


@bp.get("/runs/<int:run_id>")
@role_required(*ROLES)
def run(run_id: int):
    db = get_db()
    run = run_or_404(run_id)
    job = get_job(run.job_id, db) if run.job_id else None
    if run.status != COMPLETE:
        return render_template("analysis/progress.html", run=run, job=job)
    held_back = queries.held_back_theme_ids(db, run.id)
    themes = [t for t in queries.themes(db, run.id) if t.id not in held_back]
    people = report_queries.respondents(db, run)
    counts = {t.id: 0 for t in themes}
    for r in people:
        for tid in r.themes:
            if tid in counts:
                counts[tid] += 1
    threshold = int(current_app.config.get("SUPPRESSION_THRESHOLD", 5))
    shares = {t.id: proportion(counts[t.id], len(people), threshold) for t in themes}
    quotes = {t.id: queries.quotes(db, t.id) for t in themes}
    return render_template(
        "analysis/themes.html",
        state=check_queue.state(db, run),
        coder_jobs=coding_job.active(db, run),
        run=run,
        job=job,
        themes=themes,
        shares=shares,
        quotes=quotes,
        n_people=len(people),
        priorities=priority_names(),
        links=confirmed_links(db, run),
        auto_link=AUTO_LINK_THRESHOLD,
        split_jobs=splitting.active(db, run),
        proposals=proposed.listed(db, run),
    )


@bp.post("/runs/<int:run_id>/rerun")
@role_required(*ROLES)
def rerun(run_id: int):
    db = get_db()
    old = run_or_404(run_id)
    user = current_user()
    job = get_job(old.job_id, db) if old.job_id else None
    if old.status == COMPLETE:
        # A fresh run of the same questions, from the same start (last year's run or the
        # code frame: its themes are made again and the decisions on them re-applied); the
        # curated themes carry over where they match.
        start = (old.settings or {}).get("start") or None
        run = create_run(
            db,
            version_ids=list(old.survey_version_ids),
            question_codes=[question_ref(s, c) if s else c for s, c in run_questions(old)],
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
    run = complete_or_404(run_id)
    chosen = request.form.get("baseline", type=int)
    if chosen and (chosen == run.id or db.get(AnalysisRun, chosen) is None):
        abort(400)
    run.baseline_run_id = chosen or None
    event(
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
    run = run_or_404(run_id)
    events = queries.events(db, run.id)
    ids = {e.user_id for e in events if e.user_id}
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return render_template("analysis/history.html", run=run, events=events, users=users)
