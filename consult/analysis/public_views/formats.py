"""The public views as plain data: JSON (:func:`to_json`) and CSV (:func:`to_csv`), one
home for both. Each renders a :class:`~consult.analysis.public_views.report.PublicViews`
and reads no database, so neither can reach a held-back response, an unapproved quote or a
theme no analyst has reviewed; suppressed figures leave as words only."""

from __future__ import annotations

import io
import json

from consult.analysis.public_views.figures import Change, Proportion
from consult.analysis.public_views.parts import AUDIENCE_NOUNS, DEFINITIONS, ThemeFigures
from consult.analysis.public_views.report import PublicViews
from consult.spreadsheet import SafeDictWriter


def figure(p: Proportion) -> dict:
    """A share under the report's names: people, of_people, share (see DEFINITIONS)."""
    d = p.to_public_dict()
    return {
        "people": d["count"],
        "of_people": d["base"],
        "share": d["share"],
        "ci_low": d["ci_low"],
        "ci_high": d["ci_high"],
        "suppressed": d["suppressed"],
        "display": d["display"],
    }


def _change_dict(c: Change | None) -> dict | None:
    if c is None:
        return None
    d = c.to_public_dict()
    d["previous"] = figure(c.previous) if c.previous is not None else None
    return d


def to_public_dict(report: PublicViews) -> dict:
    def theme(f: ThemeFigures) -> dict:
        return {
            "label": f.label,
            "priority": f.priority_name,
            "emerging": f.emerging,
            "sentence": f.sentence,
            "answers": f.answers,
            "audiences": {k: figure(p) for k, p in f.audiences.items()},
            "change_since_last_year": {k: _change_dict(c) for k, c in f.changes.items()},
            "differences": [
                {
                    "audience": AUDIENCE_NOUNS[d.audience],
                    "breakdown": d.dimension,
                    "group": d.diff.group,
                    "sentence": d.sentence(AUDIENCE_NOUNS[d.audience]),
                    "group_share": figure(d.diff.share),
                    "rest_share": figure(d.diff.rest),
                    "p_value": round(d.diff.p_value, 4),
                }
                for d in f.differences
            ],
            "quotes": f.quotes,
        }

    r = report.review
    return {
        "run": report.run_id,
        "title": report.title,
        "period": report.period,
        "compared_with": report.baseline_period,
        "definitions": DEFINITIONS,
        "suppression_threshold": report.threshold,
        "minimum_group_size": report.min_base,
        "method": report.method_paragraphs(),
        "review": {
            "themes_suggested": r.themes + r.not_relevant,
            "themes_reviewed": r.reviewed,
            "themes_not_yet_reviewed": r.unreviewed,
            "themes_not_relevant": r.not_relevant,
            "answers": r.answers,
            "answers_in_reviewed_themes": r.in_reviewed,
            "answers_in_unreviewed_themes": r.in_unreviewed,
            "answers_in_no_theme": r.unthemed,
            "quotes_approved": r.quotes_approved,
            "how_reviewed": r.actions,
            "answers_placed_by_hand": r.moved_answers,
        },
        "sample": {
            "responses_by_type": report.responses_by_type,
            "answers": report.n_answers,
            "people": report.n_people,
            "audiences": {
                k: {
                    "responses": a.responses,
                    "people": a.people,
                    "answers": a.answers,
                    "reported": a.reported,
                    "note": None if a.reported else a.too_few_line,
                }
                for k, a in report.audiences.items()
            },
            "surveys": [
                {
                    "survey": s.survey_id,
                    "title": s.title,
                    "audience": AUDIENCE_NOUNS[s.audience],
                    "questions": [{"code": c, "question": label} for c, label in s.questions],
                }
                for s in report.surveys
            ],
        },
        "priorities": {
            AUDIENCE_NOUNS[key]: {
                "ranking": [
                    {
                        "rank": i,
                        "priority": row.name,
                        "themes": row.themes,
                        **figure(row.share),
                        "change_since_last_year": _change_dict(row.change),
                    }
                    for i, row in enumerate(rk.rows, start=1)
                ],
                "raised_by_fewer_than_threshold": rk.few,
            }
            for key, rk in report.rankings.items()
        },
        "themes": [theme(f) for f in report.themes],
        "emerging": [theme(f) for f in report.emerging],
        "breakdowns": [
            {
                "audience": AUDIENCE_NOUNS[b.audience],
                "breakdown": b.dimension,
                "groups": [{"group": g, "people": n} for g, n in b.groups],
                "too_small_to_report": [{"group": g, "people": n} for g, n in b.small],
                "themes": [
                    {
                        "label": f.label,
                        "shares": [
                            {"group": g, **figure(p)}
                            for (g, _n), p in zip(b.groups, b.shares.get(f.id, []), strict=True)
                        ],
                    }
                    for f in report.all_themes
                ],
            }
            for b in report.breakdowns
        ],
        "themes_not_seen_this_year": report.gone,
        "closed_questions": [
            {
                "survey": t.survey,
                "audience": AUDIENCE_NOUNS[t.audience],
                "code": t.code,
                "question": t.label,
                "people_who_answered": t.base,
                "summary": t.headline,
                "answers": [
                    {"code": c, "label": label, **figure(p)} for c, label, p in t.rows
                ]
                if t.base >= report.min_base
                else [],
            }
            for t in report.closed
        ],
    }


