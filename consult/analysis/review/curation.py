"""The analyst's review of a run's themes: rename, confirm, merge, move answers, mark not
relevant, link to a priority or mark emerging (quotes: ``quotes``; splits: ``split``).
Each action changes the run, writes a ``ThemeEvent`` (history) and stores a ``Decision``
(``decisions``), so a re-run applies it again and the coder learns from it. Naming actions
mark the theme reviewed.

Functions take the session and leave the commit to the caller. The mechanics shared with
``carry_over`` (which re-applies decisions without recording them again) are the functions
without an ``user`` argument: :func:`merge_into`, :func:`place`, :func:`theme_by_key`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.errors import AnalysisError
from consult.analysis.models import (
    ACTIVE,
    MERGED,
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
)
from consult.analysis.review.decisions import event, record
from consult.analysis.runs.results import assignment, recount
from consult.models import User


def require_active(theme: Theme) -> None:
    if theme.state != ACTIVE:
        raise AnalysisError("This theme has been merged or split; change the theme it became")


# --- mechanics (no history, no decision) -------------------------------
def theme_by_key(db: Session, run: AnalysisRun, key: str | None) -> Theme | None:
    """The active theme a key stands for in this run (following merges), or None."""
    if not key:
        return None
    theme = db.scalar(
        select(Theme).where(Theme.run_id == run.id, Theme.key == key).order_by(Theme.id).limit(1)
    )
    seen = set()
    while theme is not None and theme.state == MERGED and theme.id not in seen:
        seen.add(theme.id)
        theme = db.get(Theme, theme.merged_into_id)
    return theme if theme is not None and theme.state == ACTIVE else None


def place(
    db: Session, run: AnalysisRun, answer: AnalysedAnswer, themes: Sequence[Theme]
) -> None:
    """Put an answer in exactly these themes (the first its main theme), as the analyst's
    placement; none: in no theme. Its quotes in other themes are withdrawn."""
    keep = [t.id for t in themes]
    # Statements, not per-row deletes: the coding job may have changed these rows meanwhile.
    db.execute(delete(ThemeAssignment).where(ThemeAssignment.answer_id == answer.id))
    db.execute(delete(Quote).where(Quote.answer_id == answer.id, Quote.theme_id.not_in(keep)))
    db.flush()
    for i, theme in enumerate(dict.fromkeys(themes)):
        db.add(assignment(run, answer, theme, 1.0, i == 0, manual=True))
    db.flush()


def merge_into(db: Session, target: Theme, others: list[Theme]) -> None:
    """Move the answers, further mentions and quotes of ``others`` to ``target``; they are
    kept (state "merged") so the history still reads, and so a re-run can find them."""
    db.flush()
    for other in others:
        for a in list(
            db.scalars(select(ThemeAssignment).where(ThemeAssignment.theme_id == other.id))
        ):
            existing = db.scalar(
                select(ThemeAssignment).where(
                    ThemeAssignment.answer_id == a.answer_id, ThemeAssignment.theme_id == target.id
                )
            )
            if existing is None:
                a.theme_id = target.id
            else:
                existing.is_main = existing.is_main or a.is_main
                existing.manual = existing.manual or a.manual
                existing.score = max(existing.score or 0.0, a.score or 0.0)
                db.delete(a)
        db.flush()
        for q in list(db.scalars(select(Quote).where(Quote.theme_id == other.id))):
            clash = db.scalar(
                select(Quote).where(Quote.theme_id == target.id, Quote.answer_id == q.answer_id)
            )
            if clash is None:
                q.theme_id = target.id
            else:
                if q.approved_at and not clash.approved_at:
                    clash.approved_at, clash.approved_by_id = q.approved_at, q.approved_by_id
                db.delete(q)
        other.state = MERGED
        other.merged_into_id = target.id
        db.flush()
    # The target keeps its own centroid: it is the theme's identity across runs (a re-run
    # finds it again by it, then merges the others' matches into it again).
    target.keywords = _merged_keywords([target, *others])
    target.curated = True
    recount(db, target)
    for other in others:
        recount(db, other)


def _merged_keywords(themes: list[Theme]) -> list[str]:
    out: list[str] = []
    for t in themes:
        for k in t.keywords or []:
            if k not in out:
                out.append(k)
    return out[:12]


def new_theme(db: Session, run: AnalysisRun, label: str, key: str | None = None) -> Theme:
    """An empty theme the analyst named (answers are placed in it after)."""
    position = len(queries.themes(db, run.id, include_hidden=True))
    theme = Theme(run_id=run.id, label=label[:200], keywords=[], size=0, share=0.0,
                  curated=True, position=position, origin="analyst")
    if key:
        theme.key = key
    db.add(theme)
    db.flush()
    return theme


def clean_label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise AnalysisError("Enter a name for the theme")
    if len(label) > 200:
        raise AnalysisError("The theme name must be 200 characters or fewer")
    return label


# --- the analyst's actions -------------------------------
def rename(db: Session, run: AnalysisRun, theme: Theme, label: str, user: User | None) -> None:
    require_active(theme)
    label = clean_label(label)
    if label == theme.label:
        if theme.reviewed_at is None:  # the name is right: that reviews it
            confirm(db, run, theme, user)
        return
    old = theme.label
    theme.label = label
    theme.curated = True
    record(db, run, "rename", user, theme=theme, value={"from": old, "to": label})
    event(
        db, run, theme, user, "rename", f"Renamed ‘{old}’ to ‘{label}’", {"from": old, "to": label}
    )


def confirm(db: Session, run: AnalysisRun, theme: Theme, user: User | None) -> None:
    """The analyst has checked the theme and keeps it as it is: it may be published."""
    require_active(theme)
    if theme.reviewed_at is not None:
        return
    theme.curated = True
    record(db, run, "confirm", user, theme=theme)
    event(db, run, theme, user, "confirm", f"Confirmed the theme ‘{theme.label}’")


def merge_themes(
    db: Session,
    run: AnalysisRun,
    target: Theme,
    others: list[Theme],
    user: User | None,
) -> None:
    """Merge ``others`` into ``target`` (see :func:`merge_into`)."""
    require_active(target)
    others = [t for t in others if t.id != target.id]
    if not others:
        raise AnalysisError("Select at least one other theme to merge with")
    for t in others:
        require_active(t)
        if t.run_id != target.run_id:
            raise AnalysisError("Themes can only be merged within one analysis run")
    merge_into(db, target, others)
    labels = [t.label for t in others]
    record(db, run, "merge", user, theme=target, other_keys=[t.key for t in others],
           value={"labels": labels})
    event(
        db,
        run,
        target,
        user,
        "merge",
        f"Merged {', '.join(f'‘{x}’' for x in labels)} into ‘{target.label}’",
        {"merged": [t.id for t in others], "labels": labels},
    )


def move_answers(
    db: Session,
    run: AnalysisRun,
    source: Theme,
    answer_ids: list[int],
    target: Theme | None,
    user: User | None,
) -> int:
    """Move answers' main theme from ``source`` to ``target`` (None: to no theme). Their
    further themes stay; each answer's new themes are a decision the coder learns from."""
    require_active(source)
    if target is not None:
        require_active(target)
        if target.run_id != run.id:
            raise AnalysisError("Choose a theme from this analysis run")
        if target.id == source.id:
            raise AnalysisError("Choose a different theme to move the answers to")
    if not answer_ids:
        raise AnalysisError("Select the answers to move")
    rows = db.scalars(
        select(ThemeAssignment).where(
            ThemeAssignment.theme_id == source.id,
            ThemeAssignment.is_main.is_(True),
            ThemeAssignment.answer_id.in_(answer_ids),
        )
    ).all()
    moved = 0
    for a in rows:
        answer = db.get(AnalysedAnswer, a.answer_id)
        further = [
            t
            for t in answer_themes(db, answer)[1:]
            if t.id not in (source.id, target.id if target else None)
        ]
        if target is None:
            place(db, run, answer, further)
            record(db, run, "remove", user, answer=answer, value={"from": source.key})
        else:
            place(db, run, answer, [target, *further])
            record(db, run, "place", user, theme=target, answer=answer,
                   other_keys=[t.key for t in further], value={"from": source.key})
        moved += 1
    if not moved:
        raise AnalysisError("None of the selected answers is in this theme any more")
    db.flush()
    recount(db, source)
    source.curated = True
    for t in {x.id: x for x in queries.themes(db, run.id)}.values():
        recount(db, t)
    if target is not None:
        target.curated = True
    where = f"‘{target.label}’" if target is not None else "no theme"
    event(
        db,
        run,
        source,
        user,
        "move",
        f"Moved {moved} answer{'s' if moved != 1 else ''} from ‘{source.label}’ to {where}",
        {"answers": list(answer_ids)[:500], "to_theme": target.id if target else None},
    )
    return moved


