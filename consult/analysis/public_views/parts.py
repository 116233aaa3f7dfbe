"""The parts of the public views report, and the words every format uses for them.

Words, everywhere: an *answer* is what one person wrote to one question; *people* are those
who wrote at least one answer; a *share* is the people whose answers raised something, out of
the people in that group who wrote an answer (a person counts once however many of their
answers raised it). :class:`~consult.analysis.public_views.report.PublicViews` holds these
parts; :func:`~consult.analysis.public_views.build.build_report` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from consult.analysis.public_views.figures import (
    Change,
    GroupDifference,
    Proportion,
    suppressed_text,
)
from consult.templating import plural

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

