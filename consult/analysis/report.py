"""The "public views" section of the strategic assessment, as data.

:func:`build_report` gathers every figure from reportable responses and **reviewed themes
only** (``Theme.reviewed_at`` set, active, not set aside as not relevant), compares with last
year's reviewed themes, ranks priorities apart from emerging concerns, keeps only the group
breakdowns that differ from the rest of their audience, and picks approved, redacted quotes.
The web page, the Word document, the CSV and the JSON all render the same
:class:`PublicViews`, so they cannot disagree. :mod:`report_cache` builds it once per
change (see :func:`report_queries.fingerprint`), not once per view.

Words, everywhere: an *answer* is what one person wrote to one question; *people* are those
who wrote at least one answer; a *share* is the people whose answers raised something, out of
the people in that group who wrote an answer (a person counts once however many of their
answers raised it).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.orm import Session

from consult.analysis import queries, report_queries
from consult.analysis.models import AnalysisRun, Theme
from consult.analysis.stats import (
    Change,
    GroupDifference,
    Proportion,
    compare,
    figure_fragment,
    figure_sentence,
    group_differences,
    percent,
    proportion,
    suppressed_text,
)
from consult.survey_store import definition_of

# Who the report speaks of. Imported responses (paper forms, other tools) are residents'.
AUDIENCES = [
    ("residents", "residents", ("resident", "imported")),
    ("young_people", "young people", ("pupil",)),
]
AUDIENCE_NOUNS = {key: noun for key, noun, _ in AUDIENCES}
AUDIENCE_ONE = {"residents": "resident", "young_people": "young person"}
TYPE_LABELS = {
    "resident": "Residents (online)",
    "pupil": "Young people (school sessions)",
    "imported": "Residents (on paper or another way)",
}
TYPE_HOW = {
    "resident": "online",
    "imported": "on paper or another way",
    "pupil": "in school sessions",
}
# How a breakdown's group reads after the audience noun ("residents in Adur").
DIMENSIONS = [
    ("district", "District", "in {}"),
    ("age_group", "Age group", "aged {}"),
    ("respondent_type", "How they answered", "who answered {}"),
]
# Groups of the "how they answered" breakdown: they read after "who answered".
TYPE_GROUPS = {"resident": "online", "imported": "on paper or another way", "pupil": "at school"}
TOP_PRIORITIES = 5
DEFINITIONS = {
    "answer": "What one person wrote to one question. A person could answer more than one "
    "question, so there are more answers than people.",
    "people": "People who wrote at least one answer in their own words.",
    "share": "The people whose answers raised a theme or priority, out of the people in that "
    "group who wrote an answer. A person counts once however many of their answers raised it.",
}
# What the analyst's actions are called in the method, by ThemeEvent.action.
ACTION_WORDS = [
    (("confirm", "review", "confirm_theme"), "confirmed as suggested", "theme"),
    (("rename",), "renamed", "theme"),
    (("merge",), "made by merging suggested themes", "theme"),
    (("split",), "split into separate themes", "theme"),
    (("link_priority",), "linked to a priority by hand", "theme"),
    (("mark_emerging",), "marked as emerging", "theme"),
    (("new_theme",), "made by the analyst", "theme"),
]


def audience_of(respondent_type: str) -> str | None:
    for key, _, types in AUDIENCES:
        if respondent_type in types:
            return key
    return None


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# --- the data -------------------------------
@dataclass
class Audience:
    key: str
    noun: str
    responses: int  # who answered the survey
    people: int  # who wrote at least one answer in their own words
    answers: int
    reported: bool  # enough people to report shares

    @property
    def too_few_line(self) -> str:
        return (
            f"Too few {self.noun} answered to report their themes "
            f"({plural(self.people, 'response')})."
        )


@dataclass
class Breakdown:
    """One audience by one dimension: the groups with enough people to report, and the
    groups too small to report (named in one line)."""

    audience: str
    dimension: str
    title: str
    groups: list[tuple[str, int]]  # (group, people)
    small: list[tuple[str, int]]
    # theme id -> share in each reported group, in the order of ``groups``
    shares: dict[int, list[Proportion]] = field(default_factory=dict)
    sets: dict[str, set[int]] = field(default_factory=dict, repr=False)


@dataclass
class Difference:
    audience: str
    dimension: str
    phrase: str
    diff: GroupDifference

    def sentence(self, noun: str) -> str:
        d = self.diff
        more = "more" if d.higher else "less"
        rest = (
            f"{suppressed_text(d.rest.threshold)} of the other {d.rest.base:,} {noun}"
            if d.rest.suppressed
            else d.rest.display_share
        )
        return (
            f"{noun.capitalize()} {self.phrase} raised it {more} often than other {noun}: "
            f"{d.share.display_share} (95% CI {d.share.display_interval}) against {rest}."
        )


@dataclass
class ThemeFigures:
    id: int
    label: str
    priority: str | None
    priority_name: str | None
    emerging: bool
    audiences: dict[str, Proportion]
    changes: dict[str, Change]
    sentence: str
    quotes: list[str]
    differences: list[Difference]
    answers: int
    baseline_label: str | None = None

    @property
    def order_share(self) -> float:
        return max((p.share for p in self.audiences.values()), default=0.0)


@dataclass
class PriorityRow:
    key: str
    name: str
    share: Proportion
    change: Change | None
    themes: list[str]


@dataclass
class Ranking:
    """An audience's priorities, most raised first (emerging concerns are never in it)."""

    audience: str
    rows: list[PriorityRow]  # shown
    few: list[str]  # raised by fewer than the threshold: named in one line

    @property
    def top(self) -> list[PriorityRow]:
        return self.rows[:TOP_PRIORITIES]


