"""The "public views" section of the strategic assessment, as data: :class:`PublicViews`.

Built by :func:`~consult.analysis.public_views.build.build_report` from reportable responses
and **reviewed themes only**; the web page, the Word document (``word``), the CSV and the
JSON (``formats``) all render the same :class:`PublicViews`, so they cannot disagree, and
the sentences they share (who answered, the method) are its methods. ``cache`` builds it
once per change (see :func:`~consult.analysis.public_views.queries.fingerprint`), not once
per view. The words it uses are defined in ``parts`` (:data:`~.parts.DEFINITIONS`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass

from consult.analysis.public_views.figures import (
    GROWING,
    NEW,
    SHRINKING,
    percent,
    suppressed_text,
)
from consult.analysis.public_views.parts import (
    ACTION_WORDS,
    AUDIENCE_NOUNS,
    AUDIENCE_ONE,
    Audience,
    Breakdown,
    ClosedTable,
    Ranking,
    ReviewStatus,
    SurveyQuestions,
    ThemeFigures,
)
from consult.templating import plural


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


def change_words(change, last_year: str) -> str:
    """The change column of a priority table: "Up from 16% in 2025"."""
    if change is None:
        return "–"
    prev = change.previous
    if change.status == NEW:
        return f"Not raised {last_year}"
    if prev is None or prev.suppressed:
        return f"{suppressed_text(prev.threshold if prev else 5)} people {last_year}"
    if change.status == GROWING:
        return f"Up from {prev.display_share} {last_year}"
    if change.status == SHRINKING:
        return f"Down from {prev.display_share} {last_year}"
    return f"No clear change ({prev.display_share} {last_year})"


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

