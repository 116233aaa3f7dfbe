"""Where the coder is trained: ``nlp.coder.GuidedCoder`` learns from the analyst's decisions
(``decisions.answer_labels``) over the answers' vectors (read from the embedding cache the
run filled, through the engine adapter) and re-assigns the answers nobody has reviewed,
several themes per answer where it raises several.

Answers the analyst placed, marked not relevant, or quoted (approved) are never moved.
An answer the coder cannot place well stays in its first-pass theme if the coder knows
nothing of that theme, else it goes to "not yet themed"; a fresh clustering of just those
answers proposes new themes (``origin == "coder"``, marked emerging). The order of the
review queue (``queue``) is worked out here too, so no request ever trains anything.

Runs only in jobs: ``analysis.run`` (after the decisions are applied) and
``analysis.code`` (after a batch of decisions, or "Update suggestions").
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consult.analysis import decisions as store
from consult.analysis import queries
from consult.analysis.curation import theme_by_key
from consult.analysis.models import (
    ACTIVE,
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
)
from consult.analysis.results import assignment, recount_run

# How many answers of the review queue's order are worked out ahead.
QUEUE_AHEAD = 300
# Fewest "not yet themed" answers worth clustering for new themes.
MIN_EMERGING = 12


class CodingError(RuntimeError):
    """The coder cannot run yet; the message says what the analyst can do."""


def _coder_module():
    try:
        from nlp import coder
    except ImportError:  # pragma: no cover - depends on the install
        return None
    return coder


def vectors_of(engine, texts: list[str]) -> np.ndarray | None:
    get = getattr(engine, "vectors", None)
    if get is None or not texts:
        return None
    vectors = get(texts)
    return None if vectors is None else np.asarray(vectors, dtype=np.float32)


def run_answers(db: Session, run: AnalysisRun) -> list[AnalysedAnswer]:
    """The run's answers the coder works on: reportable, not non-answers."""
    return list(
        db.scalars(
            select(AnalysedAnswer)
            .where(
                AnalysedAnswer.run_id == run.id,
                AnalysedAnswer.is_non_answer.is_(False),
                AnalysedAnswer.response_id.in_(queries.reportable_ids()),
            )
            .order_by(AnalysedAnswer.id)
        )
    )


def training_set(db: Session, run: AnalysisRun, answers: list[AnalysedAnswer], engine
                 ) -> tuple[np.ndarray | None, list[list[str]], list[str], set[int]]:
    """(vectors, label sets, texts, ids of this run's labelled answers): the decisions of
    the run's scope, and those of the run it was seeded from (last year's reviewed run).
    Theme keys are resolved to the theme each now stands for (merges followed)."""
    labels = store.answer_labels(store.for_run(db, run))
    by_key = {(a.response_id, a.question_code): a for a in answers}
    rows: list[tuple[str, list[str]]] = []
    labelled: set[int] = set()
    for where, label in labels.items():
        answer = by_key.get(where)
        if answer is None:
            continue
        keys = _resolve(db, run, label.keys)
        if label.keys and not keys:
            continue
        rows.append((answer.redacted_text, keys))
        labelled.add(answer.id)
    seed_id = ((run.settings or {}).get("start") or {}).get("seed_run")
    seed = db.get(AnalysisRun, int(seed_id)) if seed_id else None
    if seed is not None:
        seed_answers = {(a.response_id, a.question_code): a for a in run_answers(db, seed)}
        for where, label in store.answer_labels(store.for_run(db, seed)).items():
            answer = seed_answers.get(where)
            keys = _resolve(db, run, label.keys)
            if answer is None or (label.keys and not keys):
                continue
            rows.append((answer.redacted_text, keys))
    texts = [t for t, _ in rows]
    return vectors_of(engine, texts), [k for _, k in rows], texts, labelled


def _resolve(db: Session, run: AnalysisRun, keys) -> list[str]:
    out = []
    for key in keys:
        theme = theme_by_key(db, run, key)
        if theme is not None and theme.key not in out:
            out.append(theme.key)
    return out


def protected_answers(db: Session, run: AnalysisRun, labelled: set[int]) -> set[int]:
    """Answers the coder must not move: labelled by the analyst, placed by hand, or quoted
    with approval."""
    manual = set(db.scalars(select(ThemeAssignment.answer_id).where(
        ThemeAssignment.run_id == run.id, ThemeAssignment.manual.is_(True))))
    quoted = set(db.scalars(select(Quote.answer_id).where(
        Quote.run_id == run.id, Quote.approved_at.is_not(None))))
    return labelled | manual | quoted


