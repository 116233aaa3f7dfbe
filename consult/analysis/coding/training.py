"""Where the coder is trained: ``nlp.coder.GuidedCoder`` learns from the analyst's decisions
(``decisions.answer_labels``) over the answers' vectors (read from the embedding cache the
run filled, through the engine adapter) and re-assigns the answers nobody has reviewed,
several themes per answer where it raises several.

Answers the analyst placed, marked not relevant, or quoted (approved) are never moved.
What else may move is ``stability``'s: an answer moves only if its new theme wins by a
margin, never into no theme, and never so that a theme is left empty (the theme is flagged
instead). Each retrain is one entry in the run's history, undoable (``engine_history``).
The answers in no theme are clustered afresh into *proposals* (``proposed``): new themes
only once the analyst accepts them. The order of the check queue (``check_queue``) is
worked out here too, so no request ever trains anything.

Runs only in jobs: ``analysis.run`` (after the decisions are applied) and
``analysis.code`` (``coding.job``: after a batch of decisions, or "Update suggestions").
When it learns is the retrain rule's (``coding.retrain``); the arithmetic of the proposed
themes is ``nlp.proposals``'.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import NamedTuple

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from consult.analysis import queries, run_settings
from consult.analysis.coding import engine_history, proposed, stability
from consult.analysis.coding import features as run_features
from consult.analysis.coding.retrain import RetrainRule
from consult.analysis.models import (
    ACTIVE,
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
)
from consult.analysis.review import decisions as store
from consult.analysis.review.curation import theme_by_key
from consult.analysis.runs.engine import vectors_of
from consult.analysis.runs.results import AnswerRow, answer_rows, recount_run

# How many answers of the review queue's order are worked out ahead (the coder is retrained
# after every ``ANALYSIS_CODER_EVERY`` checks, so a few batches' worth).
QUEUE_AHEAD = 100
# Rows per statement when assignments are rewritten in bulk.
CHUNK = 500


class CodingError(RuntimeError):
    """The coder cannot run yet; the message says what the analyst can do."""


def _coder_module():
    try:
        from nlp import coder
    except ImportError:  # pragma: no cover - depends on the install
        return None
    return coder


class TrainingSet(NamedTuple):
    rows: list[int]  # indices into the run's answers (this run's decisions)
    labels: list[list[str]]  # theme keys per training answer: this run's, then the seed's
    seed_texts: list[str]  # texts of the seed run's labelled answers (last year's)
    labelled: set[int]  # ids of this run's labelled answers


def training_set(db: Session, run: AnalysisRun, answers: Sequence[AnswerRow],
                 decided: list) -> TrainingSet:
    """The decisions of the run's scope, and those of the run it was seeded from (last
    year's reviewed run). Theme keys are resolved to the theme each now stands for (merges
    followed)."""
    resolve = _resolver(db, run)
    at = {(a.response_id, a.question_code): k for k, a in enumerate(answers)}
    rows, labels, labelled = [], [], set()
    for where, label in store.answer_labels(decided).items():
        k = at.get(where)
        if k is None:
            continue
        keys = resolve(label.keys)
        if label.keys and not keys:
            continue
        rows.append(k)
        labels.append(keys)
        labelled.add(answers[k].id)
    seed_texts: list[str] = []
    seed_id = run_settings.read(run).start.get("seed_run")
    seed = db.get(AnalysisRun, int(seed_id)) if seed_id else None
    if seed is not None:
        seed_answers = {(a.response_id, a.question_code): a for a in answer_rows(db, seed)}
        for where, label in store.answer_labels(store.for_run(db, seed)).items():
            answer = seed_answers.get(where)
            keys = resolve(label.keys)
            if answer is None or (label.keys and not keys):
                continue
            seed_texts.append(answer.text)
            labels.append(keys)
    return TrainingSet(rows, labels, seed_texts, labelled)


def _resolver(db: Session, run: AnalysisRun) -> Callable[[Sequence[str]], list[str]]:
    """Theme keys -> the keys of the active themes they stand for now (each looked up once)."""
    memo: dict[str, str | None] = {}

    def resolve(keys: Sequence[str]) -> list[str]:
        out = []
        for key in keys:
            if key not in memo:
                theme = theme_by_key(db, run, key)
                memo[key] = theme.key if theme is not None else None
            if memo[key] is not None and memo[key] not in out:
                out.append(memo[key])
        return out

    return resolve


def protected_answers(db: Session, run: AnalysisRun, labelled: set[int]) -> set[int]:
    """Answers the coder must not move: labelled by the analyst, placed by hand, or quoted
    with approval."""
    manual = set(db.scalars(select(ThemeAssignment.answer_id).where(
        ThemeAssignment.run_id == run.id, ThemeAssignment.manual.is_(True))))
    quoted = set(db.scalars(select(Quote.answer_id).where(
        Quote.run_id == run.id, Quote.approved_at.is_not(None))))
    return labelled | manual | quoted


def code_run(db: Session, run: AnalysisRun, engine, progress: Callable | None = None,
             required: bool = False, rule: RetrainRule | None = None, fresh: bool = False,
             cache_dir: str | os.PathLike | None = None,
             between: Callable[[], None] | None = None) -> dict | None:
    """Train the coder on the decisions and re-assign the unreviewed answers; then work out
    the check queue's order. Returns a summary for the run's settings (None: too little to
    learn from yet, see ``RetrainRule.enough``; only the queue order was refreshed).
    ``required``: too little is a ``CodingError``. ``cache_dir``: where the run's features
    (``features``) are kept between jobs. ``between``: called between short transactions
    (the analysis job commits there, its run still pending, so the coder's learning and the
    queue's order never hold the database's write lock); without it, one transaction."""
    step = between or (lambda: None)
    rule = rule or RetrainRule()
    report = progress or (lambda value, text: None)
    coder_mod = _coder_module()
    answers = answer_rows(db, run)
    if coder_mod is None or not answers:
        if required:
            raise CodingError("The coder is not installed, or this run has no answers.")
        return None
    decided = store.for_run(db, run)
    train = training_set(db, run, answers, decided)
    report(0.15, "Reading the answers' meaning")
    feats = run_features.features(
        run.id, [(a.id, a.text) for a in answers], train.seed_texts,
        lambda texts: vectors_of(engine, texts), cache_dir)
    if feats is None:
        if required:
            raise CodingError("The theme engine cannot give the answers' vectors.")
        return None
    texts = [a.text for a in answers]
    labels = train.labels
    labelled = train.labelled
    seed_texts = [t for t in train.seed_texts if run_features.digest(t) in feats.extra]
    if len(seed_texts) < len(train.seed_texts):  # the engine could not read last year's
        labels = labels[:len(train.rows)]
        seed_texts = []
    coder = None
    summary: dict | None = None
    if rule.enough(labels):
        report(0.4, f"Learning from {len(labels)} decisions")
        X = np.vstack([feats.vectors[train.rows], feats.extra_vectors(seed_texts)])
        # Warm-started from the last job's weights: a batch of decisions later, the solver
        # needs a few iterations (at 2,000 decisions: 1.7 s instead of 4.9 s).
        # With the run's graph: vectors smoothed with their neighbours, decisions spread
        # to near-duplicates (BENCHMARKS.md, "Accuracy on the unreviewed answers").
        coder = coder_mod.GuidedCoder(random_state=0, lexicon=feats.lexicon,
                                      graph=feats.graph).fit(
            X, labels, [texts[k] for k in train.rows] + seed_texts,
            warm_start=run_features.read_weights(cache_dir, run.id, feats.key))
        run_features.write_weights(cache_dir, run.id, feats.key, coder.weights())
        _remember_probabilities(coder)
        report(0.6, "Suggesting themes for the answers nobody has checked")
        summary, moves, flagged = _reassign(db, run, coder, answers, feats.vectors, texts,
                                            protected_answers(db, run, labelled), fresh=fresh,
                                            decisions=len(labels), between=between)
        step()
        if fresh:
            decided = store.for_run(db, run)
        labelled = labelled_ids(db, run, decided)
        summary["decisions"] = len(labels)
        engine_history.record_retrain(db, run, len(store.queue_hits(decided)), moves, flagged,
                                      decisions=len(labels))
        report(0.8, "Looking for new themes in the answers that fit none")
        summary["proposed"] = proposed.propose(db, run, engine, feats,
                                               unthemed_answers(db, run))
        step()
    elif required:
        raise CodingError(rule.too_few())
    report(0.9, "Choosing the next answers to check")
    seen = store.seen(decided)
    mask = np.array([(a.response_id, a.question_code) in seen or a.id in labelled
                     for a in answers], dtype=bool)
    from nlp.review_queue import review_order

    order = review_order(
        coder, feats.vectors, mask, n=min(QUEUE_AHEAD, int((~mask).sum())),
        texts=texts if feats.lexicon is not None else None, typical=feats.typical)
    run_settings.update(run, queue=[answers[i].id for i in order])
    recount_run(db, run)
    return summary


def _remember_probabilities(coder) -> None:
    """The suggestions and the queue's order ask the coder about the same answers: each
    answer's probabilities are worked out once, kept by its text (within a run the same
    text has the same vector)."""
    compute = coder.predict_proba
    memo: dict[str, np.ndarray] = {}

    def predict_proba(vectors, texts=None):
        if texts is None:
            return compute(vectors, texts)
        missing = [i for i, t in enumerate(texts) if t not in memo]
        if missing:
            rows = compute(np.asarray(vectors)[missing], [texts[i] for i in missing])
            memo.update(zip((texts[i] for i in missing), rows, strict=True))
        return np.asarray([memo[t] for t in texts])

    coder.predict_proba = predict_proba


def labelled_ids(db: Session, run: AnalysisRun, decided: list | None = None) -> set[int]:
    """Ids of the run's answers the analyst has labelled (placed or marked not relevant)."""
    labels = store.answer_labels(store.for_run(db, run) if decided is None else decided)
    rows = db.execute(select(AnalysedAnswer.id, AnalysedAnswer.response_id,
                             AnalysedAnswer.question_code).where(AnalysedAnswer.run_id == run.id))
    return {i for i, rid, code in rows if (rid, code) in labels}


