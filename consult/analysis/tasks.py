"""Analysis jobs: a whole run (``analysis.run``) and the split of one theme
(``analysis.split``). Both write their results through ``ctx.db`` without committing: the
job runner commits them together with the job's success, so nothing half-written is ever
shown as final."""

from __future__ import annotations

from consult.analysis import queries, service
from consult.analysis.engine import get_engine
from consult.analysis.models import AnalysisRun, Theme
from consult.jobs import JobContext, JobError, handler
from consult.models import User

# Share of the progress bar each stage of the engine takes, and what the page says.
STAGES = [
    ("redact", 0.12, "Removing names and other personal details"),
    ("non_answers", 0.03, "Setting aside non-answers"),
    ("embed", 0.45, "Reading the meaning of each answer"),
    ("reduce", 0.12, "Mapping similar answers together"),
    ("cluster", 0.10, "Finding themes"),
    ("label", 0.08, "Naming themes"),
    ("priorities", 0.05, "Linking themes to priorities"),
]
READING = (0.0, 0.03)
SAVING = 0.95


def stage_progress(stage: str, fraction: float) -> tuple[float, str]:
    start = READING[1]
    for name, weight, text in STAGES:
        if name == stage:
            return start + weight * max(0.0, min(1.0, fraction)), text
        start += weight
    return SAVING, "Saving themes"


def _reporter(ctx: JobContext):
    state = {"last": 0.0}

    def report(stage: str, fraction: float) -> None:
        value, text = stage_progress(stage, fraction)
        value = min(SAVING, max(state["last"], value))  # never goes backwards
        state["last"] = value
        ctx.progress(value, text)

    return report


@handler("analysis.run")
def run_analysis(ctx: JobContext, payload: dict) -> dict:
    db = ctx.db
    run = db.get(AnalysisRun, int(payload["run_id"]))
    if run is None:
        raise JobError("This analysis run no longer exists.")
    ctx.progress(0.01, "Reading the answers")
    answers = service.collect_answers(db, run)
    if not answers.texts:
        raise JobError(
            "There are no answers to these questions yet (or every one is held back). "
            "Choose other questions, or run the analysis when answers have come in."
        )
    engine = get_engine(ctx.app)
    db.rollback()  # no read transaction held open during the long part
    result = engine.fit(
        answers.texts, ids=answers.ids, metadata=answers.metadata, progress=_reporter(ctx)
    )
    ctx.progress(SAVING, "Saving themes")
    run = db.get(AnalysisRun, int(payload["run_id"]))
    service.store_result(db, run, result, answers)
    previous = queries.previous_run_for(db, run)
    carried = 0
    if previous is not None:
        run.previous_run_id = previous.id
        carried = service.carry_over(
            db,
            run,
            previous,
            engine.match,
            float(ctx.app.config.get("ANALYSIS_MATCH_THRESHOLD", 0.7)),
        )
    settings = dict(getattr(result, "settings", {}) or {})
    settings["engine"] = getattr(engine, "name", type(engine).__name__)
    settings["carried_themes"] = carried
    service.complete_run(db, run, settings)
    return {"run_id": run.id, "themes": len(result.themes), "carried": carried}


@handler("analysis.split")
def split_theme(ctx: JobContext, payload: dict) -> dict:
    db = ctx.db
    theme = db.get(Theme, int(payload["theme_id"]))
    if theme is None:
        raise JobError("This theme no longer exists.")
    run = db.get(AnalysisRun, theme.run_id)
    user = db.get(User, payload["user_id"]) if payload.get("user_id") else None
    texts, ids = service.split_inputs(db, theme)
    if len(texts) < 4:
        raise JobError("This theme has too few answers to split. Move answers instead.")
    ctx.progress(0.02, f"Re-reading the {len(texts)} answers in ‘{theme.label}’")
    engine = get_engine(ctx.app)
    db.rollback()
    result = engine.split(texts, ids=ids, progress=_reporter(ctx))
    ctx.progress(SAVING, "Saving the new themes")
    theme = db.get(Theme, int(payload["theme_id"]))
    run = db.get(AnalysisRun, theme.run_id)
    try:
        new = service.apply_split(db, run, theme, result, user)
    except service.AnalysisError as exc:
        raise JobError(str(exc)) from None
    return {"run_id": run.id, "theme_id": theme.id, "themes": [t.id for t in new]}