CSV_FIELDS = [
    "section",
    "item",
    "audience",
    "breakdown",
    "group",
    "people",
    "of_people",
    "share",
    "ci_low",
    "ci_high",
    "suppressed",
    "display",
    "change",
    "previous_share",
    "p_value",
]


def csv_rows(report: PublicViews) -> list[dict]:
    """One row per published figure. ``people`` out of ``of_people`` is the share (see
    :data:`DEFINITIONS`); the first rows define the words."""
    out: list[dict] = [
        {"section": "definition", "item": word, "display": text}
        for word, text in DEFINITIONS.items()
    ]

    def add(section, item, audience, breakdown, group, p: Proportion, change=None):
        row = {
            "section": section,
            "item": item,
            "audience": audience,
            "breakdown": breakdown,
            "group": group,
            **figure(p),
        }
        if change is not None:
            c = _change_dict(change)
            row["change"] = c["status"]
            row["previous_share"] = c["previous"]["share"] if c["previous"] else None
            row["p_value"] = c["p_value"]
        out.append(row)

    for key, rk in report.rankings.items():
        for r in rk.rows:
            add("priority", r.name, AUDIENCE_NOUNS[key], "", "", r.share, r.change)
    for f in report.all_themes:
        section = "emerging" if f.emerging else "theme"
        for key, p in f.audiences.items():
            add(section, f.label, AUDIENCE_NOUNS[key], "", "", p, f.changes.get(key))
    for b in report.breakdowns:
        for f in report.all_themes:
            for (g, _n), p in zip(b.groups, b.shares.get(f.id, []), strict=True):
                add("breakdown", f.label, AUDIENCE_NOUNS[b.audience], b.dimension, g, p)
    for t in report.closed:
        if t.base < report.min_base:
            continue
        for _code, label, p in t.rows:
            add("closed_question", t.label, AUDIENCE_NOUNS[t.audience], "answer", label, p)
    return [{k: ("" if row.get(k) is None else row.get(k)) for k in CSV_FIELDS} for row in out]


def to_csv(report: PublicViews) -> str:
    out = io.StringIO()
    # A spreadsheet must not run a cell as a formula: the one escape every CSV uses.
    writer = SafeDictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(report))
    return out.getvalue()


def to_json(report: PublicViews) -> str:
    return json.dumps(to_public_dict(report), ensure_ascii=False, indent=2)
