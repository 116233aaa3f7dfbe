"""The responses browser: a survey's reportable responses, filtered and searched, and one
response with the themes its answers were put in."""

from __future__ import annotations

from flask import abort, render_template, request

from consult.analysis import browse, queries
from consult.analysis.models import COMPLETE, AnalysisRun
from consult.analysis.priorities import priority_names
from consult.analysis.public_views.parts import TYPE_LABELS
from consult.analysis.web.blueprint import ROLES, bp
from consult.auth import role_required
from consult.db import get_db
from consult.survey_store import definition_of

PER_PAGE = 25


@bp.get("/surveys/<survey_id>/responses")
@role_required(*ROLES)
def responses(survey_id: str):
    db = get_db()
    versions = queries.survey_versions(db, survey_id)
    if not versions:
        abort(404)
    lookup = queries.question_lookup(versions)
    text_codes = sorted(
        {q.code for v in versions for q in definition_of(v).questions() if q.type.endswith("text")}
    )
    free_codes = [c for c in text_codes if lookup[c].free_text_analysis]
    run = None
    run_id = request.args.get("run", type=int)
    if run_id:
        run = db.get(AnalysisRun, run_id)
    if run is None or run.status != COMPLETE:
        run = browse.latest_complete_run(db, survey_id)
    filters = browse.Filters(
        district=request.args.get("district", "").strip(),
        age_group=request.args.get("age_group", "").strip(),
        respondent_type=request.args.get("respondent_type", "").strip(),
        theme_id=request.args.get("theme", type=int),
        priority=request.args.get("priority", "").strip(),
        q=request.args.get("q", "").strip()[:200],
        run_id=run.id if run else None,
    )
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = browse.browse_responses(
        db, survey_id, filters, free_codes or text_codes, page, PER_PAGE
    )
    options = {
        "district": _options(lookup, queries.DISTRICT_CODES),
        "age_group": _options(lookup, queries.AGE_CODES),
        "respondent_type": list(TYPE_LABELS.items()),
        "theme": [(t.id, t.label) for t in queries.themes(db, run.id)] if run else [],
        "priority": list(priority_names().items()),
    }
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "analysis/responses.html",
        survey_id=survey_id,
        title=versions[-1].title,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        filters=filters,
        options=options,
        free_codes=free_codes,
        lookup=lookup,
        run=run,
        args=args,
        type_labels=TYPE_LABELS,
    )


def _options(lookup, codes) -> list[tuple[str, str]]:
    out = []
    for code in codes:
        q = lookup.get(code)
        if q is not None:
            out += [(o.code, o.label) for o in q.options or [] if o.code != "prefer_not_say"]
    return out


@bp.get("/responses/<int:response_id>")
@role_required(*ROLES)
def response(response_id: int):
    db = get_db()
    found = queries.reportable_response(db, response_id)
    if found is None:
        abort(404)  # held back (or never there): not shown here
    defn = definition_of(found.survey_version)
    rows = []
    for q in defn.questions():
        value = (found.answers or {}).get(q.code)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            shown = ", ".join(q.option_label(v) for v in value)
        elif q.options:
            shown = q.option_label(value)
        else:
            shown = value
        rows.append((q, shown))
    run = browse.latest_complete_run(db, found.survey_id)
    themes = browse.themes_of_response(db, run.id, found.id) if run else []
    return render_template(
        "analysis/response.html",
        response=found,
        rows=rows,
        run=run,
        themes=themes,
        type_labels=TYPE_LABELS,
        survey=defn,
    )
