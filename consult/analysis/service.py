"""The analysis service: database rows in, plain lists to the theme engine, results stored;
and the analyst's curation of themes, each change recorded with who and when.

Functions take the session and leave the commit to the caller (views commit after a
successful change; the job runner commits a run's results with the job's success).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.models import (
    ACTIVE,
    COMPLETE,
    MERGED,
    SPLIT,
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
    ThemeEvent,
)
from consult.models import User, utcnow
from consult.survey_store import definition_of


class AnalysisError(ValueError):
    """A change the analyst asked for that cannot be made; the message says why."""


# --- starting a run -------------------------------
@dataclass
class AnswerSet:
    texts: list[str]
    ids: list[str]
    metadata: list[dict]
    respondents: int
    period: str


def answer_key(response_id: int, question_code: str) -> str:
    return f"{response_id}:{question_code}"


def parse_key(key: str) -> tuple[int, str]:
    rid, code = str(key).split(":", 1)
    return int(rid), code


def free_text_questions(db: Session, version_ids: Iterable[int]) -> dict[str, str]:
    """code -> label of every free-text question analysed for themes in these versions."""
    found: dict[str, str] = {}
    for version in queries.versions(db, version_ids):
        for q in definition_of(version).free_text_questions():
            found.setdefault(q.code, q.label)
    return found


def create_run(
    db: Session,
    *,
    version_ids: list[int],
    question_codes: list[str],
    user: User | None,
    title: str = "",
    year: str | None = None,
) -> AnalysisRun:
    """Validate the choice and store a pending run (the caller enqueues its job)."""
    chosen = queries.versions(db, version_ids)
    if not chosen:
        raise AnalysisError("Select at least one survey version")
    available = free_text_questions(db, [v.id for v in chosen])
    codes = [c for c in dict.fromkeys(question_codes) if c in available]
    if not codes:
        raise AnalysisError("Select at least one free-text question")
    year = (year or "").strip() or None
    if year is not None and queries.year_bounds(year) is None:
        raise AnalysisError("Select a year from the list")
    survey_ids = [v.survey_id for v in chosen]
    survey_id = Counter(survey_ids).most_common(1)[0][0]
    run = AnalysisRun(
        title=title.strip()[:200] or _default_title(chosen, codes, available),
        survey_id=survey_id,
        survey_version_ids=[v.id for v in chosen],
        question_codes=codes,
        created_by_id=user.id if user else None,
        period=year or _period_of(db, [v.id for v in chosen], chosen),
        settings={"year": year} if year else {},
    )
    db.add(run)
    db.flush()
    return run


def _default_title(chosen, codes, available) -> str:
    surveys = ", ".join(dict.fromkeys(v.title for v in chosen))
    return f"{surveys}: {len(codes)} question{'s' if len(codes) != 1 else ''}"


def _period_of(db: Session, version_ids: list[int], chosen) -> str:
    """The year most of the answers were given in (or the year the survey opened)."""
    from consult.models import Response
    from consult.reportable import reportable

    years = Counter(
        str(d.year)
        for d in db.scalars(
            reportable(
                select(Response.submitted_at).where(Response.survey_version_id.in_(version_ids))
            )
        )
        if d is not None
    )
    if years:
        return years.most_common(1)[0][0]
    opens = [definition_of(v).opens for v in chosen]
    return str(min(opens).year) if opens else ""


def collect_answers(db: Session, run: AnalysisRun) -> AnswerSet:
    """The run's free-text answers from reportable responses only, as plain lists."""
    texts, ids, metadata = [], [], []
    people = set()
    year = queries.run_year(run)
    for response in queries.reportable_responses(db, run.survey_version_ids or [], year):
        answers = response.answers or {}
        for code in run.question_codes or []:
            value = answers.get(code)
            if not isinstance(value, str) or not value.strip():
                continue
            texts.append(value)
            ids.append(answer_key(response.id, code))
            metadata.append(
                {
                    "response_id": response.id,
                    "question": code,
                    "respondent_type": response.respondent_type,
                    "district": answers.get("district"),
                    "age_group": answers.get("age_group") or answers.get("year_group"),
                }
            )
            people.add(response.id)
    return AnswerSet(texts, ids, metadata, len(people), run.period)


