"""The analyst's review of a run's themes: rename, confirm, merge, move answers, mark not
relevant, link to a priority or mark emerging, quotes, split. Each action changes the run,
writes a ``ThemeEvent`` (history) and stores a ``Decision`` (``decisions``), so a re-run
applies it again and the coder learns from it. Naming actions mark the theme reviewed.

Functions take the session and leave the commit to the caller. The mechanics shared with
``carry_over`` (which re-applies decisions without recording them again) are the functions
without an ``user`` argument: :func:`merge_into`, :func:`place`, :func:`theme_by_key`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.decisions import event, record, review
from consult.analysis.errors import AnalysisError
from consult.analysis.models import (
    ACTIVE,
    MERGED,
    SPLIT,
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
)
from consult.analysis.results import assignment, quote_of, recount
from consult.models import User, utcnow


def _active(theme: Theme) -> None:
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
    _active(theme)
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
    _active(theme)
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
    _active(target)
    others = [t for t in others if t.id != target.id]
    if not others:
        raise AnalysisError("Select at least one other theme to merge with")
    for t in others:
        _active(t)
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
    _active(source)
    if target is not None:
        _active(target)
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
    _active(theme)
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
    _active(theme)
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


# --- quotes -------------------------------
def add_quote(
    db: Session, run: AnalysisRun, theme: Theme, answer_id: int, user: User | None
) -> Quote:
    _active(theme)
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
    _active(theme)
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


# --- split -------------------------------
def split_inputs(db: Session, theme: Theme) -> tuple[list[str], list[int]]:
    rows = db.execute(
        select(AnalysedAnswer.id, AnalysedAnswer.redacted_text)
        .join(ThemeAssignment, ThemeAssignment.answer_id == AnalysedAnswer.id)
        .where(ThemeAssignment.theme_id == theme.id, ThemeAssignment.is_main.is_(True))
        .where(AnalysedAnswer.response_id.in_(queries.reportable_ids()))
        .order_by(AnalysedAnswer.id)
    ).all()
    return [t for _, t in rows], [i for i, _ in rows]


def split_proposal(result, texts: list[str], ids: list[int], typical: int = 4) -> list[dict]:
    """The engine's re-clustering of a theme as parts to preview: label, keywords, its
    answers (ids) and a few typical answers. Nothing is changed until it is confirmed."""
    text_of = dict(zip(ids, texts, strict=True))
    members: dict[int, list[tuple[float, int]]] = {}
    for a in result.assignments:
        if a.theme_id is not None and int(a.id) in text_of:
            members.setdefault(int(a.theme_id), []).append((float(a.score or 0.0), int(a.id)))
    parts = []
    for t in result.themes:
        rows = sorted(members.get(int(t.id), []), key=lambda x: -x[0])
        if not rows:
            continue
        examples = list(dict.fromkeys(text_of[i] for _, i in rows))[:typical]
        parts.append(
            {
                "label": str(t.label)[:200],
                "keywords": [str(k) for k in (t.keywords or [])][:8],
                "answers": [i for _, i in rows],
                "typical": examples,
                "priority": t.priority,
                "emerging": bool(t.emerging),
                "centroid": [round(float(v), 6) for v in (t.centroid or [])],
            }
        )
    parts.sort(key=lambda p: -len(p["answers"]))
    return parts


def apply_split(
    db: Session, run: AnalysisRun, theme: Theme, parts: list[dict], user: User | None
) -> list[Theme]:
    """Replace ``theme`` by the confirmed parts of a split preview. Answers the preview left
    out stay in the original theme, which is kept only if any remain. Every answer placed in
    a part is a decision (the coder learns from it; a re-run places it again)."""
    _active(theme)
    parts = [p for p in parts if p.get("answers")]
    if len(parts) < 2:
        raise AnalysisError(
            "These answers are too alike to split into separate themes. Move individual "
            "answers to another theme instead."
        )
    new: list[Theme] = []
    moved = 0
    now = utcnow()
    for i, p in enumerate(parts):
        label = " ".join(str(p.get("label") or "").split())[:200] or f"{theme.label} ({i + 1})"
        sub = Theme(
            run_id=run.id,
            label=label,
            keywords=list(p.get("keywords") or []),
            size=0,
            share=0.0,
            priority=p.get("priority") if p.get("priority") is not None else theme.priority,
            emerging=bool(p.get("emerging")) if p.get("priority") is not None else theme.emerging,
            centroid=list(p.get("centroid") or []),
            curated=True,
            split_from_id=theme.id,
            position=theme.position,
        )
        db.add(sub)
        db.flush()
        review(sub, user, now)
        new.append(sub)
        for answer_id in p["answers"]:
            main = db.scalar(
                select(ThemeAssignment).where(
                    ThemeAssignment.answer_id == int(answer_id),
                    ThemeAssignment.theme_id == theme.id,
                    ThemeAssignment.is_main.is_(True),
                )
            )
            if main is None:
                continue
            answer = db.get(AnalysedAnswer, main.answer_id)
            main.theme_id = sub.id
            main.manual = True
            for q in db.scalars(
                select(Quote).where(Quote.theme_id == theme.id, Quote.answer_id == answer.id)
            ):
                q.theme_id = sub.id
            db.flush()
            further = [t.key for t in answer_themes(db, answer) if t.id != sub.id]
            record(db, run, "place", user, theme=sub, answer=answer, other_keys=further,
                   value={"via": "split"})
            moved += 1
    db.flush()
    recount(db, theme)
    for sub in new:
        recount(db, sub)
    if theme.size == 0:
        theme.state = SPLIT
        db.execute(delete(ThemeAssignment).where(ThemeAssignment.theme_id == theme.id))
        db.execute(delete(Quote).where(Quote.theme_id == theme.id))
    theme.curated = True
    record(db, run, "split", user, theme=theme, other_keys=[t.key for t in new],
           value={"parts": [{"key": t.key, "label": t.label} for t in new]}, at=now)
    event(
        db,
        run,
        theme,
        user,
        "split",
        f"Split ‘{theme.label}’ into " + ", ".join(f"‘{t.label}’" for t in new),
        {"into": [t.id for t in new], "moved": moved},
    )
    return new
