"""Where the analyst's decisions are stored: every action in the review (an answer placed,
a theme confirmed, renamed, merged, split, marked not relevant, a quote approved ...) is a
:class:`~consult.analysis.models.Decision` that outlives the run it was made in, plus a
``ThemeEvent`` for the run's history.

Decisions are found again by *scope* (the survey, period and questions analysed), so the
next run of the same answers re-applies them (``carry_over``) and the coder learns from
them (``coding``). Answers are named by response id and question code, themes by their
key (``Theme.key``), which a re-run carries over to the theme that matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.analysis.models import AnalysisRun, Decision, Theme, ThemeEvent
from consult.models import User, utcnow

# Decisions about one answer; the rest are about a theme.
ANSWER_KINDS = ("place", "answer_not_relevant", "remove", "skip", "approve_quote",
                "withdraw_quote")
# Decisions that say which themes an answer belongs to: the coder's labels.
LABEL_KINDS = ("place", "answer_not_relevant")
# Decisions that review (name and keep) a theme: see Theme.reviewed_at.
REVIEWING_KINDS = ("confirm", "rename", "merge", "link_priority", "mark_emerging", "split",
                   "new_theme")


def scope_of(run: AnalysisRun) -> str:
    """The answers a run analyses: decisions made in any run of the same scope apply."""
    codes = ",".join(sorted(run.question_codes or []))
    return f"{run.survey_id}|{run.period}|{codes}"[:300]


def event(
    db: Session,
    run: AnalysisRun,
    theme: Theme | None,
    user: User | None,
    action: str,
    summary: str,
    details: dict | None = None,
) -> ThemeEvent:
    """One line of the run's history (the audit trail)."""
    e = ThemeEvent(
        run_id=run.id,
        theme_id=theme.id if theme is not None else None,
        user_id=user.id if user is not None else None,
        action=action,
        summary=summary,
        details=details or {},
        at=utcnow(),
    )
    db.add(e)
    return e


def record(
    db: Session,
    run: AnalysisRun,
    kind: str,
    user: User | None,
    *,
    theme: Theme | None = None,
    answer=None,
    other_keys: list[str] | None = None,
    value: dict | None = None,
    suggested: list[str] | None = None,
    hit: bool | None = None,
    at=None,
) -> Decision:
    """Store one decision (the caller writes the matching ``event``). A naming decision
    marks the theme reviewed, at the decision's time (a re-run sets the same time)."""
    at = at or utcnow()
    if theme is not None and kind in REVIEWING_KINDS:
        review(theme, user, at)
    d = Decision(
        scope=scope_of(run),
        run_id=run.id,
        kind=kind,
        response_id=answer.response_id if answer is not None else None,
        question_code=answer.question_code if answer is not None else None,
        theme_key=theme.key if theme is not None else None,
        theme_label=theme.label if theme is not None else "",
        other_keys=list(other_keys or []),
        value=dict(value or {}),
        suggested=list(suggested or []),
        hit=hit,
        user_id=user.id if user is not None else None,
        at=at,
    )
    db.add(d)
    return d


def review(theme: Theme, user: User | None, at=None) -> None:
    """Mark a theme reviewed (named and kept by a person), unless it already is."""
    if theme.reviewed_at is None:
        theme.reviewed_at = at or utcnow()
        theme.reviewed_by_id = user.id if user is not None else None


# --- reading them back -------------------------------
def in_scope(db: Session, scope: str) -> list[Decision]:
    """Every decision of a scope, oldest first (the order they are re-applied in)."""
    return list(
        db.scalars(select(Decision).where(Decision.scope == scope).order_by(Decision.id))
    )


def for_run(db: Session, run: AnalysisRun) -> list[Decision]:
    return in_scope(db, scope_of(run))


@dataclass(frozen=True)
class Label:
    """What the analyst last said about one answer: its themes (keys, main first), or none
    (not relevant)."""

    response_id: int
    question_code: str
    keys: tuple[str, ...]
    decision_id: int


def answer_labels(decisions: list[Decision]) -> dict[tuple[int, str], Label]:
    """(response id, question code) -> the latest labelling decision about that answer."""
    out: dict[tuple[int, str], Label] = {}
    for d in decisions:
        if d.response_id is None:
            continue
        where = (d.response_id, d.question_code or "")
        if d.kind == "place":
            keys = tuple(dict.fromkeys([d.theme_key, *(d.other_keys or [])]))
            out[where] = Label(d.response_id, d.question_code or "", keys, d.id)
        elif d.kind == "answer_not_relevant":
            out[where] = Label(d.response_id, d.question_code or "", (), d.id)
        elif d.kind == "remove":
            out.pop(where, None)
    return out


def seen(decisions: list[Decision]) -> set[tuple[int, str]]:
    """Answers the analyst has looked at in the queue (labelled or skipped)."""
    return {
        (d.response_id, d.question_code or "")
        for d in decisions
        if d.response_id is not None and d.kind in (*LABEL_KINDS, "skip")
    }


def queue_hits(decisions: list[Decision]) -> list[bool]:
    """For each queue decision, oldest first: was the coder's suggestion what the analyst
    chose?"""
    return [bool(d.hit) for d in decisions if d.hit is not None]


def label_count(decisions: list[Decision]) -> int:
    return len(answer_labels(decisions))
