"""The "public views" pages and downloads (``/analysis/runs/<id>/report...``), on the
analysis blueprint. Every one renders the stored
:class:`~consult.analysis.public_views.report.PublicViews` (built once per change, see
:mod:`~consult.analysis.public_views.cache`): every change an analyst
makes to a run through these pages sends a job that builds its figures at once."""

from __future__ import annotations

import base64
import logging

from flask import Response, abort, render_template, request

from consult.analysis import queries
from consult.analysis.models import COMPLETE, AnalysisRun
from consult.analysis.public_views.cache import cached_report, report_for_view, start_build
from consult.analysis.public_views.charts import chart_alt, chart_names, chart_png, chart_title
from consult.analysis.public_views.figures import share_text
from consult.analysis.public_views.formats import to_csv, to_json
from consult.analysis.public_views.parts import DEFINITIONS, TYPE_LABELS
from consult.analysis.public_views.report import PublicViews, change_words
from consult.analysis.public_views.word import to_docx
from consult.analysis.web.blueprint import ROLES, bp, complete_or_404
from consult.auth import current_user, role_required
from consult.auth.audit import record as audit
from consult.db import get_db

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
log = logging.getLogger(__name__)


@bp.after_request
def _build_after_change(response):
    """A change to a run saved (a review, a rename, a merge, an approved quote...): build
    its figures now, in the background, so the next view of the report is ready."""
    run_id = (request.view_args or {}).get("run_id")
    if request.method != "POST" or run_id is None or response.status_code >= 400:
        return response
    try:
        db = get_db()
        db.rollback()  # the view has committed its change (or nothing): start afresh
        run = db.get(AnalysisRun, run_id)
        if run is not None and run.status == COMPLETE:
            user = current_user()
            start_build(db, run, user.id if user else None)
    except Exception:  # the change is saved: a failed head start only makes a view slower
        log.exception("could not start building the figures of run %s", run_id)
    return response


def report_context(report: PublicViews, chart_src) -> dict:
    """What ``analysis/_public_views.html`` needs: the same for the analyst's page and the
    standalone web page."""
    return {
        "report": report,
        "charts": chart_names(report),
        "chart_src": chart_src,
        "chart_alt": lambda name: chart_alt(report, name),
        "chart_title": lambda name: chart_title(report, name),
        "change_words": lambda c: change_words(c, report.last_year),
        "share_text": share_text,
        "type_labels": TYPE_LABELS,
        "definitions": DEFINITIONS,
    }


def standalone_html(report: PublicViews) -> str:
    """The public views as one self-contained web page (charts inline), to publish as is."""

    def src(name: str) -> str:
        png = chart_png(report, name)
        return "data:image/png;base64," + base64.b64encode(png or b"").decode()

    return render_template("analysis/public_views.html", **report_context(report, src))


@bp.get("/runs/<int:run_id>/report")
@role_required(*ROLES)
def report(run_id: int):
    from flask import url_for

    db = get_db()
    run = complete_or_404(run_id)
    data, building = report_for_view(db, run)
    if data is None:
        # Never last change's figures as if current: say they are being updated, and
        # follow the build (the page reloads itself when it is done).
        return render_template("analysis/report_updating.html", run=run, job=building), 202
    return render_template(
        "analysis/report.html",
        run=run,
        candidates=queries.baseline_candidates(db, run),
        baseline=queries.baseline_run_for(db, run),
        **report_context(
            data,
            lambda name: url_for(
                "analysis.chart", run_id=run.id, name=name, v=data.fingerprint[:12]
            ),
        ),
    )


@bp.get("/runs/<int:run_id>/charts/<name>.png")
@role_required(*ROLES)
def chart(run_id: int, name: str):
    run = complete_or_404(run_id)
    png = chart_png(cached_report(get_db(), run), name)
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png")


def _download(run: AnalysisRun, body, mimetype: str, ext: str):
    db = get_db()
    audit(
        db,
        "analysis_export",
        user=current_user(),
        target=f"analysis_run:{run.id}",
        details={"format": ext},
    )
    db.commit()
    name = f"public-views-run-{run.id}.{ext}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def rendered(report: PublicViews, fmt: str) -> tuple[bytes | str, str]:
    """(body, mimetype) of the report in a download format: docx, html, csv or json."""
    if fmt == "docx":
        return to_docx(report), DOCX_MIMETYPE
    if fmt == "html":
        return standalone_html(report), "text/html"  # Flask adds "; charset=utf-8"
    if fmt == "csv":
        return to_csv(report), "text/csv"
    if fmt == "json":
        return to_json(report), "application/json"
    raise ValueError(f"unknown format {fmt!r}: use docx, html, csv or json")


@bp.get("/runs/<int:run_id>/report.<any(docx, html, csv, json):fmt>")
@role_required(*ROLES)
def report_download(run_id: int, fmt: str):
    run = complete_or_404(run_id)
    body, mimetype = rendered(cached_report(get_db(), run), fmt)
    return _download(run, body, mimetype, fmt)