def code_run(db: Session, run: AnalysisRun, engine, progress: Callable | None = None,
             required: bool = False, min_decisions: int = 8, fresh: bool = False
             ) -> dict | None:
    """Train the coder on the decisions and re-assign the unreviewed answers; then work out
    the review queue's order. Returns a summary for the run's settings (None: too little to
    learn from yet, fewer than ``min_decisions`` answers in two themes; only the queue
    order was refreshed)."""
    report = progress or (lambda value, text: None)
    coder_mod = _coder_module()
    answers = run_answers(db, run)
    if coder_mod is None or not answers:
        if required:
            raise CodingError("The coder is not installed, or this run has no answers.")
        return None
    texts = [a.redacted_text for a in answers]
    report(0.15, "Reading the answers' meaning")
    vectors = vectors_of(engine, texts)
    if vectors is None:
        if required:
            raise CodingError("The theme engine cannot give the answers' vectors.")
        return None
    X, labels, train_texts, labelled = training_set(db, run, answers, engine)
    coder = None
    summary: dict | None = None
    enough = len(labels) >= min_decisions and len({k for ks in labels for k in ks}) >= 2
    if X is not None and enough:
        report(0.4, f"Learning from {len(labels)} decisions")
        coder = coder_mod.GuidedCoder(random_state=0).fit(X, labels, train_texts)
        report(0.6, "Suggesting themes for the answers nobody has checked")
        summary = _reassign(db, run, coder, answers, vectors, texts,
                            protected_answers(db, run, labelled), fresh=fresh)
        labelled = labelled_ids(db, run)
        summary["decisions"] = len(labels)
        report(0.8, "Looking for new themes in the answers that fit none")
        summary["proposed"] = _propose(db, run, engine)
    elif required:
        raise CodingError(
            f"Check at least {min_decisions} answers, into at least two different themes, "
            "first: the suggestions learn from your decisions."
        )
    report(0.9, "Choosing the next answers to check")
    seen = store.seen(store.for_run(db, run))
    keys = [(a.response_id, a.question_code, a.id) for a in answers]
    mask = np.array([(rid, code) in seen or i in labelled for rid, code, i in keys], dtype=bool)
    answer_ids = [i for _, _, i in keys]
    order = coder_mod.review_order(coder, vectors, mask, n=min(QUEUE_AHEAD, int((~mask).sum())))
    run.settings = {**(run.settings or {}), "queue": [answer_ids[i] for i in order]}
    recount_run(db, run)
    return summary


def labelled_ids(db: Session, run: AnalysisRun) -> set[int]:
    """Ids of the run's answers the analyst has labelled (placed or marked not relevant)."""
    labels = store.answer_labels(store.for_run(db, run))
    rows = db.execute(select(AnalysedAnswer.id, AnalysedAnswer.response_id,
                             AnalysedAnswer.question_code).where(AnalysedAnswer.run_id == run.id))
    return {i for i, rid, code in rows if (rid, code) in labels}