# --- storing results -------------------------------
def clear_results(db: Session, run: AnalysisRun) -> None:
    """Remove a run's results (a re-run of the same run starts clean)."""
    theme_ids = select(Theme.id).where(Theme.run_id == run.id)
    db.execute(delete(Quote).where(Quote.run_id == run.id))
    db.execute(delete(ThemeAssignment).where(ThemeAssignment.run_id == run.id))
    db.execute(delete(ThemeEvent).where(ThemeEvent.theme_id.in_(theme_ids)))
    db.execute(
        update(Theme).where(Theme.run_id == run.id).values(merged_into_id=None, split_from_id=None)
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
            assignments.append(_assignment(run, answer, by_engine[int(a.theme_id)], a.score, True))
        for further_id, score in a.further_themes or []:
            if int(further_id) in by_engine and further_id != a.theme_id:
                assignments.append(
                    _assignment(run, answer, by_engine[int(further_id)], score, False)
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
                db.add(_quote(run, by_engine[int(t.id)], answer, source="engine"))
    db.flush()

    run.n_answers = len(rows)
    run.n_non_answers = sum(1 for _, a in rows if a.is_non_answer)
    run.n_unthemed = sum(1 for _, a in rows if not a.is_non_answer and a.theme_id is None)
    run.n_respondents = answers.respondents
    return by_engine


def _assignment(run, answer, theme, score, is_main, manual=False) -> ThemeAssignment:
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


def _quote(run, theme, answer, *, source: str) -> Quote:
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


def complete_run(db: Session, run: AnalysisRun, settings: dict | None = None) -> None:
    run.status = COMPLETE
    run.completed_at = utcnow()
    if settings is not None:
        run.settings = {**(run.settings or {}), **settings}
    event(
        db,
        run,
        None,
        None,
        "run",
        f"Analysis run completed with {len(queries.themes(db, run.id))} themes",
        {"answers": run.n_answers},
    )


# --- carrying curation over -------------------------------
def carry_over(
    db: Session,
    run: AnalysisRun,
    previous: AnalysisRun,
    match: Callable,
    threshold: float,
) -> int:
    """Keep the analyst's curated themes where a theme of the new run still matches one:
    label, priority link, emerging and not-relevant flags, approved quotes whose answer is
    still in the theme. Themes that were merged last time are merged again. Returns how
    many themes were carried."""
    new_themes = queries.themes(db, run.id)
    old_active = [t for t in queries.themes(db, previous.id) if t.curated]
    pairs = match(old_active, new_themes, threshold)
    old_by_id = {t.id: t for t in old_active}
    new_by_id = {t.id: t for t in new_themes}
    carried: dict[int, Theme] = {}  # old theme id -> new theme
    for old_id, new_id, sim in pairs:
        if old_id is None or new_id is None:
            continue
        old, new = old_by_id[old_id], new_by_id[new_id]
        new.label = old.label
        new.priority = old.priority
        new.emerging = old.emerging
        new.not_relevant = old.not_relevant
        new.curated = True
        new.carried_from_id = old.id
        carried[old.id] = new
        event(
            db,
            run,
            new,
            None,
            "carry_over",
            f"Kept the curated theme ‘{old.label}’ from run {previous.id}",
            {"from_theme": old.id, "similarity": sim},
        )
        _carry_quotes(db, run, old, new)

    # Themes the analyst merged away last time: merge their matches again.
    unmatched = [t for t in new_themes if t.id not in {n.id for n in carried.values()}]
    merged_old = list(
        db.scalars(select(Theme).where(Theme.run_id == previous.id, Theme.state == MERGED))
    )
    if unmatched and merged_old:
        for old_id, new_id, _sim in match(merged_old, unmatched, threshold):
            if old_id is None or new_id is None:
                continue
            target_old = _final_target(db, old_id)
            target_new = carried.get(target_old.id) if target_old is not None else None
            if target_new is not None:
                merge_themes(db, run, target_new, [new_by_id[new_id]], None, carried=True)
    db.flush()
    return len(carried)


def _final_target(db: Session, theme_id: int) -> Theme | None:
    theme = db.get(Theme, theme_id)
    seen = set()
    while theme is not None and theme.state == MERGED and theme.merged_into_id not in seen:
        seen.add(theme.id)
        theme = db.get(Theme, theme.merged_into_id)
    return theme if theme is not None and theme.state == ACTIVE else None


def _carry_quotes(db: Session, run: AnalysisRun, old: Theme, new: Theme) -> None:
    approved = db.scalars(
        select(Quote).where(Quote.theme_id == old.id, Quote.approved_at.is_not(None))
    )
    for q in approved:
        answer = db.scalar(
            select(AnalysedAnswer)
            .join(ThemeAssignment, ThemeAssignment.answer_id == AnalysedAnswer.id)
            .where(
                AnalysedAnswer.run_id == run.id,
                AnalysedAnswer.response_id == q.response_id,
                AnalysedAnswer.question_code == q.question_code,
                ThemeAssignment.theme_id == new.id,
            )
        )
        if answer is None or answer.redacted_text != q.redacted_text:
            continue
        quote = db.scalar(
            select(Quote).where(Quote.theme_id == new.id, Quote.answer_id == answer.id)
        )
        if quote is None:
            quote = _quote(run, new, answer, source=q.source)
            db.add(quote)
        quote.approved_by_id = q.approved_by_id
        quote.approved_at = q.approved_at


# --- the audit trail -------------------------------
def event(
    db: Session,
    run: AnalysisRun,
    theme: Theme | None,
    user: User | None,
    action: str,
    summary: str,
    details: dict | None = None,
) -> ThemeEvent:
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


# --- curation -------------------------------
def _active(theme: Theme) -> None:
    if theme.state != ACTIVE:
        raise AnalysisError("This theme has been merged or split; change the theme it became")


def rename(db: Session, run: AnalysisRun, theme: Theme, label: str, user: User | None) -> None:
    _active(theme)
    label = " ".join((label or "").split())
    if not label:
        raise AnalysisError("Enter a name for the theme")
    if len(label) > 200:
        raise AnalysisError("The theme name must be 200 characters or fewer")
    if label == theme.label:
        return
    old = theme.label
    theme.label = label
    theme.curated = True
    event(
        db, run, theme, user, "rename", f"Renamed ‘{old}’ to ‘{label}’", {"from": old, "to": label}
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


def merge_themes(
    db: Session,
    run: AnalysisRun,
    target: Theme,
    others: list[Theme],
    user: User | None,
    *,
    carried: bool = False,
) -> None:
    """Merge ``others`` into ``target``: their answers, further mentions and quotes move to
    ``target``; they are kept (state "merged") so the history still reads."""
    _active(target)
    others = [t for t in others if t.id != target.id]
    if not others:
        raise AnalysisError("Select at least one other theme to merge with")
    for t in others:
        _active(t)
        if t.run_id != target.run_id:
            raise AnalysisError("Themes can only be merged within one analysis run")
    db.flush()
    sizes = {t.id: max(1, t.size) for t in [target, *others]}
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
    target.centroid = _weighted_centroid([target, *others], sizes)
    target.keywords = _merged_keywords([target, *others])
    target.curated = True
    recount(db, target)
    for other in others:
        recount(db, other)
    labels = ", ".join(f"‘{t.label}’" for t in others)
    event(
        db,
        run,
        target,
        user,
        "merge",
        f"Merged {labels} into ‘{target.label}’" + (" (as in the previous run)" if carried else ""),
        {"merged": [t.id for t in others], "labels": [t.label for t in others]},
    )


def _weighted_centroid(themes: list[Theme], sizes: dict[int, int]) -> list[float]:
    vectors = [(t.centroid, sizes[t.id]) for t in themes if t.centroid]
    if not vectors:
        return []
    dim = len(vectors[0][0])
    vectors = [(v, w) for v, w in vectors if len(v) == dim]
    total = [0.0] * dim
    for v, w in vectors:
        for i, x in enumerate(v):
            total[i] += x * w
    norm = sum(x * x for x in total) ** 0.5 or 1.0
    return [round(x / norm, 6) for x in total]


def _merged_keywords(themes: list[Theme]) -> list[str]:
    out: list[str] = []
    for t in themes:
        for k in t.keywords or []:
            if k not in out:
                out.append(k)
    return out[:12]


def move_answers(
    db: Session,
    run: AnalysisRun,
    source: Theme,
    answer_ids: list[int],
    target: Theme | None,
    user: User | None,
) -> int:
    """Move answers' main theme from ``source`` to ``target`` (None: to no theme)."""
    _active(source)
    if target is not None:
        _active(target)
        if target.run_id != run.id:
            raise AnalysisError("Choose a theme from this analysis run")
        if target.id == source.id:
            raise AnalysisError("Choose a different theme to move the answers to")
    if not answer_ids:
        raise AnalysisError("Select the answers to move")
    moved = 0
    for a in list(
        db.scalars(
            select(ThemeAssignment).where(
                ThemeAssignment.theme_id == source.id,
                ThemeAssignment.is_main.is_(True),
                ThemeAssignment.answer_id.in_(answer_ids),
            )
        )
    ):
        if target is None:
            db.delete(a)
        else:
            existing = db.scalar(
                select(ThemeAssignment).where(
                    ThemeAssignment.answer_id == a.answer_id, ThemeAssignment.theme_id == target.id
                )
            )
            if existing is not None:
                db.delete(existing)
                db.flush()
            a.theme_id = target.id
            a.manual = True
        # A quote of the answer follows it (unapproved: it now speaks for another theme).
        for q in db.scalars(
            select(Quote).where(Quote.theme_id == source.id, Quote.answer_id == a.answer_id)
        ):
            db.delete(q)
        moved += 1
    if not moved:
        raise AnalysisError("None of the selected answers is in this theme any more")
    db.flush()
    recount(db, source)
    source.curated = True
    if target is not None:
        recount(db, target)
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


def set_not_relevant(db: Session, run: AnalysisRun, theme: Theme, flag: bool, user: User | None):
    _active(theme)
    if theme.not_relevant == flag:
        return
    theme.not_relevant = flag
    theme.curated = True
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
    event(db, run, theme, user, action, text, details)


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
    quote = _quote(run, theme, answer, source="analyst")
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
        .order_by(AnalysedAnswer.id)
    ).all()
    return [t for _, t in rows], [i for i, _ in rows]


def apply_split(
    db: Session, run: AnalysisRun, theme: Theme, result, user: User | None
) -> list[Theme]:
    """Replace ``theme`` by the sub-themes of ``result`` (answers the re-clustering left out
    stay in the original theme, which is kept only if any remain)."""
    _active(theme)
    groups = [t for t in result.themes if int(t.size) > 0]
    if len(groups) < 2:
        raise AnalysisError(
            "These answers are too alike to split into separate themes. Move individual "
            "answers to another theme instead."
        )
    new: dict[int, Theme] = {}
    for i, t in enumerate(sorted(groups, key=lambda t: -int(t.size))):
        sub = Theme(
            run_id=run.id,
            engine_key=None,
            label=str(t.label)[:200] or f"{theme.label} ({i + 1})",
            keywords=[str(k) for k in (t.keywords or [])][:20],
            size=0,
            share=0.0,
            priority=t.priority if t.priority is not None else theme.priority,
            priority_score=float(t.priority_score or 0.0),
            emerging=bool(t.emerging) if t.priority is not None else theme.emerging,
            centroid=[float(v) for v in (t.centroid or [])],
            curated=True,
            split_from_id=theme.id,
            position=theme.position,
        )
        db.add(sub)
        new[int(t.id)] = sub
    db.flush()
    moved = 0
    for a in result.assignments:
        if a.theme_id is None or int(a.theme_id) not in new:
            continue
        assignment = db.scalar(
            select(ThemeAssignment).where(
                ThemeAssignment.answer_id == int(a.id),
                ThemeAssignment.theme_id == theme.id,
                ThemeAssignment.is_main.is_(True),
            )
        )
        if assignment is None:
            continue
        target = new[int(a.theme_id)]
        assignment.theme_id = target.id
        assignment.score = float(a.score or 0.0)
        for q in db.scalars(
            select(Quote).where(Quote.theme_id == theme.id, Quote.answer_id == int(a.id))
        ):
            q.theme_id = target.id
        moved += 1
    db.flush()
    recount(db, theme)
    for sub in new.values():
        recount(db, sub)
    if theme.size == 0:
        theme.state = SPLIT
        db.execute(delete(ThemeAssignment).where(ThemeAssignment.theme_id == theme.id))
        db.execute(delete(Quote).where(Quote.theme_id == theme.id))
    theme.curated = True
    event(
        db,
        run,
        theme,
        user,
        "split",
        f"Split ‘{theme.label}’ into " + ", ".join(f"‘{t.label}’" for t in new.values()),
        {"into": [t.id for t in new.values()], "moved": moved},
    )
    return list(new.values())
