"""Analysis jobs: a whole run (``analysis.run``), the coder retrained on the analyst's
decisions (``analysis.code``), and the preview of a theme's split (``analysis.split``).
They write through ``ctx.db`` without committing: the job runner commits the results
together with the job's success, so nothing half-written is ever shown as final."""

from __future__ import annotations

from consult.analysis import coding, frames, queries, service
from consult.analysis.carry_over import carry_over
from consult.analysis.engine import get_engine
from consult.analysis.errors import AnalysisError
from consult.analysis.models import AnalysisRun, Theme
from consult.jobs import JobContext, JobError, handler

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
    settings = dict(getattr(result, "settings", {}) or {})
    settings["engine"] = getattr(engine, "name", type(engine).__name__)
    start = (run.settings or {}).get("start") or {}
    if start:
        # Last year's reviewed themes or a code frame: answers first placed by similarity.
        try:
            settings["start_summary"] = frames.start_themes(db, run, engine, start)
        except AnalysisError as exc:
            if start.get("frame"):  # the file is gone or broken (a re-run reads it again)
                raise JobError(
                    f"The code frame ‘{start.get('frame_name') or 'file'}’ cannot be read any "
                    "more. Start a new analysis and choose the code frame file again."
                ) from None
            raise JobError(str(exc)) from None
    previous = queries.previous_run_for(db, run)
    if previous is not None:
        run.previous_run_id = previous.id
    summary = carry_over(
        db, run, previous, engine.match,
        float(ctx.app.config.get("ANALYSIS_MATCH_THRESHOLD", 0.7)),
    )
    settings["carried_themes"] = summary["matched_themes"]
    settings["decisions_applied"] = summary["decisions_applied"]
    # Also works out the run's features for the coder (``run_features``), once per run.
    coded = coding.code_run(db, run, engine, progress=None,
                            min_decisions=int(ctx.app.config["ANALYSIS_CODER_MIN_DECISIONS"]),
                            cache_dir=ctx.app.config["ANALYSIS_CODER_CACHE"])
    if coded is not None:
        settings["coder"] = coded
    service.complete_run(db, run, settings)
    return {"run_id": run.id, "themes": len(result.themes), "carried": summary["matched_themes"]}


@handler("analysis.code")
def code_answers(ctx: JobContext, payload: dict) -> dict:
    """Retrain the coder on the analyst's decisions and re-assign the unreviewed answers;
    answers that fit nothing go to "not yet themed", where new themes are proposed."""
    db = ctx.db
    run = db.get(AnalysisRun, int(payload["run_id"]))
    if run is None:
        raise JobError("This analysis run no longer exists.")
    ctx.progress(0.05, "Reading your decisions")
    engine = get_engine(ctx.app)
    try:
        summary = coding.code_run(
            db, run, engine, progress=ctx.progress, required=not payload.get("auto"),
            min_decisions=int(ctx.app.config["ANALYSIS_CODER_MIN_DECISIONS"]), fresh=True,
            cache_dir=ctx.app.config["ANALYSIS_CODER_CACHE"],
        )
    except coding.CodingError as exc:
        raise JobError(str(exc)) from None
    if summary is not None:
        run.settings = {**(run.settings or {}), "coder": summary}
    return {"run_id": run.id, **(summary or {"decisions": 0})}


@handler("analysis.split")
def split_theme(ctx: JobContext, payload: dict) -> dict:
    """Propose a split of one theme into ``parts`` parts. Nothing changes until the analyst
    confirms the preview (``curation.apply_split``)."""
    db = ctx.db
    theme = db.get(Theme, int(payload["theme_id"]))
    if theme is None:
        raise JobError("This theme no longer exists.")
    texts, ids = service.split_inputs(db, theme)
    if len(texts) < 4:
        raise JobError("This theme has too few answers to split. Move answers instead.")
    parts = payload.get("parts")
    ctx.progress(0.02, f"Re-reading the {len(texts)} answers in ‘{theme.label}’")
    engine = get_engine(ctx.app)
    label = theme.label
    db.rollback()
    kwargs = {"n_parts": int(parts)} if parts else {}
    result = engine.split(texts, ids=ids, progress=_reporter(ctx), **kwargs)
    proposal = service.split_proposal(result, texts, ids)
    if len(proposal) < 2:
        raise JobError(
            f"The answers in ‘{label}’ are too alike to split into separate themes. Move "
            "individual answers to another theme instead."
        )
    return {"run_id": int(payload["run_id"]), "theme_id": int(payload["theme_id"]),
            "label": label, "parts": proposal}


@handler("analysis.report")
def build_report_figures(ctx: JobContext, payload: dict) -> dict:
    """Build the public views' figures and charts after a change, so the first view of the
    report after it finds them ready (see ``report_cache``)."""
    from consult.analysis.public_views import cache as report_cache

    return report_cache.build_job(ctx.db, int(payload["run_id"]))