def _reassign(db: Session, run: AnalysisRun, coder, answers: Sequence[AnswerRow],
              vectors: np.ndarray, texts: list[str], protected: set[int],
              fresh: bool = False, decisions: int = 0,
              between: Callable[[], None] | None = None) -> tuple[dict, dict, list[int]]:
    """The unreviewed answers re-assigned, within the rules of ``stability`` (a margin to
    move, never into no theme, never emptying a theme). Returns the summary, the moves
    (answer id -> (assignments before, after), for the history) and the flagged themes."""
    todo = [k for k, a in enumerate(answers) if a.id not in protected]
    if not todo:
        return {"reassigned": 0, "unthemed": 0}, {}, []
    todo_texts = [texts[k] for k in todo]
    suggestions = coder.suggest(vectors[todo], todo_texts)
    proba = coder.predict_proba(vectors[todo], todo_texts)
    if fresh:
        # Answers the analyst checked while the coder was learning are theirs: read the
        # decisions again, in a new transaction, before writing anything.
        db.rollback()
        protected = protected_answers(db, run, labelled_ids(db, run))
    rows = db.execute(select(Theme.id, Theme.key, Theme.state).where(Theme.run_id == run.id)
                      .order_by(Theme.size.desc(), Theme.position, Theme.id)).all()
    key_of = {tid: key for tid, key, _ in rows}
    themes = {key: tid for tid, key, state in rows if state == ACTIVE}
    classes = list(coder.classes_)
    margin = stability.margin_for(decisions)
    current = _current(db, run)
    changes: dict[int, list[tuple[int, bool, float]]] = {}
    for k, s, p in zip(todo, suggestions, proba, strict=True):
        answer = answers[k]
        if answer.id in protected:
            continue
        before = current.get(answer.id, [])
        keys = stability.next_themes(
            key_of.get(before[0][0]) if before else None,
            replace(s, themes=tuple((key, c) for key, c in s.themes if key in themes)),
            classes, p, margin)
        if keys is None:
            continue  # it stays: unplaceable (only the analyst takes it out), or no margin
        new = [(themes[key], j == 0, c) for j, (key, c) in enumerate(keys)]
        if [(t, m) for t, m, _ in new] != before:
            changes[answer.id] = new
    dropped, flagged = stability.keep_themes_filled(current, changes, set(themes.values()))
    # Held back: they stay, but "Check answers" suggests where the coder would put them.
    held = {str(a): [t for t, _m, _c in changes[a]] for a in sorted(dropped)}
    changes = {a: new for a, new in changes.items() if a not in dropped}
    by_id = {a.id: a for a in answers}
    before_rows = engine_history.assignments(db, run, list(changes))
    _rewrite(db, run, [(by_id[a], new) for a, new in changes.items()], between)
    moves = {a: (before_rows[a], [[t, m, float(c)] for t, m, c in new])
             for a, new in changes.items()}
    return {"reassigned": len(changes), "unthemed": 0, "flagged": sorted(flagged),
            "held": held}, moves, sorted(flagged)


