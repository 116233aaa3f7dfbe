"""A run's results in the database: the engine's themes, answers, assignments and quotes
written (and cleared for a fresh start) in short transactions, theme sizes recounted, and
the answers read back (the run is marked complete by the analysis job, ``run_job``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session, load_only

from consult.analysis import queries
from consult.analysis.models import (
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
    ThemeEvent,
)
from consult.analysis.runs.start import AnswerSet, parse_key

# Rows written (or deleted) per transaction while a run's results are saved: on SQLite a
# transaction holds the one write lock, so a resident's submission, purge or a job's
# heartbeat waits at most one batch, not the whole save (``ANALYSIS_SAVE_BATCH``).
SAVE_BATCH = 2000

# How long the lock is left free after each batch, on SQLite (``ANALYSIS_SAVE_PAUSE``): a
# waiting writer's busy handler retries every 100 ms at most, so a shorter gap is usually
# missed and the writer waits for the whole save after all (bench/save_lock.py).
SAVE_PAUSE = 0.15

Between = Callable[[], None]


def save_batch(config) -> int:
    return max(1, int(config.get("ANALYSIS_SAVE_BATCH", SAVE_BATCH)))


def commit_batch(db: Session, config) -> None:
    """Commit a batch of a run's results and, on SQLite, let waiting writers in."""
    db.commit()
    if db.get_bind().dialect.name == "sqlite":
        time.sleep(float(config.get("ANALYSIS_SAVE_PAUSE", SAVE_PAUSE)))


def _nothing() -> None:
    return None


def clear_results(db: Session, run: AnalysisRun, *, between: Between | None = None,
                  batch: int = SAVE_BATCH) -> None:
    """Remove a run's results (a re-run of the same run, or a retry of a save that was
    interrupted, starts clean). ``between`` is called after each batch of ``batch`` rows
    (the analysis job commits there); without it everything stays in one transaction."""
    step = between or _nothing
    for model in (Quote, ThemeAssignment):
        _delete_in_batches(db, model, model.run_id == run.id, step, batch)
    theme_ids = select(Theme.id).where(Theme.run_id == run.id)
    db.execute(delete(ThemeEvent).where(ThemeEvent.theme_id.in_(theme_ids)))
    db.execute(
        update(Theme)
        .where(Theme.run_id == run.id)
        .values(merged_into_id=None, split_from_id=None, carried_from_id=None)
    )
    db.execute(delete(Theme).where(Theme.run_id == run.id))
    _delete_in_batches(db, AnalysedAnswer, AnalysedAnswer.run_id == run.id, step, batch)


def _delete_in_batches(db: Session, model, where, step: Between, batch: int) -> None:
    while True:
        ids = db.scalars(select(model.id).where(where).order_by(model.id).limit(batch)).all()
        if not ids:
            return
        db.execute(delete(model).where(model.id.in_(ids)))
        step()
        if len(ids) < batch:
            return


def store_result(db: Session, run: AnalysisRun, result, answers: AnswerSet, *,
                 between: Between | None = None, batch: int = SAVE_BATCH) -> dict[int, Theme]:
    """Write the engine's themes, answers, assignments and quotes (clearing the run's old
    results first). Returns engine id -> Theme.

    With ``between`` the answers are written ``batch`` at a time and ``between`` is called
    after each batch (the analysis job commits there, so other writers get the database
    between batches). The run stays pending until the job marks it complete, so a save
    cut short is never shown as a result; its retry clears the partial rows first."""
    step = between or _nothing
    clear_results(db, run, between=between, batch=batch)
    by_engine: dict[int, Theme] = {}
    for position, t in enumerate(sorted(result.themes, key=lambda t: -int(t.size))):
        theme = Theme(
            run_id=run.id,
            engine_key=int(t.id),
            label=str(t.label)[:200] or f"Theme {position + 1}",
            keywords=[str(k) for k in (t.keywords or [])][:20],
            size=int(t.size),
            share=float(t.share or 0.0),
            priority=t.priority,
            priority_score=float(t.priority_score or 0.0),
            emerging=bool(t.emerging),
            centroid=[float(v) for v in (t.centroid or [])],
            position=position,
        )
        db.add(theme)
        by_engine[int(t.id)] = theme
    db.flush()
    step()

    # Quotes: the engine gives representative texts; each is tied to the first answer of
    # its theme with those words (only those answers are kept past their batch).
    wanted = {(int(t.id), text) for t in result.themes for text in list(t.quotes or [])[:5]}
    quotable: dict[tuple[int, str], SavedAnswer] = {}
    assignments = list(result.assignments)
    for start in range(0, len(assignments), batch):
        saved = _insert_answers(db, run, assignments[start:start + batch])
        rows = [row for answer, a in saved for row in _assignments(run, answer, a, by_engine)]
        if rows:  # Core's executemany: no ORM objects for tens of thousands of rows
            db.execute(insert(ThemeAssignment.__table__), rows)
        for answer, a in saved:
            if a.theme_id is not None and (int(a.theme_id), answer.redacted_text) in wanted:
                quotable.setdefault((int(a.theme_id), answer.redacted_text), answer)
        step()

    for t in result.themes:
        quoted: set[int] = set()
        for text in list(t.quotes or [])[:5]:
            answer = quotable.get((int(t.id), text))
            # The same words given by many people are one quote, not several of one answer.
            if answer is not None and answer.redacted_text.strip() and answer.id not in quoted:
                quoted.add(answer.id)
                db.add(quote_of(run, by_engine[int(t.id)], answer, source="engine"))
    db.flush()
    step()

    count_unthemed(db, run)  # a read (nothing is waiting to be written): no lock held
    run.n_answers = len(assignments)
    run.n_non_answers = sum(1 for a in assignments if a.is_non_answer)
    run.n_respondents = answers.respondents
    return by_engine


