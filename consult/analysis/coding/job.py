"""The coding job (``analysis.code``): the coder retrained on the analyst's decisions
re-assigns the unreviewed answers; answers that fit nothing go to "not yet themed", where
new themes are proposed (``training``).

Pages and jobs send it through :func:`request` (never by its kind's name), and after each
check through :func:`after_check`, which applies the retrain rule (``retrain``).
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from consult.analysis import run_settings
from consult.analysis.active_jobs import active_jobs
from consult.analysis.coding import training
from consult.analysis.coding.retrain import RetrainRule
from consult.analysis.models import AnalysisRun
from consult.analysis.review import decisions as store
from consult.analysis.runs.engine import get_engine
from consult.jobs import Job, JobContext, JobError, enqueue, handler
from consult.models import User

KIND = "analysis.code"


@handler(KIND)
def code_answers(ctx: JobContext, payload: dict) -> dict:
    """Retrain the coder on the analyst's decisions and re-assign the unreviewed answers.
    ``payload["auto"]``: sent after a batch of checks (too few decisions is no failure)."""
    db = ctx.db
    run = db.get(AnalysisRun, int(payload["run_id"]))
    if run is None:
        raise JobError("This analysis run no longer exists.")
    ctx.progress(0.05, "Reading your decisions")
    engine = get_engine(ctx.app)
    try:
        summary = training.code_run(
            db, run, engine, progress=ctx.progress, required=not payload.get("auto"),
            rule=RetrainRule.from_config(ctx.app.config), fresh=True,
            cache_dir=ctx.app.config["ANALYSIS_CODER_CACHE"],
        )
    except training.CodingError as exc:
        raise JobError(str(exc)) from None
    if summary is not None:
        run_settings.update(run, coder=summary)
    return {"run_id": run.id, **(summary or {"decisions": 0})}


def active(db: Session, run: AnalysisRun) -> list[Job]:
    """The coding jobs of this run still to finish (the pages say the suggestions are
    being updated)."""
    return active_jobs(db, KIND, run.id)


def request(db: Session, run: AnalysisRun, user: User | None, *, auto: bool = False) -> None:
    """Send the coding job for the run, unless one is already waiting or running."""
    if active(db, run):
        return
    payload = {"run_id": run.id, **({"auto": True} if auto else {})}
    enqueue(KIND, payload, db=db, user_id=user.id if user else None)


def after_check(db: Session, run: AnalysisRun, user: User | None, action: str) -> None:
    """A check was saved: send the coding job when the retrain rule says it is due."""
    rule = RetrainRule.from_config(current_app.config)
    if rule.due(store.for_run(db, run), action):
        request(db, run, user, auto=True)
