"""The responses browser: a survey's reportable responses, filtered and searched, and one
response with the themes its answers were put in."""

from __future__ import annotations

from flask import abort, render_template, request

from consult.analysis import browse, queries
from consult.analysis.models import COMPLETE, AnalysisRun
from consult.analysis.priorities import priority_names
from consult.analysis.public_views.parts import TYPE_LABELS
from consult.analysis.redacted_answers import redacted_answers
from consult.analysis.web.blueprint import ROLES, bp
from consult.auth import current_user, role_required
from consult.auth.audit import record as audit
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
    run = browse.latest_complete_run(db, found.survey_id)
    # Free text is redacted unless the analyst asks for what the person wrote: that look
    # at third parties' personal data is in the audit trail.
    original = request.args.get("original") == "1"
    answers = found.answers or {}
    texts = {q.code: answers[q.code] for q in defn.questions()
             if not q.options and isinstance(answers.get(q.code), str) and answers[q.code]}
    if original:
        audit(db, "response_original_viewed", user=current_user(), target=found.reference,
              details={"questions": sorted(texts)})
        db.commit()
    else:
        texts = redacted_answers(db, found.id, texts, run.id if run else None)
    rows = []
    for q in defn.questions():
        value = answers.get(q.code)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            shown = ", ".join(q.option_label(v) for v in value)
        elif q.options:
            shown = q.option_label(value)
        else:
            shown = texts.get(q.code, value)
        rows.append((q, shown))
    themes = browse.themes_of_response(db, run.id, found.id) if run else []
    return render_template(
        "analysis/response.html",
        response=found,
        rows=rows,
        run=run,
        themes=themes,
        type_labels=TYPE_LABELS,
        survey=defn,
        original=original,
        has_text=bool(texts),
    )