def _rewrite(db: Session, run: AnalysisRun,
             changes: list[tuple[AnswerRow, list[tuple[int, bool, float]]]],
             between: Callable[[], None] | None = None) -> None:
    """The changed answers' assignments replaced, ``CHUNK`` answers at a time (a suggested,
    not approved, quote goes only when its answer leaves the quote's theme); ``between`` is
    called after each chunk, whose answers are then whole (old assignments gone, new ones
    written)."""
    for start in range(0, len(changes), CHUNK):
        part = changes[start:start + CHUNK]
        chunk = [a.id for a, _ in part]
        kept = {a.id: {tid for tid, _m, _c in new} for a, new in part}
        gone = [qid for qid, aid, tid in db.execute(
            select(Quote.id, Quote.answer_id, Quote.theme_id).where(
                Quote.answer_id.in_(chunk), Quote.approved_at.is_(None)))
            if tid not in kept[aid]]
        db.execute(delete(ThemeAssignment).where(ThemeAssignment.answer_id.in_(chunk)))
        if gone:
            db.execute(delete(Quote).where(Quote.id.in_(gone)))
        _insert(db, run, [(a, tid, main, conf) for a, new in part for tid, main, conf in new])
        if between is not None:
            between()


def _insert(db: Session, run: AnalysisRun, rows) -> None:
    """Assignments (answer, theme id, is main, score) written in bulk."""
    values = [{"run_id": run.id, "answer_id": a.id, "response_id": a.response_id,
               "question_code": a.question_code, "theme_id": tid, "score": float(score),
               "is_main": main, "manual": False} for a, tid, main, score in rows]
    if values:  # Core's executemany: no ORM objects, the driver batches the rows
        db.execute(insert(ThemeAssignment.__table__), values)


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
