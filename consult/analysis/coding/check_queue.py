"""The "Check answers" review queue: one answer at a time with the coder's suggestion;
the analyst accepts it, picks another theme, makes a new one, marks it not relevant or
skips. Each check is a decision (``decisions``) with the suggestion it was shown, which
gives the agreement estimate: the share of the last decisions where the suggestion was
what the analyst chose, with a 95% (Wilson) interval.

The order is the coder's (``training`` works it out in a job): the answer it learns most
from next. When the coder learns again is ``retrain``'s rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.analysis import queries, run_settings
from consult.analysis.errors import AnalysisError
from consult.analysis.models import (
    ACTIVE,
    AnalysedAnswer,
    AnalysisRun,
    Theme,
    ThemeAssignment,
)
from consult.analysis.review import decisions as store
from consult.analysis.review.curation import answer_themes, clean_label, new_theme, place
from consult.analysis.review.decisions import event, record
from consult.analysis.runs.results import recount_run
from consult.models import User
from nlp.review_queue import Agreement, agreement

ACTIONS = ("accept", "other", "new", "not_relevant", "skip")
# The agreement estimate reads this many of the latest checks.
AGREEMENT_WINDOW = 50


@dataclass(frozen=True)
class QueueState:
    checked: int  # answers checked in the queue (skips not counted)
    labelled: int  # answers with a decision (queue, moves, splits)
    remaining: int  # answers nobody has reviewed yet
    unthemed: int
    agreement: Agreement


def state(db: Session, run: AnalysisRun) -> QueueState:
    decided = store.for_run(db, run)
    seen = store.seen(decided)
    total = db.scalar(
        select(func.count(AnalysedAnswer.id)).where(
            AnalysedAnswer.run_id == run.id,
            AnalysedAnswer.is_non_answer.is_(False),
            AnalysedAnswer.response_id.in_(queries.reportable_ids()),
        )
    ) or 0
    in_run = {
        (r, c) for r, c in db.execute(
            select(AnalysedAnswer.response_id, AnalysedAnswer.question_code).where(
                AnalysedAnswer.run_id == run.id)
        )
    }
    hits = store.queue_hits(decided)
    return QueueState(
        checked=len(hits),
        labelled=store.label_count(decided),
        remaining=max(0, int(total) - len(seen & in_run)),
        unthemed=run.n_unthemed,
        agreement=agreement(hits, last=AGREEMENT_WINDOW),
    )


def next_answer(db: Session, run: AnalysisRun) -> AnalysedAnswer | None:
    """The next answer to check: the coder's order first, then (when that is used up
    before the coder has caught up) answers in no theme, then the least certain."""
    seen = store.seen(store.for_run(db, run))
    ok = set(db.scalars(queries.reportable_ids()))
    for answer_id in run_settings.read(run).queue:
        answer = db.get(AnalysedAnswer, int(answer_id))
        if (answer is not None and answer.run_id == run.id and answer.response_id in ok
                and (answer.response_id, answer.question_code) not in seen):
            return answer
    placed_score = (
        select(func.max(ThemeAssignment.score))
        .where(ThemeAssignment.answer_id == AnalysedAnswer.id)
        .correlate(AnalysedAnswer)
        .scalar_subquery()
    )
    for answer in db.scalars(
        select(AnalysedAnswer)
        .where(
            AnalysedAnswer.run_id == run.id,
            AnalysedAnswer.is_non_answer.is_(False),
            AnalysedAnswer.response_id.in_(queries.reportable_ids()),
        )
        .order_by(placed_score.asc().nulls_first(), AnalysedAnswer.id)
    ):
        if (answer.response_id, answer.question_code) not in seen:
            return answer
    return None


def suggestion(db: Session, answer: AnalysedAnswer) -> list[Theme]:
    """The themes the answer is in now (the coder's or the first pass's), main first; for
    an answer the last retrain held back in a theme it would otherwise have emptied
    (``coding.stability``), the themes the coder would put it in."""
    run = db.get(AnalysisRun, answer.run_id)
    held = (run_settings.read(run).coder.get("held") or {}).get(str(answer.id), [])
    themes = [t for t in (queries.theme_in_run(db, answer.run_id, tid) for tid in held)
              if t is not None and t.state == ACTIVE]
    return themes or answer_themes(db, answer)


def check(
    db: Session,
    run: AnalysisRun,
    answer: AnalysedAnswer,
    action: str,
    user: User | None,
    *,
    theme: Theme | None = None,
    label: str = "",
) -> None:
    """Record the analyst's check of one answer and apply it."""
    if action not in ACTIONS:
        raise AnalysisError("Select what to do with this answer")
    if answer.run_id != run.id or queries.reportable_response(db, answer.response_id) is None:
        raise AnalysisError("That answer is not part of this analysis")
    shown = suggestion(db, answer)
    suggested = [t.key for t in shown]
    if action == "skip":
        record(db, run, "skip", user, answer=answer, suggested=suggested)
        return
    if action == "accept":
        if not shown:
            raise AnalysisError("There is no suggestion to accept: select a theme")
        chosen = shown
    elif action == "other":
        if theme is None or theme.run_id != run.id or theme.state != "active":
            raise AnalysisError("Select a theme for this answer")
        chosen = [theme]
    elif action == "new":
        label = clean_label(label)
        same = [t for t in queries.themes(db, run.id) if t.label.casefold() == label.casefold()]
        if same:  # that name is taken: the answer joins the theme of that name
            chosen = same[:1]
        else:
            made = new_theme(db, run, label)
            record(db, run, "new_theme", user, theme=made)
            event(db, run, made, user, "new_theme", f"Made the theme ‘{made.label}’")
            chosen = [made]
    else:
        chosen = []
    hit = (chosen[0].key if chosen else None) == (suggested[0] if suggested else None)
    place(db, run, answer, chosen)
    if chosen:
        record(db, run, "place", user, theme=chosen[0], answer=answer,
               other_keys=[t.key for t in chosen[1:]], suggested=suggested, hit=hit,
               value={"via": "queue", "action": action})
        for t in chosen:
            t.curated = True
    else:
        record(db, run, "answer_not_relevant", user, answer=answer, suggested=suggested,
               hit=hit, value={"via": "queue"})
    event(
        db, run, chosen[0] if chosen else None, user, "check",
        ("Checked an answer: " + ", ".join(f"‘{t.label}’" for t in chosen)) if chosen
        else "Checked an answer: not relevant",
        {"answer": answer.id, "action": action, "suggested": suggested, "agreed": hit},
    )
    recount_run(db, run)