def _reassign(db, run, coder, answers, vectors, texts, protected: set[int],
              fresh: bool = False) -> dict:
    todo = [i for i, a in enumerate(answers) if a.id not in protected]
    if not todo:
        return {"reassigned": 0, "unthemed": 0}
    suggestions = coder.suggest(vectors[todo], [texts[i] for i in todo])
    ids = [answers[i].id for i in todo]
    if fresh:
        # Answers the analyst checked while the coder was learning are theirs: read the
        # decisions again, in a new transaction, before writing anything.
        db.rollback()
        protected = protected_answers(db, run, labelled_ids(db, run))
    # Themes the coder proposed last time and nobody has touched are proposed afresh.
    stale = db.scalars(select(Theme.id).where(
        Theme.run_id == run.id, Theme.origin == "coder", Theme.curated.is_(False),
        Theme.reviewed_at.is_(None))).all()
    if stale:
        db.execute(delete(Quote).where(Quote.theme_id.in_(stale)))
        db.execute(delete(ThemeAssignment).where(ThemeAssignment.theme_id.in_(stale)))
        db.execute(delete(Theme).where(Theme.id.in_(stale)))
    themes = {t.key: t for t in queries.themes(db, run.id) if t.state == ACTIVE}
    known = set(coder.classes_)
    current = _current(db, run)
    changed = unthemed = 0
    changes: list[tuple[AnalysedAnswer, list]] = []
    for answer_id, s in zip(ids, suggestions, strict=True):
        if answer_id in protected:
            continue
        answer = db.get(AnalysedAnswer, answer_id)
        keys = [(k, c) for k, c in s.themes if k in themes]
        before = current.get(answer.id, [])
        if s.unthemed or getattr(s, "not_relevant", False) or not keys:
            # The coder cannot place it: its first-pass theme stands if the coder has
            # learned nothing about that theme; otherwise it is not yet themed.
            keep = [tid for tid, _main in before if _key_of(db, tid) not in known]
            if keep == [tid for tid, _main in before]:
                continue
            new = [(tid, j == 0, 0.0) for j, tid in enumerate(keep)]
        else:
            new = [(themes[k].id, j == 0, c) for j, (k, c) in enumerate(keys)]
            if [(t, m) for t, m, _ in new] == before:
                continue
        changes.append((answer, new))
        changed += 1
        unthemed += not new
    # In bulk: a few statements, not three per answer.
    ids = [a.id for a, _ in changes]
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        db.execute(delete(ThemeAssignment).where(ThemeAssignment.answer_id.in_(chunk)))
        db.execute(delete(Quote).where(Quote.answer_id.in_(chunk), Quote.approved_at.is_(None)))
    db.add_all([assignment(run, answer, db.get(Theme, tid), conf, main)
                for answer, new in changes for tid, main, conf in new])
    db.flush()
    return {"reassigned": changed, "unthemed": unthemed}


def _current(db: Session, run: AnalysisRun) -> dict[int, list[tuple[int, bool]]]:
    out: dict[int, list[tuple[int, bool]]] = {}
    rows = db.execute(
        select(ThemeAssignment.answer_id, ThemeAssignment.theme_id, ThemeAssignment.is_main)
        .where(ThemeAssignment.run_id == run.id)
        .order_by(ThemeAssignment.is_main.desc(), ThemeAssignment.score.desc())
    )
    for answer_id, theme_id, main in rows:
        out.setdefault(answer_id, []).append((theme_id, bool(main)))
    return out


def _key_of(db: Session, theme_id: int) -> str:
    theme = db.get(Theme, theme_id)
    return theme.key if theme is not None else ""


def unthemed_answers(db: Session, run: AnalysisRun) -> list[AnalysedAnswer]:
    """Substantive answers in no theme that the analyst has not marked not relevant."""
    labels = store.answer_labels(store.for_run(db, run))
    placed = select(ThemeAssignment.answer_id).where(ThemeAssignment.run_id == run.id)
    rows = db.scalars(
        select(AnalysedAnswer)
        .where(
            AnalysedAnswer.run_id == run.id,
            AnalysedAnswer.is_non_answer.is_(False),
            AnalysedAnswer.id.not_in(placed),
            AnalysedAnswer.response_id.in_(queries.reportable_ids()),
        )
        .order_by(AnalysedAnswer.id)
    )
    return [a for a in rows if (a.response_id, a.question_code) not in labels]


def _propose(db: Session, run: AnalysisRun, engine) -> int:
    """A fresh clustering of just the "not yet themed" answers: its themes are proposed
    as new (emerging) themes, for the analyst to confirm, rename or merge."""
    pool = unthemed_answers(db, run)
    if len(pool) < MIN_EMERGING:
        return 0
    result = engine.split([a.redacted_text for a in pool], ids=[a.id for a in pool])
    by_id = {a.id: a for a in pool}
    made = 0
    position = len(queries.themes(db, run.id, include_hidden=True))
    groups: dict[int, list[tuple[AnalysedAnswer, float]]] = {}
    for a in result.assignments:
        if a.theme_id is not None and int(a.id) in by_id:
            groups.setdefault(int(a.theme_id), []).append((by_id[int(a.id)], float(a.score or 0)))
    for t in result.themes:
        members = groups.get(int(t.id), [])
        if len(members) < max(3, MIN_EMERGING // 3):
            continue
        theme = Theme(
            run_id=run.id, label=str(t.label)[:200] or "New theme",
            keywords=[str(k) for k in (t.keywords or [])][:12], size=len(members), share=0.0,
            priority=None, emerging=True, centroid=[float(v) for v in (t.centroid or [])],
            position=position + made, origin="coder",
        )
        db.add(theme)
        db.flush()
        for answer, score in members:
            db.add(assignment(run, answer, theme, score, True))
        made += 1
    db.flush()
    return made
