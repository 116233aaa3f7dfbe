"""What the surveys asked, read from their definitions for the public views: each survey's
own wording of the run's questions, the labels of the groups a breakdown uses (districts,
age groups), and the tables of the closed (tick-box) questions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from flask import current_app
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.models import AnalysisRun
from consult.analysis.public_views import queries as report_queries
from consult.analysis.public_views.figures import (
    closed_question_table,
    proportion,
    share_text,
    suppressed_text,
)
from consult.analysis.public_views.parts import (
    AUDIENCE_NOUNS,
    AUDIENCES,
    TYPE_HOW,
    ClosedTable,
    SurveyQuestions,
    audience_of,
)
from consult.analysis.runs.start import run_questions
from consult.survey_store import definition_of
from consult.templating import plural


def survey_questions(db: Session, run: AnalysisRun, by_survey: Counter) -> list[SurveyQuestions]:
    """Each survey in the run with its own wording of the run's questions (two surveys may
    share a code, e.g. ``worry_text``, and ask it differently)."""
    newest: dict[str, object] = {}
    for v in queries.versions(db, run.survey_version_ids or []):
        if v.survey_id not in newest or v.version > newest[v.survey_id].version:
            newest[v.survey_id] = v
    out = []
    for survey_id, version in newest.items():
        defn = definition_of(version)
        types = Counter({t: n for (s, t), n in by_survey.items() if s == survey_id})
        audience = (
            audience_of(types.most_common(1)[0][0])
            if types
            else ("young_people" if defn.audience == "classroom" else "residents")
        ) or "residents"
        hows = [(TYPE_HOW[t], n) for t, n in types.most_common() if t in TYPE_HOW]
        # "online", or with the numbers when there were several ways to answer.
        how = (
            hows[0][0]
            if len(hows) == 1
            else "(" + ", ".join(f"{n:,} {words}" for words, n in hows) + ")"
        ) if hows else "online"
        lookup = {q.code: q for q in defn.questions()}
        asked = [(c, lookup[c].label) for s, c in run_questions(run)
                 if (s is None or s == survey_id) and c in lookup]
        out.append(
            SurveyQuestions(
                survey_id, defn.title, audience, how, asked
            )
        )
    out.sort(key=lambda s: [k for k, _, _ in AUDIENCES].index(s.audience))
    return out


def label_maps(db: Session, run: AnalysisRun) -> dict[str, Callable]:
    lookup = queries.question_lookup(queries.versions(db, run.survey_version_ids or []))

    def labeller(codes):
        def label(value):
            if value in (None, "", "prefer_not_say"):
                return None
            for c in codes:
                q = lookup.get(c)
                if q is not None and any(o.code == value for o in q.options or []):
                    return q.option_label(value)
            return str(value)

        order = [o.label for c in codes if lookup.get(c) for o in lookup[c].options or []]
        return label, order

    return {"district": labeller(queries.DISTRICT_CODES), "age_group": labeller(queries.AGE_CODES)}



SCALE_TOP = ("very_safe", "fairly_safe")


def closed_tables(db, run, versions, audiences, threshold, min_base) -> list[ClosedTable]:
    """Closed questions per survey, each in that survey's own words."""
    wanted = list(current_app.config["ANALYSIS_CLOSED_QUESTIONS"])
    rows = report_queries.closed_answers(db, run, wanted)
    newest: dict[str, object] = {}
    for v in versions:
        if v.survey_id not in newest or v.version > newest[v.survey_id].version:
            newest[v.survey_id] = v
    out = []
    for survey_id, version in newest.items():
        defn = definition_of(version)
        lookup = {q.code: q for q in defn.questions()}
        mine = [r for r in rows if r[0] == survey_id]
        if not mine:
            continue
        types = Counter()
        for _s, t, c, _a, n in mine:
            if c == wanted[0]:
                types[t] += n
        key = audience_of(types.most_common(1)[0][0]) if types else None
        key = key or ("young_people" if defn.audience == "classroom" else "residents")
        noun = AUDIENCE_NOUNS[key]
        for code in wanted:
            q = lookup.get(code)
            if q is None or not q.options:
                continue
            options = [(o.code, o.label) for o in q.options if o.code != "prefer_not_say"]
            values = [a for _s, _t, c, a, n in mine if c == code for _ in range(n)]
            base, table = closed_question_table(values, options, threshold)
            if not base:
                continue
            if base < min_base:
                headline = (
                    f"Too few {noun} answered ‘{q.label}’ to report their answers "
                    f"({plural(base, 'response')})."
                )
            elif q.type == "scale" and {c for c, _l, _p in table} >= set(SCALE_TOP):
                top = proportion(
                    sum(1 for a in values if not isinstance(a, list) and a in SCALE_TOP),
                    base,
                    threshold,
                )
                words = " or ".join(label.lower() for c, label, _p in table if c in SCALE_TOP)
                headline = (
                    f"Asked ‘{q.label}’, {top.display_share} of {noun} answered {words} "
                    f"(95% CI {top.display_interval})."
                    if not top.suppressed
                    else f"Asked ‘{q.label}’, {suppressed_text(threshold)} {noun} answered {words}."
                )
            else:
                c, label, p = max(table, key=lambda r: r[2].count)
                headline = (
                    f"Asked ‘{q.label}’, {share_text(p)} of {noun} answered ‘{label}’, the "
                    f"most common answer (95% CI {p.display_interval})."
                )
            out.append(ClosedTable(code, defn.title, key, q.label, base, table, headline))
    return out
