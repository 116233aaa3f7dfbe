"""One theme's page and the analyst's changes to it: rename, confirm, merge, move answers,
relevance, priority, quotes, and a split (previewed by a job, then confirmed)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from consult.analysis import queries
from consult.analysis.errors import AnalysisError
from consult.analysis.models import Quote
from consult.analysis.priorities import confirmed_links, priority_names
from consult.analysis.review import curation
from consult.analysis.review import quotes as quoting
from consult.analysis.review import split as splitting
from consult.analysis.runs.engine import get_engine
from consult.analysis.web.blueprint import (
    ROLES,
    bp,
    complete_or_404,
    form_ids,
    question_names,
    theme_or_404,
)
from consult.auth import current_user, role_required
from consult.db import get_db
from consult.jobs import get_job
from consult.survey_store import definition_of
from nlp.priorities import AUTO_LINK_THRESHOLD


def answer_question_names(db, run, answers) -> dict[int, str]:
    """answer id -> the name of the question it answers, in its own survey's wording (a
    pupils' and a residents' question may share a code)."""
    from sqlalchemy import select

    from consult.models import Response

    response_ids = {a.response_id for a in answers}
    survey_of = dict(db.execute(select(Response.id, Response.survey_id)
                                .where(Response.id.in_(response_ids))).all())
    lookup = {}  # survey id -> code -> Question, the newest version's wording
    for v in sorted(queries.versions(db, run.survey_version_ids or []), key=lambda v: v.version):
        lookup[v.survey_id] = {x.code: x for x in definition_of(v).questions()}
    by_code = question_names(run)
    names: dict[int, str] = {}
    for a in answers:
        q = lookup.get(survey_of.get(a.response_id), {}).get(a.question_code)
        name = (q.short_label or q.label) if q is not None else None
        names[a.id] = (name[:1].upper() + name[1:]) if name else by_code.get(
            a.question_code, a.question_code)
    return names


def _back_to_theme(run, theme, anchor: str = ""):
    return redirect(url_for("analysis.theme", run_id=run.id, theme_id=theme.id) + anchor)


@bp.get("/runs/<int:run_id>/themes/<int:theme_id>")
@role_required(*ROLES)
def theme(run_id: int, theme_id: int):
    db = get_db()
    run = complete_or_404(run_id)
    theme = theme_or_404(run, theme_id)
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
        link_confirmed=theme.id in confirmed_links(db, run),
        auto_link=AUTO_LINK_THRESHOLD,
        events=queries.events(db, run.id, theme.id)[:20],
        question_names=answer_question_names(db, run, [a for a, _ in answers]),
    )


def _change(run_id: int, theme_id: int, apply, success: str, anchor: str = ""):
    db = get_db()
    run = complete_or_404(run_id)
    theme = theme_or_404(run, theme_id)
    try:
        result = apply(db, run, theme, current_user())
    except AnalysisError as exc:
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
        lambda db, run, t, u: curation.rename(db, run, t, label, u),
        "Theme renamed.",
    )


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/merge")
@role_required(*ROLES)
def merge(run_id: int, theme_id: int):
    ids = form_ids("others")

    def apply(db, run, t, u):
        others = [queries.theme_in_run(db, run.id, i) for i in ids]
        curation.merge_themes(db, run, t, [o for o in others if o is not None], u)

    return _change(run_id, theme_id, apply, "Themes merged.")


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/move")
@role_required(*ROLES)
def move(run_id: int, theme_id: int):
    ids = form_ids("answers")
    target_id = request.form.get("target", "")

    def apply(db, run, t, u):
        target = None
        if target_id != "none":
            try:
                target = queries.theme_in_run(db, run.id, int(target_id))
            except ValueError:
                target = None
            if target is None:
                raise AnalysisError("Select the theme to move the answers to")
        curation.move_answers(db, run, t, ids, target, u)

    return _change(run_id, theme_id, apply, "Answers moved.", "#answers")


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/relevance")
@role_required(*ROLES)
def relevance(run_id: int, theme_id: int):
    flag = request.form.get("not_relevant") == "yes"
    return _change(
        run_id,
        theme_id,
        lambda db, run, t, u: curation.set_not_relevant(db, run, t, flag, u),
        "Theme marked as not relevant." if flag else "Theme marked as relevant.",
    )


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/priority")
@role_required(*ROLES)
def priority(run_id: int, theme_id: int):
    value = request.form.get("priority", "")
    names = priority_names()

    def apply(db, run, t, u):
        if not value:
            raise AnalysisError("Select a priority, or mark the theme as emerging")
        curation.link_priority(db, run, t, None if value == "emerging" else value, names, u)

    return _change(run_id, theme_id, apply, "Priority updated.")


SPLIT_PARTS = range(2, 9)


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/split")
@role_required(*ROLES)
def split(run_id: int, theme_id: int):
    """Start a preview of the split: the answers regrouped into the number of parts the
    analyst chose, in a job. Nothing changes until the preview is confirmed."""
    db = get_db()
    run = complete_or_404(run_id)
    theme = theme_or_404(run, theme_id)
    parts = request.form.get("parts", "").strip()
    if not parts.isdigit() or int(parts) not in SPLIT_PARTS:
        flash(f"Enter a number of parts from {SPLIT_PARTS[0]} to {SPLIT_PARTS[-1]}", "error")
        return _back_to_theme(run, theme, "#split")
    job = splitting.request(db, run, theme, int(parts), current_user())
    return redirect(url_for("analysis.split_preview", run_id=run.id, theme_id=theme.id,
                            job_id=job.id))


def _split_job_or_404(run, theme, job_id: int):
    job = get_job(job_id, get_db())
    payload = (job.payload or {}) if job is not None else {}
    if job is None or job.kind != splitting.KIND or payload.get("theme_id") != theme.id:
        abort(404)
    return job


@bp.get("/runs/<int:run_id>/themes/<int:theme_id>/split/<int:job_id>")
@role_required(*ROLES)
def split_preview(run_id: int, theme_id: int, job_id: int):
    run = complete_or_404(run_id)
    theme = theme_or_404(run, theme_id)
    job = _split_job_or_404(run, theme, job_id)
    return render_template("analysis/split_preview.html", run=run, theme=theme, job=job,
                           parts=(job.result or {}).get("parts") or [], errors={})


@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/split/<int:job_id>")
@role_required(*ROLES)
def split_confirm(run_id: int, theme_id: int, job_id: int):
    db = get_db()
    run = complete_or_404(run_id)
    theme = theme_or_404(run, theme_id)
    job = _split_job_or_404(run, theme, job_id)
    parts = [dict(p) for p in (job.result or {}).get("parts") or []]
    if not job.done or not parts:
        abort(409)
    errors = {}
    for i, part in enumerate(parts):
        label = " ".join(request.form.get(f"label-{i}", "").split())
        part["label"] = label
        # Not reviewed unless the analyst ticks it: a part is a suggestion until checked.
        part["reviewed"] = request.form.get(f"reviewed-{i}") == "yes"
        if not label:
            errors[f"label-{i}"] = f"Enter a name for part {i + 1}"
        elif len(label) > 200:
            errors[f"label-{i}"] = f"The name of part {i + 1} must be 200 characters or fewer"
    if not errors:
        try:
            new = splitting.apply_split(db, run, theme, parts, current_user())
        except AnalysisError as exc:
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
        lambda db, run, t, u: curation.confirm(db, run, t, u),
        "Theme confirmed: it can be published.",
    )



@bp.post("/runs/<int:run_id>/themes/<int:theme_id>/quotes")
@role_required(*ROLES)
def add_quote(run_id: int, theme_id: int):
    answer_id = request.form.get("answer", type=int) or 0
    return _change(
        run_id,
        theme_id,
        lambda db, run, t, u: quoting.add_quote(db, run, t, answer_id, u),
        "Quote added. Check it and approve it for publication.",
        "#quotes",
    )


def _quote_change(run_id: int, quote_id: int, apply, success: str):
    db = get_db()
    run = complete_or_404(run_id)
    quote = db.get(Quote, quote_id)
    if quote is None or quote.run_id != run.id:
        abort(404)
    theme = theme_or_404(run, quote.theme_id)
    try:
        apply(db, run, quote, current_user())
    except AnalysisError as exc:
        db.rollback()
        flash(str(exc), "error")
        return _back_to_theme(run, theme, "#quotes")
    db.commit()
    flash(success)
    return _back_to_theme(run, theme, "#quotes")


@bp.post("/runs/<int:run_id>/quotes/<int:quote_id>/approve")
@role_required(*ROLES)
def approve_quote(run_id: int, quote_id: int):
    return _quote_change(run_id, quote_id, quoting.approve_quote, "Quote approved for publication.")


@bp.post("/runs/<int:run_id>/quotes/<int:quote_id>/withdraw")
@role_required(*ROLES)
def withdraw_quote(run_id: int, quote_id: int):
    return _quote_change(run_id, quote_id, quoting.withdraw_quote, "Approval withdrawn.")


@bp.post("/runs/<int:run_id>/quotes/<int:quote_id>/edit")
@role_required(*ROLES)
def edit_quote(run_id: int, quote_id: int):
    text = request.form.get("text", "")
    redact = get_engine().redact
    return _quote_change(
        run_id,
        quote_id,
        lambda db, run, q, u: quoting.edit_quote(db, run, q, text, redact, u),
        "Quote shortened. Approve it again to publish it.",
    )