class SavedAnswer(NamedTuple):
    id: int
    response_id: int
    question_code: str
    redacted_text: str


def _insert_answers(db: Session, run: AnalysisRun, batch: list) -> list[tuple[SavedAnswer, object]]:
    """One batch of the engine's answers written in bulk, each with its new id."""
    values = []
    for a in batch:
        rid, code = parse_key(a.id)
        values.append({"run_id": run.id, "response_id": rid, "question_code": code,
                       "redacted_text": str(a.redacted_text or ""),
                       "is_non_answer": bool(a.is_non_answer),
                       "non_answer_kind": getattr(a, "non_answer_kind", None)})
    if not values:
        return []
    table = AnalysedAnswer.__table__
    ids = dict(((rid, code), i) for i, rid, code in db.execute(
        insert(table).returning(table.c.id, table.c.response_id, table.c.question_code), values))
    return [(SavedAnswer(ids[(v["response_id"], v["question_code"])], v["response_id"],
                         v["question_code"], v["redacted_text"]), a)
            for v, a in zip(values, batch, strict=True)]


def _assignments(run: AnalysisRun, answer: SavedAnswer, a, by_engine) -> list[dict]:
    out = []
    if a.theme_id is not None and int(a.theme_id) in by_engine:
        out.append(_row(assignment(run, answer, by_engine[int(a.theme_id)], a.score, True)))
    for further_id, score in a.further_themes or []:
        if int(further_id) in by_engine and further_id != a.theme_id:
            out.append(_row(assignment(run, answer, by_engine[int(further_id)], score, False)))
    return out


def _row(a: ThemeAssignment) -> dict:
    return {"run_id": a.run_id, "answer_id": a.answer_id, "response_id": a.response_id,
            "question_code": a.question_code, "theme_id": a.theme_id, "score": a.score,
            "is_main": a.is_main, "manual": a.manual}


def assignment(run, answer, theme, score, is_main, manual=False) -> ThemeAssignment:
    return ThemeAssignment(
        run_id=run.id,
        answer_id=answer.id,
        response_id=answer.response_id,
        question_code=answer.question_code,
        theme_id=theme.id,
        score=None if score is None else float(score),
        is_main=is_main,
        manual=manual,
    )


def quote_of(run, theme, answer, *, source: str) -> Quote:
    # The text is the redactor's output (the engine redacts before anything else).
    return Quote(
        run_id=run.id,
        theme_id=theme.id,
        answer_id=answer.id,
        response_id=answer.response_id,
        question_code=answer.question_code,
        redacted_text=answer.redacted_text,
        redacted=True,
        source=source,
    )


def recount(db: Session, theme: Theme) -> None:
    theme.size = int(
        db.scalar(
            select(func.count(ThemeAssignment.id)).where(
                ThemeAssignment.theme_id == theme.id, ThemeAssignment.is_main.is_(True)
            )
        )
        or 0
    )


def recount_run(db: Session, run: AnalysisRun) -> None:
    db.flush()
    sizes = dict(db.execute(
        select(ThemeAssignment.theme_id, func.count(ThemeAssignment.id))
        .where(ThemeAssignment.run_id == run.id, ThemeAssignment.is_main.is_(True))
        .group_by(ThemeAssignment.theme_id)).all())
    # Only the sizes are read (a theme's centroid and keywords are long JSON).
    for theme in db.scalars(select(Theme).where(Theme.run_id == run.id)
                            .options(load_only(Theme.id, Theme.size))):
        theme.size = int(sizes.get(theme.id, 0))
    count_unthemed(db, run)


def count_unthemed(db: Session, run: AnalysisRun) -> None:
    """Answers (not non-answers) with no theme: "not yet themed"."""
    db.flush()
    run.n_unthemed = int(
        db.scalar(
            select(func.count(AnalysedAnswer.id)).where(
                AnalysedAnswer.run_id == run.id,
                AnalysedAnswer.is_non_answer.is_(False),
                AnalysedAnswer.id.not_in(
                    select(ThemeAssignment.answer_id).where(ThemeAssignment.run_id == run.id)
                ),
            )
        )
        or 0
    )


# --- reading the answers back -------------------------------
class AnswerRow(NamedTuple):
    id: int
    response_id: int
    question_code: str
    text: str


def _coded(run: AnalysisRun):
    """The run's answers the coder works on: reportable, not non-answers."""
    return (
        AnalysedAnswer.run_id == run.id,
        AnalysedAnswer.is_non_answer.is_(False),
        AnalysedAnswer.response_id.in_(queries.reportable_ids()),
    )


def run_answers(db: Session, run: AnalysisRun) -> list[AnalysedAnswer]:
    """The run's answers the coder works on: reportable, not non-answers."""
    return list(db.scalars(select(AnalysedAnswer).where(*_coded(run))
                           .order_by(AnalysedAnswer.id)))


def answer_rows(db: Session, run: AnalysisRun) -> list[AnswerRow]:
    """``run_answers`` as plain rows: one query, nothing for the session to reload."""
    rows = db.execute(
        select(AnalysedAnswer.id, AnalysedAnswer.response_id, AnalysedAnswer.question_code,
               AnalysedAnswer.redacted_text).where(*_coded(run)).order_by(AnalysedAnswer.id))
    return [AnswerRow(int(i), int(r), c or "", t or "") for i, r, c, t in rows]
