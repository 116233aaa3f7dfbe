"""Splitting a theme: the job re-clusters its answers (``analysis.split``), the analyst
previews the parts, names them, and confirms (:func:`apply_split`). Nothing changes until
the preview is confirmed; every answer placed in a part is then a decision."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.active_jobs import active_jobs
from consult.analysis.errors import AnalysisError
from consult.analysis.models import (
    SPLIT,
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
)
from consult.analysis.review.curation import answer_themes, require_active
from consult.analysis.review.decisions import event, record, review
from consult.analysis.runs.engine import get_engine, stage_reporter
from consult.analysis.runs.results import recount
from consult.jobs import Job, JobContext, JobError, enqueue, handler
from consult.models import User, utcnow

KIND = "analysis.split"


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
                "priority_score": float(getattr(t, "priority_score", 0.0) or 0.0),
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
    a part is a decision (the coder learns from it; a re-run places it again).

    A part is reviewed only where the analyst said so (``p["reviewed"]``); otherwise it is
    a suggestion like any new theme. A part's priority is the engine's suggestion (it needs
    the analyst's confirmation to count, see ``consult.analysis.priorities``)."""
    require_active(theme)
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
            priority=p.get("priority"),
            priority_score=float(p.get("priority_score") or 0.0),
            emerging=bool(p.get("emerging")),
            centroid=list(p.get("centroid") or []),
            curated=True,
            split_from_id=theme.id,
            position=theme.position,
        )
        db.add(sub)
        db.flush()
        if p.get("reviewed"):
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
           value={"parts": [{"key": t.key, "label": t.label, "reviewed": t.reviewed_at is not None}
                            for t in new]}, at=now)
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


@handler(KIND)
def split_theme(ctx: JobContext, payload: dict) -> dict:
    """Propose a split of one theme into ``parts`` parts. Nothing changes until the analyst
    confirms the preview (:func:`apply_split`)."""
    db = ctx.db
    theme = db.get(Theme, int(payload["theme_id"]))
    if theme is None:
        raise JobError("This theme no longer exists.")
    texts, ids = split_inputs(db, theme)
    if len(texts) < 4:
        raise JobError("This theme has too few answers to split. Move answers instead.")
    parts = payload.get("parts")
    ctx.progress(0.02, f"Re-reading the {len(texts)} answers in ‘{theme.label}’")
    engine = get_engine(ctx.app)
    label = theme.label
    db.rollback()
    kwargs = {"n_parts": int(parts)} if parts else {}
    result = engine.split(texts, ids=ids, progress=stage_reporter(ctx.progress), **kwargs)
    proposal = split_proposal(result, texts, ids)
    if len(proposal) < 2:
        raise JobError(
            f"The answers in ‘{label}’ are too alike to split into separate themes. Move "
            "individual answers to another theme instead."
        )
    return {"run_id": int(payload["run_id"]), "theme_id": int(payload["theme_id"]),
            "label": label, "parts": proposal}


def request(db: Session, run: AnalysisRun, theme: Theme, parts: int, user: User | None) -> Job:
    """Send the job that previews ``theme`` split into ``parts`` parts."""
    uid = user.id if user else None
    return enqueue(KIND, {"theme_id": theme.id, "run_id": run.id, "parts": int(parts),
                          "user_id": uid}, db=db, user_id=uid)


def active(db: Session, run: AnalysisRun) -> list[Job]:
    """The run's split previews still being worked out."""
    return active_jobs(db, KIND, run.id)
