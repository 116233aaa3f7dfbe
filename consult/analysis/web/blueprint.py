"""The analysis blueprint (``/analysis``, analysts and admins) and what its pages share.

Each group of pages is a module of its own, on this blueprint: ``responses`` (the responses
browser), ``runs`` (the runs, starting one, a run's themes), ``themes`` (one theme: changes,
quotes, splits), ``check`` ("Check answers") and ``public_views`` (the report pages and
downloads). They import from here and never from one another. Pages stay thin: reads in
``queries``, changes in ``review``, ``coding`` and ``runs``, long work as jobs.
"""

from __future__ import annotations

from flask import Blueprint, abort, request

from consult.analysis import queries
from consult.analysis.models import COMPLETE, AnalysisRun, Theme
from consult.db import get_db
from consult.models import SurveyVersion

bp = Blueprint("analysis", __name__, url_prefix="/analysis")

ROLES = ("analyst", "admin")


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store, max-age=0"
    return response


def run_or_404(run_id: int) -> AnalysisRun:
    run = get_db().get(AnalysisRun, run_id)
    if run is None:
        abort(404)
    return run


def complete_or_404(run_id: int) -> AnalysisRun:
    run = run_or_404(run_id)
    if run.status != COMPLETE:
        abort(404)
    return run


def theme_or_404(run: AnalysisRun, theme_id: int) -> Theme:
    theme = queries.theme_in_run(get_db(), run.id, theme_id)
    if theme is None or theme_id in queries.held_back_theme_ids(get_db(), run.id):
        abort(404)
    return theme


def form_ids(name: str) -> list[int]:
    """The whole numbers sent in the form field ``name`` (others ignored)."""
    out = []
    for value in request.form.getlist(name):
        try:
            out.append(int(value))
        except ValueError:
            continue
    return out


def question_names(run: AnalysisRun) -> dict[str, str]:
    """question code -> a short name for it ("What worries you most"), for answer tables."""
    db = get_db()
    versions = [db.get(SurveyVersion, vid) for vid in run.survey_version_ids or []]
    names = {}
    for code, q in queries.question_lookup(v for v in versions if v is not None).items():
        name = q.short_label or q.label
        names[code] = name[:1].upper() + name[1:]
    return names
