"""Builds the "public views" section (:class:`~.report.PublicViews`) of a run.

:func:`build_report` gathers every figure from reportable responses and **reviewed themes
only** (``Theme.reviewed_at`` set, active, not set aside as not relevant), compares with last
year's reviewed themes, ranks priorities apart from emerging concerns, keeps only the group
breakdowns that differ from the rest of their audience, and picks approved, redacted quotes.

It reads stored data only and never calls the theme engine: last year's themes are matched
to this year's by the ``match`` its caller passes in (``cache`` passes the engine's).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

from flask import current_app
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.models import AnalysisRun, Theme
from consult.analysis.public_views import queries as report_queries
from consult.analysis.public_views.figures import (
    Change,
    Proportion,
    compare,
    figure_fragment,
    figure_sentence,
    group_differences,
    proportion,
)
from consult.analysis.public_views.parts import (
    ACTION_WORDS,
    AUDIENCE_NOUNS,
    AUDIENCES,
    DIMENSIONS,
    TYPE_GROUPS,
    Audience,
    Breakdown,
    Difference,
    PriorityRow,
    Ranking,
    ReviewStatus,
    ThemeFigures,
    audience_of,
)
from consult.analysis.public_views.questions import (
    closed_tables,
    label_maps,
    survey_questions,
)
from consult.analysis.public_views.report import PublicViews


def _priority_names() -> dict[str, str]:
    from consult.analysis.priorities import priority_names

    return priority_names()


def _confirmed_links(db: Session, run: AnalysisRun | None) -> dict[int, str | None]:
    """theme id -> the priority the analyst confirmed (the engine's suggestions never count)."""
    from consult.analysis.priorities import confirmed_links

    return confirmed_links(db, run) if run is not None else {}


def published_themes(db: Session, run_id: int) -> list[Theme]:
    """The only themes any export may show: reviewed, active, relevant."""
    return [
        t for t in queries.themes(db, run_id) if t.reviewed_at is not None and not t.not_relevant
    ]


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


class _People:
    """A run's respondents as sets of ids, so every share is one set intersection."""

    def __init__(self, people, theme_ids: set[int]):
        self.audience: dict[str, set[int]] = {k: set() for k, _, _ in AUDIENCES}
        self.members: dict[int, set[int]] = {t: set() for t in theme_ids}
        self.by_type: dict[str, set[int]] = {}
        self.groups: dict[str, dict[str | None, set[int]]] = {"district": {}, "age_group": {}}
        for r in people:
            key = audience_of(r.respondent_type)
            if key is None:
                continue
            self.audience[key].add(r.id)
            self.by_type.setdefault(r.respondent_type, set()).add(r.id)
            for dim in ("district", "age_group"):
                self.groups[dim].setdefault(r.groups.get(dim), set()).add(r.id)
            for t in r.themes & theme_ids:
                self.members[t].add(r.id)

    def share(self, theme_ids, within: set[int], threshold: int) -> Proportion:
        raised: set[int] = set()
        for t in theme_ids:
            raised |= self.members.get(t, set())
        return proportion(len(raised & within), len(within), threshold)


def _review_status(
    db: Session, run: AnalysisRun, reviewed: list[Theme], quotes, counts
) -> ReviewStatus:
    every = queries.themes(db, run.id)
    relevant = [t for t in every if not t.not_relevant]
    reviewed_ids = {t.id for t in reviewed}
    total, per_theme, _per_type = counts
    in_reviewed = sum(per_theme.get(t.id, 0) for t in reviewed)
    in_relevant = sum(per_theme.get(t.id, 0) for t in relevant)
    in_not_relevant = sum(per_theme.get(t.id, 0) for t in every if t.not_relevant)
    actions: Counter = Counter()
    by_hand = report_queries.placed_by_hand(db, run.id)
    moved = sum(by_hand.get(t, 0) for t in reviewed_ids)
    seen: dict[str, set[int]] = {}
    for e in queries.events(db, run.id):
        if e.theme_id not in reviewed_ids:
            continue
        for names, words, _unit in ACTION_WORDS:
            if e.action in names:
                seen.setdefault(words, set()).add(e.theme_id)
    actions.update({words: len(ids) for words, ids in seen.items()})
    return ReviewStatus(
        themes=len(relevant),
        reviewed=len(reviewed),
        not_relevant=len(every) - len(relevant),
        answers=total - in_not_relevant,
        in_reviewed=in_reviewed,
        in_unreviewed=in_relevant - in_reviewed,
        unthemed=max(0, total - sum(per_theme.get(t.id, 0) for t in every)),
        quotes_approved=sum(len(quotes.get(t.id, [])) for t in reviewed),
        actions=dict(actions),
        moved_answers=moved,
    )


def build_report(db: Session, run: AnalysisRun, *, match: Callable) -> PublicViews:
    """The run's public views. ``match(previous, current, threshold)`` pairs last year's
    themes with this year's (the engine's ``match``: pairs of ids and a similarity)."""
    app = current_app
    threshold = int(app.config.get("SUPPRESSION_THRESHOLD", 5))
    min_base = int(app.config.get("ANALYSIS_REPORT_MIN_BASE", 20))
    alpha = float(app.config.get("ANALYSIS_SIGNIFICANCE", 0.05))
    names = _priority_names()
    links = _confirmed_links(db, run)
    versions = queries.versions(db, run.survey_version_ids or [])
    quotes = queries.publishable_quotes(db, run.id)
    reviewed = published_themes(db, run.id)
    themes = list(reviewed)
    people_list = report_queries.respondents(db, run)
    ids = {t.id for t in themes}
    people = _People(people_list, ids)
    # A theme whose every answer is held back (or moved away) has nothing left to publish.
    themes = [t for t in themes if people.members[t.id]]
    by_survey = report_queries.responses_by_survey(db, run)
    counts = report_queries.answer_counts(db, run.id)
    total_answers, per_theme_answers, per_type_answers = counts

    responses_by_type: Counter = Counter()
    for (_s, t), n in by_survey.items():
        responses_by_type[t] += n
    audiences: dict[str, Audience] = {}
    for key, noun, types in AUDIENCES:
        base = len(people.audience[key])
        audiences[key] = Audience(
            key,
            noun,
            responses=sum(responses_by_type.get(t, 0) for t in types),
            people=base,
            answers=sum(per_type_answers.get(t, 0) for t in types),
            reported=base >= max(min_base, 1),
        )
    reported = [k for k, a in audiences.items() if a.reported]

    # Last year: its reviewed themes only (what was published then).
    baseline = queries.baseline_run_for(db, run)
    baseline_note = None
    base_themes: list[Theme] = []
    pairs: dict[int, int] = {}
    base_people = None
    base_links: dict[int, str | None] = {}
    if baseline is not None:
        base_themes = published_themes(db, baseline.id)
        base_links = _confirmed_links(db, baseline)
        if not base_themes:
            baseline_note = (
                f"No change since {baseline.period} is shown: none of that year's themes was "
                "reviewed, so there is no published figure to compare with."
            )
            baseline = None
    if baseline is not None:
        # Matched against every current theme, reviewed or not: last year's theme is "not
        # seen this year" only when nothing this year matches it.
        current = [t for t in queries.themes(db, run.id) if not t.not_relevant]
        pairs = match_baseline(
            current, base_themes, match, float(app.config.get("ANALYSIS_MATCH_THRESHOLD", 0.7))
        )
        base_people = _People(report_queries.respondents(db, baseline), {t.id for t in base_themes})
    last_year = f"in {baseline.period}" if baseline is not None else "last year"

    def base_reported(key: str) -> bool:
        return base_people is not None and len(base_people.audience[key]) >= max(min_base, 1)

    def change(key: str, current: Proportion, prev_ids: list[int]) -> Change | None:
        if not base_reported(key):
            return None
        if not prev_ids:
            return compare(current, None, alpha)
        prev = base_people.share(prev_ids, base_people.audience[key], threshold)
        return compare(current, prev, alpha)

    # Breakdowns: every reported audience by every dimension, groups big enough to report.
    labels = label_maps(db, run)
    breakdowns: list[Breakdown] = []
    for key in reported:
        within = people.audience[key]
        for dim, title, _phrase in DIMENSIONS:
            if dim == "respondent_type":
                raw = {TYPE_GROUPS.get(t, t): s & within for t, s in people.by_type.items()}
                order = list(TYPE_GROUPS.values())
            else:
                label, order = labels[dim]
                raw = {}
                for value, s in people.groups[dim].items():
                    name = label(value)
                    if name is not None and s & within:
                        raw.setdefault(name, set()).update(s & within)
            named = [g for g in order if g in raw] + sorted(g for g in raw if g not in order)
            named = [g for g in named if raw[g]]
            if len(named) < 2:
                continue
            b = Breakdown(
                key,
                dim,
                title,
                groups=[(g, len(raw[g])) for g in named if len(raw[g]) >= min_base],
                small=[(g, len(raw[g])) for g in named if len(raw[g]) < min_base],
            )
            b.sets = {g: raw[g] for g, _n in b.groups}
            breakdowns.append(b)

    figures: list[ThemeFigures] = []
    for theme in themes:
        per_audience = {
            key: people.share([theme.id], people.audience[key], threshold) for key in reported
        }
        prev_id = pairs.get(theme.id)
        changes = {}
        for key, p in per_audience.items():
            c = change(key, p, [prev_id] if prev_id is not None else [])
            if c is not None:
                changes[key] = c
        fragments = [
            figure_fragment(AUDIENCE_NOUNS[k], p, changes.get(k), last_year)
            for k, p in per_audience.items()
        ]
        differences = []
        for b in breakdowns:
            within = people.audience[b.audience]
            row, tests = [], []
            for g, _n in b.groups:
                s = b.sets[g]
                p = people.share([theme.id], s, threshold)
                row.append(p)
                tests.append((g, p, people.share([theme.id], within - s, threshold)))
            b.shares[theme.id] = row
            phrase = next(ph for d, _t, ph in DIMENSIONS if d == b.dimension)
            for d in group_differences(tests, alpha, min_base):
                group = d.group if b.dimension == "district" else d.group[:1].lower() + d.group[1:]
                differences.append(Difference(b.audience, b.dimension, phrase.format(group), d))
        figures.append(
            ThemeFigures(
                id=theme.id,
                label=theme.label,
                priority=links.get(theme.id),
                priority_name=names.get(links.get(theme.id)) if links.get(theme.id) else None,
                emerging=theme.emerging or not theme.priority,
                audiences=per_audience,
                changes=changes,
                sentence=figure_sentence(theme.label, fragments),
                quotes=[q.redacted_text for q in quotes.get(theme.id, [])][:3],
                differences=differences,
                answers=per_theme_answers.get(theme.id, 0),
                baseline_label=next(
                    (b.label for b in base_themes if b.id == prev_id), None
                ),
            )
        )
    figures.sort(key=lambda f: (-f.order_share, f.label))

    # Priorities, ranked per audience; emerging themes are never in the ranking.
    rankings: dict[str, Ranking] = {}
    # Only links the analyst confirmed count; the engine's suggestions wait for them.
    linked = [t for t in themes if links.get(t.id)]
    base_linked = [t for t in base_themes if base_links.get(t.id)]
    for key in reported:
        rows = []
        for pkey in dict.fromkeys(links[t.id] for t in linked):
            t_ids = [t.id for t in linked if links[t.id] == pkey]
            share = people.share(t_ids, people.audience[key], threshold)
            prev_ids = [t.id for t in base_linked if base_links[t.id] == pkey]
            rows.append(
                PriorityRow(
                    pkey,
                    names.get(pkey, pkey),
                    share,
                    change(key, share, prev_ids),
                    [t.label for t in linked if links[t.id] == pkey],
                )
            )
        rows.sort(key=lambda r: (-r.share.count, r.name))
        rankings[key] = Ranking(
            key,
            [r for r in rows if not r.share.suppressed],
            [r.name for r in rows if r.share.suppressed],
        )

    gone = [b.label for b in base_themes if b.id not in set(pairs.values())]
    closed = closed_tables(db, run, versions, audiences, threshold, min_base)
    answered = report_queries.answered_between(db, run)
    return PublicViews(
        run_id=run.id,
        title=run.title,
        partnership=app.config.get("PARTNERSHIP_NAME", "Community Safety Partnership"),
        period=run.period,
        baseline_period=baseline.period if baseline is not None else None,
        baseline_note=baseline_note,
        threshold=threshold,
        min_base=min_base,
        alpha=alpha,
        surveys=survey_questions(db, run, by_survey),
        opens=answered[0],
        closes=answered[1],
        responses_by_type=dict(responses_by_type),
        audiences=audiences,
        n_answers=total_answers,
        n_people=len(people_list),
        review=_review_status(db, run, reviewed, quotes, counts),
        themes=[f for f in figures if not f.emerging],
        emerging=[f for f in figures if f.emerging],
        rankings=rankings,
        breakdowns=breakdowns,
        closed=closed,
        gone=gone,
        generated_at=dt.datetime.now(),
    )

