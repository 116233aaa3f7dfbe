"""The "public views" section of the strategic assessment, as data.

:func:`build_report` gathers every figure from reportable responses only, suppresses small
counts, compares with last year's analysed run and picks approved, redacted quotes. The web
page, the Word document, the CSV and the JSON are all rendered from the same
:class:`PublicViews`, so they cannot disagree, and nothing reaches any of them except
through :meth:`Proportion.to_public_dict` and :func:`queries.publishable_quotes`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.models import AnalysisRun, Theme
from consult.analysis.stats import (
    GROWING,
    NEW,
    SHRINKING,
    Change,
    Proportion,
    Respondent,
    closed_question_table,
    compare,
    proportion,
    shares_by,
    suppressed_text,
    theme_sentence,
)
from consult.survey_store import definition_of

# Who the report speaks of. Imported responses (paper forms, other tools) are residents'.
AUDIENCES = [
    ("residents", "residents", ("resident", "imported")),
    ("young_people", "young people", ("pupil",)),
]
AUDIENCE_NOUNS = {key: noun for key, noun, _ in AUDIENCES}
TYPE_LABELS = {
    "resident": "Residents (online)",
    "pupil": "Young people (school sessions)",
    "imported": "Residents (paper and other)",
}


def audience_of(respondent_type: str) -> str | None:
    for key, _, types in AUDIENCES:
        if respondent_type in types:
            return key
    return None


@dataclass
class ThemeFigures:
    id: int
    label: str
    priority: str | None
    priority_name: str | None
    emerging: bool
    overall: Proportion
    audiences: dict[str, Proportion]
    by_district: list[tuple[str, Proportion]]
    by_age: list[tuple[str, Proportion]]
    by_type: list[tuple[str, Proportion]]
    changes: dict[str, Change] = field(default_factory=dict)
    sentences: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    baseline_label: str | None = None

    @property
    def change_status(self) -> str | None:
        statuses = [c.status for c in self.changes.values()]
        for s in (NEW, GROWING, SHRINKING):
            if s in statuses:
                return s
        return statuses[0] if statuses else None


@dataclass
class PriorityRow:
    key: str
    name: str
    emerging: bool
    share: Proportion
    themes: list[str]


@dataclass
class ClosedTable:
    code: str
    label: str
    base: int
    rows: list[tuple[str, str, Proportion]]


@dataclass
class PublicViews:
    run_id: int
    title: str
    partnership: str
    period: str
    baseline_period: str | None
    threshold: int
    survey_titles: list[str]
    questions: list[tuple[str, str]]
    opens: dt.date | None
    closes: dt.date | None
    responses_by_type: dict[str, int]
    audience_bases: dict[str, int]
    n_respondents: int
    themes: list[ThemeFigures]
    priorities: dict[str, list[PriorityRow]]
    closed: list[ClosedTable]
    gone: list[str]
    generated_at: dt.datetime

    @property
    def total_responses(self) -> int:
        return sum(self.responses_by_type.values())

    def audience_noun(self, key: str) -> str:
        return AUDIENCE_NOUNS[key]

    def method_paragraphs(self) -> list[str]:
        t = self.threshold
        fmt = _count_words
        surveys = " and the ".join(self.survey_titles)
        when = ""
        if self.opens and self.closes:
            when = f" between {_date(self.opens)} and {_date(self.closes)}"
        parts = [
            f"The {self.partnership} asked people what it should prioritise through the "
            f"{surveys}{when}. {fmt(self.total_responses, t, 'response')} "
            "were received: "
            + ", ".join(
                f"{fmt(n, t, 'response', plural_only=True)} from {TYPE_LABELS.get(k, k).lower()}"
                for k, n in sorted(self.responses_by_type.items())
            )
            + ".",
            f"{fmt(self.n_respondents, t, 'person', plural='people')} wrote an answer in their "
            "own words to "
            + ("the question " if len(self.questions) == 1 else "at least one of the questions ")
            + "; ".join(f"‘{label}’" for _, label in self.questions)
            + ". Their answers were grouped into themes with a text-analysis tool after names "
            "and other personal details were removed, and every theme was checked and named "
            "by an analyst. Shares are of the people who wrote an answer.",
            "People chose whether to take part: respondents select themselves, so these "
            "results describe the people who responded and may not represent everyone who "
            "lives, works or studies in the area. The 95% confidence intervals show the "
            "uncertainty that comes from the number of people who answered; they do not "
            "correct for who chose to respond.",
            f"To protect people's identity, counts under {t} are not shown: they appear as "
            f"‘{suppressed_text(t)}’. Quotes are anonymised and were approved by an analyst "
            "before publication.",
        ]
        if self.baseline_period:
            parts.append(
                f"Changes are against the {self.baseline_period} survey. A change is described "
                "as a rise or a fall only when a two-proportion test shows it is unlikely to be "
                "chance (p < 0.05)."
            )
        return parts


def _date(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def _count_words(
    n: int, threshold: int, noun: str, plural: str | None = None, plural_only: bool = False
) -> str:
    if n < threshold:
        return f"{suppressed_text(threshold)} {plural or noun + 's'}"
    word = noun if (n == 1 and not plural_only) else (plural or noun + "s")
    return f"{n:,} {word}"


def _priority_names() -> dict[str, str]:
    from consult.analysis.priorities import priority_names

    return priority_names()


def _audience_split(people: list[Respondent]) -> dict[str, list[Respondent]]:
    out: dict[str, list[Respondent]] = {key: [] for key, _, _ in AUDIENCES}
    for r in people:
        key = audience_of(r.respondent_type)
        if key:
            out[key].append(r)
    return out


def _labels(db: Session, run: AnalysisRun):
    lookup = queries.question_lookup(queries.versions(db, run.survey_version_ids or []))

    def district(r: Respondent) -> str | None:
        return queries.option_label(lookup, "district", r.groups.get("district"))

    def age(r: Respondent) -> str | None:
        code = r.groups.get("age_group")
        if code is None:
            return None
        for c in queries.AGE_CODES:
            q = lookup.get(c)
            if q is not None and any(o.code == code for o in q.options or []):
                return q.option_label(code)
        return code

    def rtype(r: Respondent) -> str:
        return TYPE_LABELS.get(r.respondent_type, r.respondent_type)

    return lookup, district, age, rtype


def _option_order(lookup: dict, codes) -> list[str]:
    order = []
    for c in codes:
        q = lookup.get(c)
        if q is not None:
            order += [o.label for o in q.options or []]
    return order


def match_baseline(
    current: list[Theme], previous: list[Theme], match: Callable, threshold: float
) -> dict[int, int]:
    """current theme id -> last year's theme id: the same (curated) name first, then the
    closest centroid."""
    pairs: dict[int, int] = {}
    by_label = {t.label.strip().casefold(): t for t in previous}
    for t in current:
        hit = by_label.get(t.label.strip().casefold())
        if hit is not None and hit.id not in pairs.values():
            pairs[t.id] = hit.id
    rest_cur = [t for t in current if t.id not in pairs]
    rest_prev = [t for t in previous if t.id not in pairs.values()]
    if rest_cur and rest_prev:
        for p, c, _sim in match(rest_prev, rest_cur, threshold):
            if p is not None and c is not None:
                pairs[c] = p
    return pairs


def build_report(db: Session, run: AnalysisRun, *, match: Callable | None = None) -> PublicViews:
    app = current_app
    threshold = int(app.config.get("SUPPRESSION_THRESHOLD", 5))
    alpha = float(app.config.get("ANALYSIS_SIGNIFICANCE", 0.05))
    names = _priority_names()
    versions = queries.versions(db, run.survey_version_ids or [])
    lookup, district, age, rtype = _labels(db, run)
    people = queries.respondents(db, run)
    split = _audience_split(people)
    themes = [t for t in queries.themes(db, run.id) if not t.not_relevant]
    quotes = queries.publishable_quotes(db, run.id)

    baseline = queries.baseline_run_for(db, run)
    base_people: dict[str, list[Respondent]] = {}
    pairs: dict[int, int] = {}
    base_themes: list[Theme] = []
    if baseline is not None:
        if match is None:
            from consult.analysis.engine import get_engine

            match = get_engine().match
        base_themes = [t for t in queries.themes(db, baseline.id) if not t.not_relevant]
        pairs = match_baseline(
            themes, base_themes, match, float(app.config.get("ANALYSIS_MATCH_THRESHOLD", 0.7))
        )
        base_people = _audience_split(queries.respondents(db, baseline))

    district_order = _option_order(lookup, queries.DISTRICT_CODES)
    age_order = _option_order(lookup, queries.AGE_CODES)
    figures: list[ThemeFigures] = []
    for theme in themes:
        overall = proportion(sum(1 for r in people if theme.id in r.themes), len(people), threshold)
        per_audience = {}
        changes = {}
        for key, _noun, _types in AUDIENCES:
            group = split[key]
            if not group:
                continue
            per_audience[key] = proportion(
                sum(1 for r in group if theme.id in r.themes), len(group), threshold
            )
            if baseline is not None and base_people.get(key):
                prev_id = pairs.get(theme.id)
                prev = None
                if prev_id is not None:
                    bgroup = base_people[key]
                    prev = proportion(
                        sum(1 for r in bgroup if prev_id in r.themes), len(bgroup), threshold
                    )
                changes[key] = compare(per_audience[key], prev, alpha)
        sentences = [
            theme_sentence(theme.label, AUDIENCE_NOUNS[key], p, changes.get(key), "last year")
            for key, p in per_audience.items()
            if len(split[key]) >= threshold
        ]
        figures.append(
            ThemeFigures(
                id=theme.id,
                label=theme.label,
                priority=theme.priority,
                priority_name=names.get(theme.priority) if theme.priority else None,
                emerging=theme.emerging,
                overall=overall,
                audiences=per_audience,
                by_district=shares_by(people, theme.id, district, threshold, district_order),
                by_age=shares_by(people, theme.id, age, threshold, age_order),
                by_type=shares_by(people, theme.id, rtype, threshold, list(TYPE_LABELS.values())),
                changes=changes,
                sentences=sentences,
                quotes=[q.redacted_text for q in quotes.get(theme.id, [])],
                baseline_label=next(
                    (b.label for b in base_themes if b.id == pairs.get(theme.id)), None
                ),
            )
        )
    figures.sort(key=lambda f: (-f.overall.share, f.label))

    gone = [b.label for b in base_themes if b.id not in set(pairs.values())]

    priorities = {}
    for key, _noun, _types in AUDIENCES:
        group = split[key]
        if not group:
            continue
        rows: dict[str, PriorityRow] = {}
        for theme in themes:
            if theme.priority:
                row = rows.setdefault(
                    theme.priority,
                    PriorityRow(
                        theme.priority,
                        names.get(theme.priority, theme.priority),
                        False,
                        proportion(0, 0, threshold),
                        [],
                    ),
                )
            else:
                row = rows.setdefault(
                    f"theme:{theme.id}",
                    PriorityRow(
                        f"theme:{theme.id}", theme.label, True, proportion(0, 0, threshold), []
                    ),
                )
            row.themes.append(theme.label)
        for row in rows.values():
            ids = {t.id for t in themes if (t.priority or f"theme:{t.id}") == row.key}
            row.share = proportion(sum(1 for r in group if r.themes & ids), len(group), threshold)
        priorities[key] = sorted(rows.values(), key=lambda r: (-r.share.share, r.name))

    closed = []
    wanted = app.config["ANALYSIS_CLOSED_QUESTIONS"]
    for code in wanted:
        q = lookup.get(code)
        if q is None or not q.options:
            continue
        values = [v for _, v in queries.closed_answers(db, run, code)]
        base, rows = closed_question_table(
            values, [(o.code, o.label) for o in q.options], threshold
        )
        if base:
            closed.append(ClosedTable(code, q.label, base, rows))

    defs = [definition_of(v) for v in versions]
    question_labels = [(c, lookup[c].label) for c in run.question_codes or [] if c in lookup]
    responses_by_type = dict(queries.respondent_type_counts(db, run))
    return PublicViews(
        run_id=run.id,
        title=run.title,
        partnership=app.config.get("PARTNERSHIP_NAME", "Community Safety Partnership"),
        period=run.period,
        baseline_period=baseline.period if baseline is not None else None,
        threshold=threshold,
        survey_titles=list(dict.fromkeys(d.title for d in defs)),
        questions=question_labels,
        opens=min((d.opens for d in defs), default=None),
        closes=max((d.closes for d in defs), default=None),
        responses_by_type=responses_by_type,
        audience_bases={k: len(v) for k, v in split.items() if v},
        n_respondents=len(people),
        themes=figures,
        priorities=priorities,
        closed=closed,
        gone=gone,
        generated_at=dt.datetime.now(),
    )


# --- the figures as plain data (JSON and CSV) -------------------------------
def to_public_dict(report: PublicViews) -> dict:
    def rows(pairs):
        return [{"group": g, **p.to_public_dict()} for g, p in pairs]

    return {
        "run": report.run_id,
        "title": report.title,
        "period": report.period,
        "compared_with": report.baseline_period,
        "suppression_threshold": report.threshold,
        "method": report.method_paragraphs(),
        "sample": {
            "responses_by_type": {
                k: (n if n >= report.threshold else suppressed_text(report.threshold))
                for k, n in report.responses_by_type.items()
            },
            "respondents_with_free_text": report.n_respondents
            if report.n_respondents >= report.threshold
            else suppressed_text(report.threshold),
            "questions": [{"code": c, "label": label} for c, label in report.questions],
        },
        "priorities": {
            key: [
                {
                    "priority": r.name,
                    "emerging": r.emerging,
                    "themes": r.themes,
                    **r.share.to_public_dict(),
                }
                for r in rows_
            ]
            for key, rows_ in report.priorities.items()
        },
        "themes": [
            {
                "label": f.label,
                "priority": f.priority_name,
                "emerging": f.emerging,
                "overall": f.overall.to_public_dict(),
                "audiences": {k: p.to_public_dict() for k, p in f.audiences.items()},
                "by_district": rows(f.by_district),
                "by_age_group": rows(f.by_age),
                "by_respondent_type": rows(f.by_type),
                "change_since_last_year": {k: c.to_public_dict() for k, c in f.changes.items()},
                "sentences": f.sentences,
                "quotes": f.quotes,
            }
            for f in report.themes
        ],
        "themes_not_seen_this_year": report.gone,
        "closed_questions": [
            {
                "code": t.code,
                "question": t.label,
                "base": t.base if t.base >= report.threshold else None,
                "answers": [
                    {"code": c, "label": label, **p.to_public_dict()} for c, label, p in t.rows
                ],
            }
            for t in report.closed
        ],
    }


CSV_FIELDS = [
    "section",
    "item",
    "breakdown",
    "group",
    "count",
    "base",
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
    out = []

    def add(section, item, breakdown, group, p: Proportion, change: Change | None = None):
        row = {"section": section, "item": item, "breakdown": breakdown, "group": group}
        public = p.to_public_dict()
        row.update(
            {
                k: public[k]
                for k in ("count", "base", "share", "ci_low", "ci_high", "suppressed", "display")
            }
        )
        if change is not None:
            c = change.to_public_dict()
            row["change"] = c["status"]
            prev = c["previous"]
            row["previous_share"] = prev["share"] if prev else None
            row["p_value"] = c["p_value"]
        out.append(row)

    for key, rows in report.priorities.items():
        for r in rows:
            add("priority", r.name, "audience", AUDIENCE_NOUNS[key], r.share)
    for f in report.themes:
        add("theme", f.label, "all", "All respondents", f.overall)
        for key, p in f.audiences.items():
            add("theme", f.label, "audience", AUDIENCE_NOUNS[key], p, f.changes.get(key))
        for name, pairs in (
            ("district", f.by_district),
            ("age_group", f.by_age),
            ("respondent_type", f.by_type),
        ):
            for group, p in pairs:
                add("theme", f.label, name, group, p)
    for t in report.closed:
        for _code, label, p in t.rows:
            add("closed_question", t.label, "answer", label, p)
    return [{k: ("" if row.get(k) is None else row.get(k)) for k in CSV_FIELDS} for row in out]
