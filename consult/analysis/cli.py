"""``consult analysis run`` and ``consult analysis export``: for analysts who script their
year. ``run`` starts the same job the web page starts and waits for it with a progress bar;
``export`` writes the public views section (reviewed themes only) in any download format.

Wire-up: ``register(cli)`` (``consult/cli.py`` calls it for feature packages).
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

FORMATS = ("docx", "html", "csv", "json")


def register(cli: click.Group) -> None:
    cli.add_command(analysis)


@click.group("analysis")
def analysis():
    """Theme analysis runs and the public views section."""


@analysis.command("run")
@click.option("--survey", "surveys", required=True, multiple=True,
              help="Survey id (repeat to analyse several together, e.g. residents and schools).")
@click.option("--version", "version", type=int, default=None,
              help="Only this version of the survey (default: every version).")
@click.option("--question", "questions", multiple=True,
              help="Free-text question code (repeatable; default: every free-text question).")
@click.option("--year", default=None, help="Only answers sent in this year.")
@click.option("--title", default="", help="A name for the run.")
@click.option("--poll", default=0.5, type=float, hidden=True)
@with_appcontext
def run_command(surveys, version, questions, year, title, poll):
    """Analyse a survey's free-text answers into themes, waiting with a progress bar."""
    from consult.analysis import queries, run_job
    from consult.analysis.errors import AnalysisError
    from consult.analysis.models import AnalysisRun
    from consult.analysis.runs.start import create_run, free_text_questions
    from consult.db import get_db
    from consult.jobs import FAILED, get_job

    db = get_db()
    chosen = []
    for survey_id in surveys:
        versions = queries.survey_versions(db, survey_id)
        if not versions:
            known = ", ".join(s.survey_id for s in queries.surveys(db)) or "none loaded"
            raise click.UsageError(f"No survey ‘{survey_id}’ (surveys: {known})")
        if version is not None and len(surveys) == 1:
            versions = [v for v in versions if v.version == version]
            if not versions:
                raise click.UsageError(f"Survey ‘{survey_id}’ has no version {version}")
        chosen += versions
    codes = list(questions) or list(free_text_questions(db, [v.id for v in chosen]))
    try:
        run = create_run(
            db, version_ids=[v.id for v in chosen], question_codes=codes, user=None,
            title=title, year=year,
        )
    except AnalysisError as exc:
        raise click.UsageError(str(exc)) from None
    job = run_job.start(db, run)
    run = db.get(AnalysisRun, run.id)
    click.echo(f"Run {run.id}: {run.title}", err=True)
    shown = 0
    with click.progressbar(length=100, label="Analysing", file=click.get_text_stream("stderr"),
                           show_eta=False) as bar:
        while True:
            db.expire_all()
            job = get_job(job.id, db)
            percent = int(round(100 * float(job.progress or 0.0)))
            if job.done:
                percent = 100 if job.status != FAILED else percent
            if percent > shown:
                bar.update(percent - shown)
                shown = percent
            if job.done:
                break
            time.sleep(poll)
    if job.status == FAILED:
        raise click.ClickException(job.message or "The analysis failed.")
    db.expire_all()
    run = db.get(AnalysisRun, run.id)
    themes = len(queries.themes(db, run.id))
    click.echo(
        f"Run {run.id} complete: {themes} themes from {run.n_answers:,} answers "
        f"({run.n_respondents:,} people). Review them at /analysis/runs/{run.id}"
    )


@analysis.command("export")
@click.argument("run_id", type=int)
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(run_id, fmt, out):
    """Write the public views section of run RUN_ID (reviewed themes only) to a file."""
    from consult.analysis.models import COMPLETE, AnalysisRun
    from consult.analysis.public_views.cache import cached_report
    from consult.analysis.web.public_views import rendered
    from consult.auth.audit import record as audit
    from consult.db import get_db

    db = get_db()
    run = db.get(AnalysisRun, run_id)
    if run is None:
        raise click.UsageError(f"No analysis run {run_id}")
    if run.status != COMPLETE:
        raise click.UsageError(f"Run {run_id} has not finished: wait for it, or re-run it")
    with current_app.test_request_context():
        report = cached_report(db, run)
        body, _mimetype = rendered(report, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, str):
        out.write_text(body, encoding="utf-8")
    else:
        out.write_bytes(body)
    audit(db, "analysis_export", user=None, target=f"analysis_run:{run.id}",
          details={"format": fmt, "via": "cli"})
    db.commit()
    r = report.review
    click.echo(
        f"Wrote {out} ({fmt}): {r.reviewed} reviewed themes published; "
        f"{r.unreviewed} not yet reviewed left out."
    )
