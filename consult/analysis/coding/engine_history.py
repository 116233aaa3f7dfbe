"""Every retrain is one entry in the run's Change history, by the engine, and can be undone
as one step.

The entry (``ThemeEvent``, action :data:`RETRAIN`, no user) says what moved ("After 20
checks: 37 answers re-assigned; 12 from Service to Staff ...") and keeps, for each answer it
moved, its assignments before and after. Undoing it (:func:`undo`, the analyst's action)
puts back the earlier assignments of the answers that are still as the retrain left them
and that nobody has reviewed since.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from consult.analysis.errors import AnalysisError
from consult.analysis.models import (
    ACTIVE,
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
    ThemeEvent,
)
from consult.analysis.review.decisions import event
from consult.analysis.runs.results import recount_run
from consult.models import User

RETRAIN = "retrain"
UNDO = "undo_retrain"
FLAG = "engine_flag"
# How many "from A to B" flows the summary names.
FLOWS = 3

Rows = list[list]  # [[theme id, is main, score], ...], main first


def assignments(db: Session, run: AnalysisRun, ids: Sequence[int]) -> dict[int, Rows]:
    """The answers' assignments now, main first (answers in no theme: [])."""
    out: dict[int, Rows] = {int(i): [] for i in ids}
    for start in range(0, len(ids), 500):
        rows = db.execute(
            select(ThemeAssignment.answer_id, ThemeAssignment.theme_id, ThemeAssignment.is_main,
                   ThemeAssignment.score)
            .where(ThemeAssignment.run_id == run.id,
                   ThemeAssignment.answer_id.in_(ids[start:start + 500]))
            .order_by(ThemeAssignment.is_main.desc(), ThemeAssignment.score.desc()))
        for answer_id, theme_id, main, score in rows:
            out[answer_id].append([int(theme_id), bool(main), float(score or 0.0)])
    return out


def _main(rows: Rows) -> int | None:
    return next((int(r[0]) for r in rows if r[1]), int(rows[0][0]) if rows else None)


def summary_of(checks: int, moves: dict[int, tuple[Rows, Rows]], names: dict[int, str],
               flagged: Sequence[int] = ()) -> str:
    """The history line: how many answers moved, and the largest flows between themes."""
    flows = Counter((_main(b), _main(a)) for b, a in moves.values() if _main(b) != _main(a))
    text = f"After {checks} check{'s' if checks != 1 else ''}: {len(moves)} " \
           f"answer{'s' if len(moves) != 1 else ''} re-assigned"
    parts = [f"{n} from {names.get(s, 'no theme') if s else 'no theme'} to "
             f"{names.get(t, 'no theme') if t else 'no theme'}"
             for (s, t), n in flows.most_common(FLOWS)]
    if parts:
        text += "; " + ", ".join(parts)
        if len(flows) > FLOWS:
            text += " ..."
    if flagged:
        text += ". Kept for you to check (the engine would move all its answers elsewhere): " \
                + ", ".join(names.get(t, "?") for t in flagged)
    return text


def record_retrain(db: Session, run: AnalysisRun, checks: int,
                   moves: dict[int, tuple[Rows, Rows]], flagged: Sequence[int] = (),
                   decisions: int = 0) -> ThemeEvent:
    """The retrain's one history entry (by the engine), with what it moved; a flag on each
    theme it would have emptied, for that theme's page."""
    names = dict(db.execute(select(Theme.id, Theme.label).where(Theme.run_id == run.id)).all())
    e = event(db, run, None, None, RETRAIN, summary_of(checks, moves, names, flagged), {
        "by": "engine", "checks": checks, "decisions": decisions,
        "flagged": [int(t) for t in flagged],
        "moves": [[int(a), b, after] for a, (b, after) in moves.items()],
    })
    for tid in flagged:
        event(db, run, db.get(Theme, tid), None, FLAG,
              f"‘{names.get(tid, '?')}’ kept: the engine would move all its answers elsewhere. "
              "Check this theme.", {"by": "engine"})
    return e


def undo(db: Session, run: AnalysisRun, retrain: ThemeEvent, user: User | None,
         protected: set[int]) -> int:
    """Put back the assignments a retrain changed, for the answers still as it left them and
    not ``protected`` (reviewed since). Returns how many answers went back."""
    if retrain.run_id != run.id or retrain.action != RETRAIN:
        raise AnalysisError("That change was not made by the engine")
    if (retrain.details or {}).get("undone"):
        raise AnalysisError("That change has already been undone")
    moves = (retrain.details or {}).get("moves", [])
    now = assignments(db, run, [int(a) for a, _b, _a in moves])
    active = set(db.scalars(select(Theme.id).where(Theme.run_id == run.id,
                                                   Theme.state == ACTIVE)))
    back = []
    for answer_id, before, after in moves:
        same = [(t, m) for t, m, _s in now[int(answer_id)]] == [(t, m) for t, m, _s in after]
        if (same and int(answer_id) not in protected
                and all(int(t) in active for t, _m, _s in before)):
            back.append((int(answer_id), before))
    ids = [a for a, _ in back]
    if ids:
        db.execute(delete(ThemeAssignment).where(ThemeAssignment.answer_id.in_(ids)))
        db.execute(delete(Quote).where(Quote.answer_id.in_(ids), Quote.approved_at.is_(None)))
        where = {a.id: a for a in db.scalars(select(AnalysedAnswer).where(
            AnalysedAnswer.id.in_(ids)))}
        values = [{"run_id": run.id, "answer_id": a, "response_id": where[a].response_id,
                   "question_code": where[a].question_code, "theme_id": int(t),
                   "score": float(s), "is_main": bool(m), "manual": False}
                  for a, before in back for t, m, s in before]
        if values:
            db.execute(insert(ThemeAssignment.__table__), values)
    retrain.details = {**retrain.details, "undone": True}
    event(db, run, None, user, UNDO,
          f"Undid the engine's retrain of {retrain.at:%d %b %Y %H:%M}: "
          f"{len(back)} answer{'s' if len(back) != 1 else ''} back where they were",
          {"retrain": retrain.id, "restored": len(back)})
    recount_run(db, run)
    return len(back)
