"""Analysis runs and what they produce: themes, answers, assignments, quotes, and the audit
trail of the analyst's changes.

A run's results are written in one transaction that also marks the run complete (see
``consult.analysis.tasks``); pages show themes only for complete runs, so a run that died
half-way never shows half its themes.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.base import Base, utcnow

PENDING = "pending"
COMPLETE = "complete"

ACTIVE = "active"
MERGED = "merged"
SPLIT = "split"


def new_theme_key() -> str:
    return uuid.uuid4().hex[:16]


class AnalysisRun(Base):
    __tablename__ = "analysis_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    # The survey the run is browsed under; the versions may span surveys (residents and
    # pupils analysed together, so their themes line up).
    survey_id: Mapped[str] = mapped_column(String(64), index=True)
    survey_version_ids: Mapped[list] = mapped_column(JSON, default=list)
    question_codes: Mapped[list] = mapped_column(JSON, default=list)
    # The year (or other period) the answers belong to: year-on-year compares periods.
    period: Mapped[str] = mapped_column(String(20), default="")
    # pending (its job is queued, running or failed) | complete
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The earlier run whose curated themes were carried over into this one.
    previous_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_run.id"))
    # The run this one is compared with year on year (None: the latest earlier period).
    baseline_run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_run.id"))
    n_respondents: Mapped[int] = mapped_column(Integer, default=0)
    n_answers: Mapped[int] = mapped_column(Integer, default=0)
    n_non_answers: Mapped[int] = mapped_column(Integer, default=0)
    n_unthemed: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)

    themes: Mapped[list[Theme]] = relationship(
        back_populates="run", order_by="Theme.position", foreign_keys="Theme.run_id"
    )


class Theme(Base):
    __tablename__ = "analysis_theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id"), index=True)
    # The theme's identity across runs: a re-run gives a theme the key of the earlier theme
    # it matches, and the analyst's decisions name themes by key (see decisions.py).
    key: Mapped[str] = mapped_column(String(32), default=new_theme_key, index=True)
    engine_key: Mapped[int | None] = mapped_column(Integer)
    # Who proposed it: engine (first pass) | coder (from the "not yet themed" answers) |
    # frame (a code frame or last year's themes) | analyst
    origin: Mapped[str] = mapped_column(String(16), default="engine")
    label: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    # Answers whose main theme this is.
    size: Mapped[int] = mapped_column(Integer, default=0)
    # size / answers analysed, as the engine reported it (figures recompute shares).
    share: Mapped[float] = mapped_column(Float, default=0.0)
    priority: Mapped[str | None] = mapped_column(String(64))
    priority_score: Mapped[float] = mapped_column(Float, default=0.0)
    emerging: Mapped[bool] = mapped_column(Boolean, default=False)
    not_relevant: Mapped[bool] = mapped_column(Boolean, default=False)
    centroid: Mapped[list] = mapped_column(JSON, default=list)
    # Touched by the analyst (renamed, merged, linked ...): kept on re-runs where it matches.
    curated: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reviewed by an analyst: checked, named and kept (only reviewed themes are published).
    # None: still a machine suggestion. Set by the analyst's review actions, carried on re-runs.
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # active | merged (into merged_into_id) | split (into themes with split_from_id)
    state: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_theme.id"))
    split_from_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_theme.id"))
    # The theme of the previous run whose curation this one carries.
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_theme.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    run: Mapped[AnalysisRun] = relationship(back_populates="themes", foreign_keys=[run_id])


class AnalysedAnswer(Base):
    """One free-text answer as analysed: redacted, and whether it was a non-answer."""

    __tablename__ = "analysis_answer"
    __table_args__ = (UniqueConstraint("run_id", "response_id", "question_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    redacted_text: Mapped[str] = mapped_column(Text, default="")
    is_non_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    non_answer_kind: Mapped[str | None] = mapped_column(String(32))


class ThemeAssignment(Base):
    """An answer's place in a theme: its main theme, or a further theme it also raises."""

    __tablename__ = "analysis_assignment"
    __table_args__ = (UniqueConstraint("answer_id", "theme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("analysis_answer.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    theme_id: Mapped[int] = mapped_column(ForeignKey("analysis_theme.id"), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    is_main: Mapped[bool] = mapped_column(Boolean, default=True)
    # Placed by the analyst rather than the engine.
    manual: Mapped[bool] = mapped_column(Boolean, default=False)


class Quote(Base):
    """A representative answer for a theme. Holds the redacted text only; only redacted text
    can be approved, and only approved quotes of reportable responses are published."""

    __tablename__ = "analysis_quote"
    __table_args__ = (UniqueConstraint("theme_id", "answer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("analysis_theme.id"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("analysis_answer.id"))
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    question_code: Mapped[str] = mapped_column(String(64))
    redacted_text: Mapped[str] = mapped_column(Text)
    # True only when redacted_text came out of the redactor (never raw text).
    redacted: Mapped[bool] = mapped_column(Boolean, default=False)
    # engine | analyst
    source: Mapped[str] = mapped_column(String(16), default="engine")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class ThemeEvent(Base):
    """Every change the analyst makes to a run's themes: who, when, what."""

    __tablename__ = "analysis_theme_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_theme.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # rename | merge | split | move | not_relevant | relevant | link_priority |
    # mark_emerging | approve_quote | withdraw_quote | add_quote | carry_over | run
    action: Mapped[str] = mapped_column(String(32), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")


class Decision(Base):
    """One analyst decision, kept beyond the run it was made in: the labels the coder learns
    from, and what every re-run of the same answers applies again (``carry_over``).

    ``scope`` names the answers the decision is about (survey, period and questions), so a
    re-run finds it whatever run it was made in. Decisions about one answer carry
    ``response_id`` and ``question_code``; decisions about a theme name it by ``theme_key``
    (with its label at the time, for people reading the history). Later decisions win.
    """

    __tablename__ = "analysis_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(300), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id"), index=True)
    # place | answer_not_relevant | skip | approve_quote | withdraw_quote (one answer);
    # confirm | rename | not_relevant | relevant | link_priority | mark_emerging | merge |
    # split | new_theme (one theme)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id"), index=True)
    question_code: Mapped[str | None] = mapped_column(String(64))
    theme_key: Mapped[str | None] = mapped_column(String(32))
    theme_label: Mapped[str] = mapped_column(String(200), default="")
    # place: further theme keys; merge: the merged keys; split: the keys of the parts
    other_keys: Mapped[list] = mapped_column(JSON, default=list)
    value: Mapped[dict] = mapped_column(JSON, default=dict)
    # From the review queue: the coder's suggestion at the time, and whether the analyst
    # chose it (the agreement estimate).
    suggested: Mapped[list] = mapped_column(JSON, default=list)
    hit: Mapped[bool | None] = mapped_column(Boolean)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
