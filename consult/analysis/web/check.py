"""The "Check answers" page: one answer at a time with the coder's suggestion (the queue
is ``coding.check_queue``); after a batch of checks the coder learns again
(``coding.job.after_check``). "Update suggestions" sends the coding job at once."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from consult.analysis import queries
from consult.analysis.coding import check_queue, engine_history, proposed, training
from consult.analysis.coding import job as coding_job
from consult.analysis.errors import AnalysisError
from consult.analysis.models import AnalysedAnswer, AnalysisRun, ThemeEvent
from consult.analysis.web.blueprint import ROLES, bp, complete_or_404, question_names
from consult.auth import current_user, role_required
from consult.db import get_db


@bp.route("/runs/<int:run_id>/check", methods=["GET", "POST"])
@role_required(*ROLES)
def check(run_id: int):
    db = get_db()
    run = complete_or_404(run_id)
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
            try:
                check_queue.check(db, run, answer, action, user, theme=theme,
                                  label=form["label"])
                db.commit()
            except AnalysisError as exc:
                db.rollback()
                errors["label" if action == "new" else "action"] = str(exc)
            except IntegrityError:
                # The coding job replaced the suggestions while the page was open.
                db.rollback()
                flash("The suggestions were updated while you were checking this answer. "
                      "Check it again.", "error")
                return redirect(url_for("analysis.check", run_id=run.id))
            else:
                coding_job.after_check(db, run, user, action)
                return redirect(url_for("analysis.check", run_id=run.id))
        current = answer
    else:
        current = check_queue.next_answer(db, run)
    themes = queries.themes(db, run.id)
    return render_template(
        "analysis/check.html",
        run=run,
        answer=current,
        suggested=check_queue.suggestion(db, current) if current is not None else [],
        themes=themes,
        state=check_queue.state(db, run),
        coder_jobs=coding_job.active(db, run),
        question_names=question_names(run),
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
    run = complete_or_404(run_id)
    coding_job.request(get_db(), run, current_user())
    flash("The suggestions are being updated from your decisions. This takes a few seconds.")
    back = request.form.get("back", "")
    if back == "check":
        return redirect(url_for("analysis.check", run_id=run.id))
    return redirect(url_for("analysis.run", run_id=run.id))


# --- the engine's proposals and retrains -------------------------------
@bp.post("/runs/<int:run_id>/proposals/<int:proposal_id>")
@role_required(*ROLES)
def proposal(run_id: int, proposal_id: int):
    """Accept, merge into a theme, or dismiss a theme the engine proposes."""
    db = get_db()
    run = complete_or_404(run_id)
    user, action = current_user(), request.form.get("action", "")
    try:
        if action == "accept":
            theme = proposed.accept(db, run, proposal_id, user)
            done = f"‘{theme.label}’ is now a theme."
        elif action == "merge":
            target = _theme_choice(run, request.form.get("theme", ""))
            if target is None:
                raise AnalysisError("Select the theme to put these answers in")
            n = proposed.merge(db, run, proposal_id, target, user)
            done = f"{n} answers put in ‘{target.label}’."
        elif action == "dismiss":
            proposed.dismiss(db, run, proposal_id, user)
            done = "Proposal dismissed: its answers stay in no theme."
        else:
            abort(400)
    except AnalysisError as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
        flash(done)
    return redirect(url_for("analysis.run", run_id=run.id) + "#proposals")


@bp.post("/runs/<int:run_id>/history/<int:event_id>/undo")
@role_required(*ROLES)
def undo_retrain(run_id: int, event_id: int):
    """Undo one retrain of the engine, as one step."""
    db = get_db()
    run = complete_or_404(run_id)
    retrain = db.get(ThemeEvent, event_id)
    if retrain is None or retrain.run_id != run.id:
        abort(404)
    try:
        n = engine_history.undo(db, run, retrain, current_user(),
                                training.protected_answers(db, run, training.labelled_ids(db, run)))
    except AnalysisError as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
        flash(f"The engine's retrain was undone: {n} answers are back where they were.")
    return redirect(url_for("analysis.history", run_id=run.id))
