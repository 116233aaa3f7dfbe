"""Quotes of a theme: added from its answers, shortened (and redacted again), approved for
publication or withdrawn. Only redacted words of reportable responses are ever approved;
each approval is a decision a re-run applies again."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.errors import AnalysisError
from consult.analysis.models import (
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
)
from consult.analysis.review.curation import require_active
from consult.analysis.review.decisions import event, record
from consult.analysis.runs.results import quote_of
from consult.models import User, utcnow


def add_quote(
    db: Session, run: AnalysisRun, theme: Theme, answer_id: int, user: User | None
) -> Quote:
    require_active(theme)
    answer = db.get(AnalysedAnswer, answer_id)
    if answer is None or answer.run_id != run.id:
        raise AnalysisError("That answer is not part of this analysis")
    in_theme = db.scalar(
        select(ThemeAssignment).where(
            ThemeAssignment.answer_id == answer.id, ThemeAssignment.theme_id == theme.id
        )
    )
    if in_theme is None:
        raise AnalysisError("Only an answer in this theme can be a quote for it")
    if queries.reportable_response(db, answer.response_id) is None:
        raise AnalysisError("That answer is held back and cannot be quoted")
    existing = db.scalar(
        select(Quote).where(Quote.theme_id == theme.id, Quote.answer_id == answer.id)
    )
    if existing is not None:
        return existing
    quote = quote_of(run, theme, answer, source="analyst")
    db.add(quote)
    db.flush()
    event(
        db, run, theme, user, "add_quote", f"Added a quote to ‘{theme.label}’", {"quote": quote.id}
    )
    return quote


def approve_quote(db: Session, run: AnalysisRun, quote: Quote, user: User | None) -> None:
    """Approve a quote for publication. Only redacted text can be approved, and never the
    words of a response that is held back."""
    if quote.run_id != run.id:
        raise AnalysisError("That quote is not part of this analysis")
    if not quote.redacted or not (quote.redacted_text or "").strip():
        raise AnalysisError("Only redacted text can be approved for publication")
    if queries.reportable_response(db, quote.response_id) is None:
        raise AnalysisError("That answer is held back and cannot be published")
    theme = db.get(Theme, quote.theme_id)
    require_active(theme)
    if quote.approved_at is not None:
        return
    quote.approved_at = utcnow()
    quote.approved_by_id = user.id if user else None
    record(db, run, "approve_quote", user, theme=theme, answer=quote,
           value={"text": quote.redacted_text, "source": quote.source})
    event(
        db,
        run,
        theme,
        user,
        "approve_quote",
        f"Approved a quote for ‘{theme.label}’",
        {"quote": quote.id, "text": quote.redacted_text[:500]},
    )


def withdraw_quote(db: Session, run: AnalysisRun, quote: Quote, user: User | None) -> None:
    if quote.run_id != run.id:
        raise AnalysisError("That quote is not part of this analysis")
    theme = db.get(Theme, quote.theme_id)
    if quote.approved_at is None:
        return
    quote.approved_at = None
    quote.approved_by_id = None
    record(db, run, "withdraw_quote", user, theme=theme, answer=quote)
    event(
        db,
        run,
        theme,
        user,
        "withdraw_quote",
        f"Withdrew approval of a quote for ‘{theme.label}’",
        {"quote": quote.id},
    )


def edit_quote(
    db: Session,
    run: AnalysisRun,
    quote: Quote,
    text: str,
    redact: Callable[[str], str],
    user: User | None,
) -> None:
    """Shorten a quote. The new text is redacted again and must come from the answer; the
    approval is withdrawn (the new words need approving)."""
    text = " ".join((text or "").split())
    if not text:
        raise AnalysisError("Enter the words to quote")
    answer = db.get(AnalysedAnswer, quote.answer_id)
    source = " ".join((answer.redacted_text if answer else "").split())
    if text.replace("…", "").strip(" .") and not all(
        part.strip() in source for part in text.replace("...", "…").split("…") if part.strip()
    ):
        raise AnalysisError("A quote can only shorten the answer, not add words to it")
    cleaned = redact(text)
    quote.redacted_text = cleaned
    quote.redacted = True
    was_approved = quote.approved_at is not None
    quote.approved_at = None
    quote.approved_by_id = None
    theme = db.get(Theme, quote.theme_id)
    if was_approved:
        record(db, run, "withdraw_quote", user, theme=theme, answer=quote)
    event(
        db,
        run,
        theme,
        user,
        "edit_quote",
        f"Shortened a quote for ‘{theme.label}’"
        + (" (approval withdrawn)" if was_approved else ""),
        {"quote": quote.id},
    )
