"""A run's results in the database: the engine's themes, answers, assignments and quotes
written (and cleared for a fresh start), theme sizes recounted, and the answers read back
(the run is marked complete by the analysis job, ``run_job``)."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import delete, func, select, update
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


def clear_results(db: Session, run: AnalysisRun) -> None:
    """Remove a run's results (a re-run of the same run starts clean)."""
    theme_ids = select(Theme.id).where(Theme.run_id == run.id)
    db.execute(delete(Quote).where(Quote.run_id == run.id))
    db.execute(delete(ThemeAssignment).where(ThemeAssignment.run_id == run.id))
    db.execute(delete(ThemeEvent).where(ThemeEvent.theme_id.in_(theme_ids)))
    db.execute(
        update(Theme)
        .where(Theme.run_id == run.id)
        .values(merged_into_id=None, split_from_id=None, carried_from_id=None)
    )
    db.execute(delete(Theme).where(Theme.run_id == run.id))
    db.execute(delete(AnalysedAnswer).where(AnalysedAnswer.run_id == run.id))


def store_result(db: Session, run: AnalysisRun, result, answers: AnswerSet) -> dict[int, Theme]:
    """Write the engine's themes, answers, assignments and quotes. Returns engine id -> Theme."""
    clear_results(db, run)
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

    rows: list[tuple[AnalysedAnswer, object]] = []
    for a in result.assignments:
        rid, code = parse_key(a.id)
        answer = AnalysedAnswer(
            run_id=run.id,
            response_id=rid,
            question_code=code,
            redacted_text=str(a.redacted_text or ""),
            is_non_answer=bool(a.is_non_answer),
            non_answer_kind=getattr(a, "non_answer_kind", None),
        )
        rows.append((answer, a))
    db.add_all([answer for answer, _ in rows])
    db.flush()

    assignments = []
    for answer, a in rows:
        if a.theme_id is not None and int(a.theme_id) in by_engine:
            assignments.append(assignment(run, answer, by_engine[int(a.theme_id)], a.score, True))
        for further_id, score in a.further_themes or []:
            if int(further_id) in by_engine and further_id != a.theme_id:
                assignments.append(
                    assignment(run, answer, by_engine[int(further_id)], score, False)
                )
    db.add_all(assignments)

    # Quotes: the engine gives representative texts; tie each to an answer of its theme.
    by_theme_text: dict[tuple[int, str], AnalysedAnswer] = {}
    for answer, a in rows:
        if a.theme_id is not None:
            by_theme_text.setdefault((int(a.theme_id), answer.redacted_text), answer)
    for t in result.themes:
        quoted: set[int] = set()
        for text in list(t.quotes or [])[:5]:
            answer = by_theme_text.get((int(t.id), text))
            # The same words given by many people are one quote, not several of one answer.
            if answer is not None and answer.redacted_text.strip() and answer.id not in quoted:
                quoted.add(answer.id)
                db.add(quote_of(run, by_engine[int(t.id)], answer, source="engine"))
    db.flush()

    run.n_answers = len(rows)
    run.n_non_answers = sum(1 for _, a in rows if a.is_non_answer)
    run.n_respondents = answers.respondents
    count_unthemed(db, run)
    return by_engine


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
