"""The analysis job (``analysis.run``): a whole run, from reading the answers to the coder's
first pass (the answers read, the engine fitted, the start from a frame, the decisions carried
over, the coder), the run then marked complete; and :func:`start`, which sends it.

The results are saved in short transactions (``runs.results``: a few thousand rows each,
committed between batches and between the steps), so on SQLite a resident's submission, a
purge or a job's heartbeat waits for one batch, never for the whole save. The run stays
pending ("Saving themes") until the job runner commits the last step together with the
job's success and the run marked complete: a save cut short is never shown as a result,
and a retry of the run clears its partial rows first (``results.clear_results``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from consult.analysis import queries, run_settings
from consult.analysis.coding.retrain import RetrainRule
from consult.analysis.coding.training import code_run
from consult.analysis.errors import AnalysisError
from consult.analysis.models import COMPLETE, AnalysisRun
from consult.analysis.review.carry_over import carry_over
from consult.analysis.review.decisions import event
from consult.analysis.runs import frames
from consult.analysis.runs.engine import SAVING, get_engine, stage_reporter
from consult.analysis.runs.results import commit_batch, save_batch, store_result
from consult.analysis.runs.start import collect_answers
from consult.jobs import Job, JobContext, JobError, enqueue, handler
from consult.models import utcnow

KIND = "analysis.run"

def start(db: Session, run: AnalysisRun, user_id: int | None = None) -> Job:
    """Send the analysis job for a stored run (commits), and remember it on the run."""
    db.commit()
    job = enqueue(KIND, {"run_id": run.id}, db=db, user_id=user_id)
    run = db.get(AnalysisRun, run.id)
    run.job_id = job.id
    db.commit()
    return job


@handler(KIND)
def run_analysis(ctx: JobContext, payload: dict) -> dict:
    db = ctx.db
    run = db.get(AnalysisRun, int(payload["run_id"]))
    if run is None:
        raise JobError("This analysis run no longer exists.")
    ctx.progress(0.01, "Reading the answers")
    answers = collect_answers(db, run)
    if not answers.texts:
        raise JobError(
            "There are no answers to these questions yet (or every one is held back). "
            "Choose other questions, or run the analysis when answers have come in."
        )
    engine = get_engine(ctx.app)
    db.rollback()  # no read transaction held open during the long part
    result = engine.fit(
        answers.texts, ids=answers.ids, metadata=answers.metadata,
        progress=stage_reporter(ctx.progress),
    )
    ctx.progress(SAVING, "Saving themes")
    run = db.get(AnalysisRun, int(payload["run_id"]))
    saved = committer(ctx)
    store_result(db, run, result, answers, between=saved, batch=save_batch(ctx.app.config))
    saved()
    start = run_settings.read(run).start
    start_summary = {}
    if start:
        # Last year's reviewed themes or a code frame: answers first placed by similarity.
        try:
            start_summary = frames.start_themes(db, run, engine, start)
        except AnalysisError as exc:
            if start.get("frame"):  # the file is gone or broken (a re-run reads it again)
                raise JobError(
                    f"The code frame ‘{start.get('frame_name') or 'file'}’ cannot be read any "
                    "more. Start a new analysis and choose the code frame file again."
                ) from None
            raise JobError(str(exc)) from None
        saved()
    previous = queries.previous_run_for(db, run)
    if previous is not None:
        run.previous_run_id = previous.id
    summary = carry_over(
        db, run, previous, engine.match,
        float(ctx.app.config.get("ANALYSIS_MATCH_THRESHOLD", 0.7)), between=saved,
    )
    # Also works out the run's features for the coder (``coding.features``), once per run.
    saved()
    coded = code_run(db, run, engine, progress=None,
                     rule=RetrainRule.from_config(ctx.app.config),
                     cache_dir=ctx.app.config["ANALYSIS_CODER_CACHE"], between=saved)
    changes = {"coder": coded} if coded is not None else {}
    run_settings.update(
        run,
        engine=getattr(engine, "name", type(engine).__name__),
        engine_details=dict(getattr(result, "settings", {}) or {}),
        start_summary=start_summary,
        carried_themes=summary["matched_themes"],
        decisions_applied=summary["decisions_applied"],
        **changes,
    )
    complete_run(db, run)
    return {"run_id": run.id, "themes": len(result.themes), "carried": summary["matched_themes"]}


def committer(ctx: JobContext):
    """What the job does between two batches of its results: commit them (the run is still
    pending, so nobody reads them as a result) and say it is still saving, which also stops
    the job if it was taken for dead meanwhile."""

    def saved() -> None:
        commit_batch(ctx.db, ctx.app.config)
        ctx.progress(SAVING, "Saving themes")

    return saved


def complete_run(db: Session, run: AnalysisRun) -> None:
    run.status = COMPLETE
    run.completed_at = utcnow()
    event(
        db,
        run,
        None,
        None,
        "run",
        f"Analysis run completed with {len(queries.themes(db, run.id))} themes",
        {"answers": run.n_answers},
    )