@dataclass
class ClosedTable:
    code: str
    survey: str
    audience: str
    label: str
    base: int
    rows: list[tuple[str, str, Proportion]]
    headline: str

    @property
    def shown(self) -> list[tuple[str, str, Proportion]]:
        return [r for r in self.rows if not r[2].suppressed]

    @property
    def few(self) -> list[str]:
        return [label for _c, label, p in self.rows if p.suppressed]


@dataclass
class ReviewStatus:
    themes: int  # suggested themes still in play (active, relevant)
    reviewed: int
    not_relevant: int
    answers: int  # substantive answers
    in_reviewed: int
    in_unreviewed: int
    unthemed: int
    quotes_approved: int
    actions: dict[str, int]
    moved_answers: int  # answers the analyst placed in a reviewed theme by hand

    @property
    def unreviewed(self) -> int:
        return self.themes - self.reviewed

    @property
    def unreviewed_answer_share(self) -> float:
        return (self.in_unreviewed + self.unthemed) / self.answers if self.answers else 0.0


@dataclass
class SurveyQuestions:
    survey_id: str
    title: str
    audience: str
    how: str  # "online and on paper", "in school sessions"
    questions: list[tuple[str, str]]  # (code, the question as this survey asked it)

    @property
    def audience_noun(self) -> str:
        return AUDIENCE_NOUNS[self.audience]