def answer_themes(db: Session, answer: AnalysedAnswer) -> list[Theme]:
    """An answer's themes in this run, main first."""
    return list(
        db.scalars(
            select(Theme)
            .join(ThemeAssignment, ThemeAssignment.theme_id == Theme.id)
            .where(ThemeAssignment.answer_id == answer.id)
            .order_by(ThemeAssignment.is_main.desc(), ThemeAssignment.score.desc(), Theme.id)
        )
    )


def set_not_relevant(db: Session, run: AnalysisRun, theme: Theme, flag: bool, user: User | None):
    require_active(theme)
    if theme.not_relevant == flag:
        return
    theme.not_relevant = flag
    theme.curated = True
    record(db, run, "not_relevant" if flag else "relevant", user, theme=theme)
    if flag:
        event(db, run, theme, user, "not_relevant", f"Marked ‘{theme.label}’ as not relevant")
    else:
        event(db, run, theme, user, "relevant", f"Marked ‘{theme.label}’ as relevant again")


def link_priority(
    db: Session,
    run: AnalysisRun,
    theme: Theme,
    priority: str | None,
    names: dict[str, str],
    user: User | None,
) -> None:
    """Link the theme to a priority of the taxonomy, or (``priority`` None) mark it emerging:
    a concern the current priorities do not cover."""
    require_active(theme)
    if priority is not None and priority not in names:
        raise AnalysisError("Select a priority from the list")
    old = theme.priority
    theme.priority = priority
    theme.emerging = priority is None
    theme.curated = True
    if priority is None:
        action, text = "mark_emerging", f"Marked ‘{theme.label}’ as emerging"
        details = {"from_priority": old}
    else:
        action = "link_priority"
        text = f"Linked ‘{theme.label}’ to the priority ‘{names[priority]}’"
        details = {"from_priority": old, "to_priority": priority}
    record(db, run, action, user, theme=theme, value={"priority": priority})
    event(db, run, theme, user, action, text, details)
