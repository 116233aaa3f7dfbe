"""A re-run keeps every decision: the new run's themes take the keys of the earlier themes
they match, then every decision of the scope (``decisions``) is applied again, oldest first,
so the analyst's names, confirmations, merges, splits, placed answers, not-relevant marks
and approved quotes are all there however the engine grouped the new answers.

A theme a decision names that the engine did not find again is made (named as the analyst
named it), so nothing the analyst did depends on the clustering coming out the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.models import (
    SPLIT,
    AnalysedAnswer,
    AnalysisRun,
    Decision,
    Quote,
    Theme,
    ThemeAssignment,
)
from consult.analysis.review import decisions as store
from consult.analysis.review.curation import (
    answer_themes,
    merge_into,
    new_theme,
    place,
    theme_by_key,
)
from consult.analysis.review.decisions import event
from consult.analysis.runs.results import quote_of, recount_run

# Decisions applied per transaction when the caller commits between them (a decision writes
# a few rows: placing an answer, renaming a theme).
DECISIONS_BATCH = 500


def carry_keys(db: Session, run: AnalysisRun, previous: AnalysisRun, match: Callable,
               threshold: float) -> int:
    """Give each new theme the key of the previous run's theme it matches (by centroid).
    Returns how many matched."""
    new_themes = queries.themes(db, run.id)
    dims = {len(t.centroid or []) for t in new_themes} - {0}
    # Themes the analyst made (no centroid, or one of another kind) cannot be matched: the
    # decisions that name them make them again.
    old_themes = queries.themes(db, previous.id, include_hidden=True)
    # A code frame's themes are made again with their keys: already the same themes.
    same = {t.key for t in new_themes} & {t.key for t in old_themes}
    old = [t for t in old_themes if len(t.centroid or []) in dims and t.key not in same]
    pairs = match(old, [t for t in new_themes if t.key not in same], threshold)
    old_by_id = {t.id: t for t in old_themes}
    new_by_id = {t.id: t for t in new_themes}
    pairs = [*pairs, *((next(o.id for o in old_themes if o.key == t.key), t.id, 1.0)
                       for t in new_themes if t.key in same)]
    n = 0
    for old_id, new_id, _sim in pairs:
        if old_id is None or new_id is None:
            continue
        new, old_theme = new_by_id[new_id], old_by_id[old_id]
        new.key, new.carried_from_id = old_theme.key, old_id
        if old_theme.curated:
            # A theme the analyst worked with keeps the name they knew it by (their own
            # renames are applied again after this, from the decisions).
            new.label = old_theme.label
        n += 1
    db.flush()
    return n


def apply_decisions(db: Session, run: AnalysisRun, between: Callable | None = None,
                    batch: int = DECISIONS_BATCH) -> Counter:
    """Apply every decision of the run's scope to it, oldest first. Returns how many of
    each kind were applied. ``between`` is called after every ``batch`` decisions (the
    analysis job commits there: the run is still pending)."""
    applied: Counter = Counter()
    touched: dict[int, Theme] = {}
    answers = _answers_by_key(db, run)

    def ensure(key: str | None, label: str) -> Theme | None:
        if not key:
            return None
        theme = theme_by_key(db, run, key)
        if theme is None and db.scalar(
            select(Theme.id).where(Theme.run_id == run.id, Theme.key == key)
        ) is None:
            theme = new_theme(db, run, label or "Theme", key=key)
        return theme

    for n, d in enumerate(store.for_run(db, run), start=1):
        if between is not None and n % batch == 0:
            db.flush()
            between()
        answer = answers.get((d.response_id, d.question_code)) if d.response_id else None
        if d.kind in store.ANSWER_KINDS and answer is None:
            continue  # the answer is no longer analysed (held back or withdrawn)
        theme = ensure(d.theme_key, d.theme_label) if d.kind != "withdraw_quote" else (
            theme_by_key(db, run, d.theme_key))
        if _apply(db, run, d, theme, answer, ensure):
            applied[d.kind] += 1
            if theme is not None and d.kind not in store.ANSWER_KINDS:
                theme.curated = True
                touched[theme.id] = theme
    for theme in touched.values():
        event(db, run, theme, None, "carry_over",
              f"Kept the analyst's decisions on ‘{theme.label}’ from earlier runs",
              {"key": theme.key})
    recount_run(db, run)
    return applied


def _apply(db: Session, run: AnalysisRun, d: Decision, theme: Theme | None,
           answer: AnalysedAnswer | None, ensure) -> bool:
    v = d.value or {}
    kind = d.kind
    if kind in ("place", "answer_not_relevant", "remove"):
        if kind == "place":
            if theme is None:
                return False
            others = [theme_by_key(db, run, k) for k in d.other_keys or []]
            place(db, run, answer, [theme, *[t for t in others if t is not None]])
        elif kind == "answer_not_relevant":
            place(db, run, answer, [])
        else:
            place(db, run, answer, answer_themes(db, answer)[1:])
        return True
    if kind == "skip":
        return True
    if theme is None:
        return False
    if kind in store.REVIEWING_KINDS and theme.reviewed_at is None:
        theme.reviewed_at, theme.reviewed_by_id = d.at, d.user_id
    if kind == "rename":
        theme.label = str(v.get("to") or theme.label)[:200]
    elif kind in ("not_relevant", "relevant"):
        theme.not_relevant = kind == "not_relevant"
    elif kind == "link_priority":
        theme.priority, theme.emerging = v.get("priority"), False
    elif kind == "mark_emerging":
        theme.priority, theme.emerging = None, True
    elif kind == "merge":
        others = [theme_by_key(db, run, k) for k in d.other_keys or []]
        others = [t for t in others if t is not None and t.id != theme.id]
        if others:
            merge_into(db, theme, others)
            event(db, run, theme, None, "merge",
                  f"Merged {', '.join(f'‘{t.label}’' for t in others)} into ‘{theme.label}’ "
                  "(as in the previous run)", {"merged": [t.id for t in others]})
    elif kind == "split":
        for part in v.get("parts") or []:
            sub = ensure(part.get("key"), part.get("label", ""))
            if sub is not None:
                sub.split_from_id = sub.split_from_id or theme.id
                # A part is reviewed where the analyst reviewed it at the split (splits
                # recorded before the choice existed reviewed every part).
                if sub.reviewed_at is None and part.get("reviewed", True):
                    sub.reviewed_at, sub.reviewed_by_id = d.at, d.user_id
        # Answers the analyst placed are in the parts already; new answers the engine put
        # in the old theme are left for the coder ("not yet themed"), not guessed here.
        db.execute(delete(ThemeAssignment).where(ThemeAssignment.theme_id == theme.id,
                                                 ThemeAssignment.manual.is_(False)))
        db.execute(delete(Quote).where(Quote.theme_id == theme.id))
        db.flush()
        if not db.scalar(select(ThemeAssignment.id).where(ThemeAssignment.theme_id == theme.id)):
            theme.state = SPLIT
    elif kind in ("approve_quote", "withdraw_quote"):
        return _apply_quote(db, run, d, theme, answer)
    return True


def _apply_quote(db: Session, run: AnalysisRun, d: Decision, theme: Theme,
                 answer: AnalysedAnswer) -> bool:
    quote = db.scalar(select(Quote).where(Quote.theme_id == theme.id,
                                          Quote.answer_id == answer.id))
    if d.kind == "withdraw_quote":
        if quote is not None:
            quote.approved_at = quote.approved_by_id = None
        return True
    in_theme = db.scalar(select(ThemeAssignment.id).where(
        ThemeAssignment.theme_id == theme.id, ThemeAssignment.answer_id == answer.id))
    text = str((d.value or {}).get("text") or "")
    words = " ".join(answer.redacted_text.split())
    # Approved words only where the answer is still in the theme and still says them.
    if in_theme is None or not text or not all(
        p.strip() in words for p in text.replace("...", "…").split("…") if p.strip()
    ):
        return False
    if quote is None:
        quote = quote_of(run, theme, answer, source=(d.value or {}).get("source", "analyst"))
        db.add(quote)
    quote.redacted_text = text
    quote.redacted = True
    quote.approved_at, quote.approved_by_id = d.at, d.user_id
    db.flush()
    return True


def _answers_by_key(db: Session, run: AnalysisRun) -> dict[tuple[int, str], AnalysedAnswer]:
    rows = db.scalars(
        select(AnalysedAnswer).where(
            AnalysedAnswer.run_id == run.id,
            AnalysedAnswer.response_id.in_(queries.reportable_ids()),
        )
    )
    return {(a.response_id, a.question_code): a for a in rows}


def carry_over(db: Session, run: AnalysisRun, previous: AnalysisRun | None, match: Callable,
               threshold: float, between: Callable | None = None) -> dict:
    """Keys from ``previous`` (if any), then every decision of the scope. Returns a summary
    for the run's settings: themes matched, decisions applied by kind. ``between``: called
    between short transactions (see ``apply_decisions``)."""
    matched = carry_keys(db, run, previous, match, threshold) if previous is not None else 0
    if between is not None:
        between()
    applied = apply_decisions(db, run, between)
    return {"matched_themes": matched, "decisions_applied": dict(applied)}