@dataclass
class PublicViews:
    run_id: int
    title: str
    partnership: str
    period: str
    baseline_period: str | None
    baseline_note: str | None
    threshold: int
    min_base: int
    alpha: float
    surveys: list[SurveyQuestions]
    opens: dt.date | None  # the first and last day a reported response arrived
    closes: dt.date | None
    responses_by_type: dict[str, int]
    audiences: dict[str, Audience]
    n_answers: int
    n_people: int
    review: ReviewStatus
    themes: list[ThemeFigures]  # reviewed themes linked to a priority, most raised first
    emerging: list[ThemeFigures]  # reviewed themes no priority covers
    rankings: dict[str, Ranking]
    breakdowns: list[Breakdown]
    closed: list[ClosedTable]
    gone: list[str]
    generated_at: dt.datetime
    fingerprint: str = ""

    @property
    def total_responses(self) -> int:
        return sum(self.responses_by_type.values())

    @property
    def all_themes(self) -> list[ThemeFigures]:
        return self.themes + self.emerging

    @property
    def reported(self) -> list[Audience]:
        return [a for a in self.audiences.values() if a.reported]

    @property
    def too_few(self) -> list[Audience]:
        return [a for a in self.audiences.values() if not a.reported and a.responses]

    def audience_noun(self, key: str) -> str:
        return AUDIENCE_NOUNS[key]

    @property
    def last_year(self) -> str:
        return f"in {self.baseline_period}" if self.baseline_period else "last year"

    # --- words shared by every format -------------------------------
    def who_answered(self) -> str:
        parts = []
        for s in self.surveys:
            a = self.audiences.get(s.audience)
            if a is None or not a.responses:
                continue
            one = AUDIENCE_ONE[s.audience]
            n = a.responses
            who = f"{n:,} {one if n == 1 else a.noun}"
            parts.append(f"{who} answered the {s.title} {s.how}")
        when = ""
        if self.opens and self.closes and self.opens == self.closes:
            when = f" on {_date(self.opens)}"
        elif self.opens and self.closes:
            when = f" between {_date(self.opens)} and {_date(self.closes)}"
        text = f"{_join(parts)}{when}." if parts else "Nobody has answered yet."
        wrote = [
            f"{a.people:,} {AUDIENCE_ONE[a.key] if a.people == 1 else a.noun}"
            for a in self.audiences.values()
            if a.responses
        ]
        if wrote:
            text += (
                f" {_join(wrote)} wrote at least one answer in their own words: "
                f"{plural(self.n_answers, 'answer')} from "
                f"{plural(self.n_people, 'person', 'people')}"
            )
            if self.n_answers != self.n_people:
                text += (
                    " (a person could answer more than one question, so there are more "
                    "answers than people)"
                )
            text += "."
        return text

    def closed_lines(self) -> list[str]:
        """One line per closed question with enough answers to report, then
        :meth:`closed_too_few`."""
        return [t.headline for t in self.closed if t.base >= self.min_base] + (
            self.closed_too_few()
        )

    def closed_too_few(self) -> list[str]:
        """One line per survey whose audience was too few to report its closed questions
        (never a line per question saying so)."""
        small: dict[tuple[str, str], list[ClosedTable]] = {}
        for t in self.closed:
            if t.base < self.min_base:
                small.setdefault((t.survey, t.audience), []).append(t)
        return [
            f"Too few {AUDIENCE_NOUNS[audience]} answered the {survey} to report their "
            f"answers to its {plural(len(tables), 'tick-box question')} "
            f"({plural(max(t.base for t in tables), 'response')})."
            for (survey, audience), tables in small.items()
        ]

    @staticmethod
    def caveat() -> str:
        return (
            "People chose whether to take part: respondents select themselves, so these are "
            "the views of the people who answered, not a representative sample of everyone "
            "who lives, works or studies in the area."
        )

    def review_paragraph(self) -> str:
        r = self.review
        done = []
        for _actions, words, _unit in ACTION_WORDS:
            n = r.actions.get(words, 0)
            if n:
                done.append(f"{n:,} {words}")
        how = f" ({'; '.join(done)})" if done else ""
        text = (
            f"The text-analysis tool suggested {plural(r.themes + r.not_relevant, 'theme')}. "
            f"An analyst reviewed {r.reviewed:,} of them{how}: read their answers, and confirmed "
            "or named each one"
        )
        if r.moved_answers:
            text += f", placing {plural(r.moved_answers, 'answer')} in their theme by hand"
        text += (
            f". Only the {plural(r.reviewed, 'reviewed theme')} are reported here: they hold "
            f"{r.in_reviewed:,} of the {plural(r.answers, 'answer')} "
            f"({percent(_ratio(r.in_reviewed, r.answers))})."
        )
        rest = []
        if r.unreviewed:
            rest.append(
                f"{plural(r.unreviewed, 'theme')} not yet reviewed "
                f"({plural(r.in_unreviewed, 'answer')}, "
                f"{percent(_ratio(r.in_unreviewed, r.answers))})"
            )
        if r.unthemed:
            rest.append(
                f"{plural(r.unthemed, 'answer')} that fit no theme "
                f"({percent(_ratio(r.unthemed, r.answers))})"
            )
        if rest:
            text += f" Not reported: {_join(rest)}."
        if r.not_relevant:
            text += f" {plural(r.not_relevant, 'suggested theme')} set aside as not relevant."
        if r.quotes_approved:
            text += f" The analyst approved {plural(r.quotes_approved, 'quote')} for publication."
        return text

    def questions_paragraphs(self) -> list[str]:
        out = []
        for s in self.surveys:
            if not s.questions:
                continue
            asked = _join([f"‘{label}’" for _c, label in s.questions])
            word = "question" if len(s.questions) == 1 else "questions"
            out.append(f"The {s.title} asked {s.audience_noun} the {word} {asked}.")
        return out

    def method_paragraphs(self) -> list[str]:
        t = self.threshold
        parts = [self.who_answered(), *self.questions_paragraphs()]
        parts.append(
            "Names, phone numbers, addresses and other personal details were removed from the "
            "answers before anything else was done with them. A text-analysis tool grouped the "
            "answers into themes. " + self.review_paragraph()
        )
        parts.append(
            "Shares are of people, not answers: the people in a group whose answers raised a "
            "theme, out of the people in that group who wrote an answer. A priority's share "
            "counts the people who raised any of its reviewed themes. "
            f"Shares are reported for groups of at least {self.min_base} people; a smaller "
            "group is named with its number of responses instead."
        )
        parts.append(
            self.caveat() + " The 95% confidence intervals (CI) show the uncertainty that comes "
            "from the number of people who answered; they do not correct for who chose to "
            "respond. Priorities are ranked by share; where intervals overlap, the order could "
            "be chance."
        )
        parts.append(
            "A breakdown (by district, age group or how people answered) is shown under a theme "
            "only where a group's share differs from that of everyone else in the same audience: "
            f"a two-proportion z-test at the {100 * (1 - self.alpha):.0f}% level, with the "
            "Holm–Bonferroni correction across the groups of each breakdown, for groups of at "
            f"least {self.min_base} people. All breakdowns are in the annex."
        )
        parts.append(
            f"To protect people's identity, when fewer than {t} people raised something the "
            f"number is not shown: it reads ‘{suppressed_text(t)}’. Quotes are anonymised and "
            "were approved by an analyst before publication."
        )
        if self.baseline_period:
            parts.append(
                f"Changes are against the reviewed themes of the {self.baseline_period} "
                "survey. A change is called a rise or a fall only when a two-proportion z-test "
                f"shows it is unlikely to be chance (p < {self.alpha:g})."
            )
        elif self.baseline_note:
            parts.append(self.baseline_note)
        return parts


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _date(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --- building it -------------------------------
def _priority_names() -> dict[str, str]:
    from consult.analysis.priorities import priority_names

    return priority_names()


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


def _survey_questions(db: Session, run: AnalysisRun, by_survey: Counter) -> list[SurveyQuestions]:
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
        asked = [(c, lookup[c].label) for c in run.question_codes or [] if c in lookup]
        out.append(
            SurveyQuestions(
                survey_id, defn.title, audience, how, asked
            )
        )
    out.sort(key=lambda s: [k for k, _, _ in AUDIENCES].index(s.audience))
    return out


def _label_maps(db: Session, run: AnalysisRun) -> dict[str, Callable]:
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


def build_report(db: Session, run: AnalysisRun, *, match: Callable | None = None) -> PublicViews:
    app = current_app
    threshold = int(app.config.get("SUPPRESSION_THRESHOLD", 5))
    min_base = int(app.config.get("ANALYSIS_REPORT_MIN_BASE", 20))
    alpha = float(app.config.get("ANALYSIS_SIGNIFICANCE", 0.05))
    names = _priority_names()
    versions = queries.versions(db, run.survey_version_ids or [])
    quotes = queries.publishable_quotes(db, run.id)
    reviewed = published_themes(db, run.id)
    themes = list(reviewed)
    people_list = queries.respondents(db, run)
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
    if baseline is not None:
        base_themes = published_themes(db, baseline.id)
        if not base_themes:
            baseline_note = (
                f"No change since {baseline.period} is shown: none of that year's themes was "
                "reviewed, so there is no published figure to compare with."
            )
            baseline = None
    if baseline is not None:
        if match is None:
            from consult.analysis.runs.engine import get_engine

            match = get_engine().match
        # Matched against every current theme, reviewed or not: last year's theme is "not
        # seen this year" only when nothing this year matches it.
        current = [t for t in queries.themes(db, run.id) if not t.not_relevant]
        pairs = match_baseline(
            current, base_themes, match, float(app.config.get("ANALYSIS_MATCH_THRESHOLD", 0.7))
        )
        base_people = _People(queries.respondents(db, baseline), {t.id for t in base_themes})
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
    labels = _label_maps(db, run)
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
                priority=theme.priority,
                priority_name=names.get(theme.priority) if theme.priority else None,
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
    linked = [t for t in themes if t.priority and not t.emerging]
    base_linked = [t for t in base_themes if t.priority and not t.emerging]
    for key in reported:
        rows = []
        for pkey in dict.fromkeys(t.priority for t in linked):
            t_ids = [t.id for t in linked if t.priority == pkey]
            share = people.share(t_ids, people.audience[key], threshold)
            prev_ids = [t.id for t in base_linked if t.priority == pkey]
            rows.append(
                PriorityRow(
                    pkey,
                    names.get(pkey, pkey),
                    share,
                    change(key, share, prev_ids),
                    [t.label for t in linked if t.priority == pkey],
                )
            )
        rows.sort(key=lambda r: (-r.share.count, r.name))
        rankings[key] = Ranking(
            key,
            [r for r in rows if not r.share.suppressed],
            [r.name for r in rows if r.share.suppressed],
        )

    gone = [b.label for b in base_themes if b.id not in set(pairs.values())]
    closed = _closed_tables(db, run, versions, audiences, threshold, min_base)
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
        surveys=_survey_questions(db, run, by_survey),
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


SCALE_TOP = ("very_safe", "fairly_safe")


def _closed_tables(db, run, versions, audiences, threshold, min_base) -> list[ClosedTable]:
    """Closed questions per survey, each in that survey's own words."""
    from consult.analysis.stats import closed_question_table

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
                    f"Asked ‘{q.label}’, {_share_words(p)} of {noun} answered ‘{label}’, the "
                    f"most common answer (95% CI {p.display_interval})."
                )
            out.append(ClosedTable(code, defn.title, key, q.label, base, table, headline))
    return out


def _share_words(p: Proportion) -> str:
    return p.display_share if not p.suppressed else suppressed_text(p.threshold)


# --- renderings kept with the figures -------------------------------
# One drawing at a time in a process: a page's chart requests and the background build
# then never draw the same chart twice over (and pyplot is not made for threads).
_DRAWING = threading.RLock()


def cached_artifact(report: PublicViews, name: str, make: Callable[[], object]):
    """A rendering of a report (a chart, the Word file) kept with the report it renders."""
    store = report.__dict__.setdefault("_artifacts", {})
    if name not in store:
        with _DRAWING:
            if name not in store:
                store[name] = make()
    return store[name]


# --- the figures as plain data (JSON and CSV) -------------------------------
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
