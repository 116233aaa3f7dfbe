"""Starting a run from a code frame or from last year's reviewed run.

A *code frame* is a list of themes the analyst expects (name, description, example
answers): a CSV or YAML file (``nlp.codeframe.load_frame``), or the shipped priorities
(``surveys/priorities.yaml``). *Last year's run*: its reviewed themes are this year's frame
(with the same theme keys), and its decisions seed this year's coder (``coding.training``).

Either way the frame's themes are made in the run (``origin == "frame"``) and each answer
is first put in the frame theme it is most similar to; answers that fit none keep the
first pass's theme. The analyst reviews them as any other theme.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from consult.analysis import queries
from consult.analysis.errors import AnalysisError
from consult.analysis.models import ACTIVE, AnalysisRun, Quote, Theme, ThemeAssignment
from consult.analysis.runs.engine import vectors_of
from consult.analysis.runs.results import assignment, recount_run, run_answers

# Where uploaded frames are kept (under the instance folder).
FRAME_DIR = "code-frames"


def frame_path(instance_path: str, name: str) -> Path:
    return Path(instance_path) / FRAME_DIR / name


def load(path: str | Path):
    """The frame's themes; ``AnalysisError`` with the file's problem in words."""
    from nlp.codeframe import CodeFrameError, load_frame

    try:
        frame = load_frame(path)
    except CodeFrameError as exc:
        raise AnalysisError(str(exc)) from None
    if not frame:
        raise AnalysisError("The code frame has no themes")
    return frame


def seed_frame(db: Session, seed: AnalysisRun) -> list[tuple[str, object]]:
    """(theme key, FrameTheme) for last year's reviewed, relevant themes: the name the
    analyst gave, and its typical answers as examples."""
    from nlp.codeframe import FrameTheme

    out = []
    for theme in queries.themes(db, seed.id):
        if theme.reviewed_at is None or theme.not_relevant or theme.state != ACTIVE:
            continue
        rows, _ = queries.theme_answers(db, theme, per_page=8)
        examples = tuple(dict.fromkeys(a.redacted_text for a, _ in rows if a.redacted_text))
        out.append((theme.key, FrameTheme(name=theme.label, description="", examples=examples)))
    return out


def _frame_keys(keyed: list[tuple[str | None, object]]) -> list[tuple[str, object]]:
    """A file frame's themes keyed by their name, so a re-run from the same frame makes the
    same themes (the analyst's decisions name themes by key). Last year's keep theirs."""
    out, taken = [], set()
    for key, t in keyed:
        if key is None:
            name = " ".join(str(t.name).casefold().split())
            key = "frame-" + hashlib.blake2b(name.encode(), digest_size=13).hexdigest()
            while key in taken:  # the same name twice in one file: two themes still
                key = "frame-" + hashlib.blake2b(key.encode(), digest_size=13).hexdigest()
        taken.add(key)
        out.append((key, t))
    return out


def start_themes(db: Session, run: AnalysisRun, engine, start: dict) -> dict:
    """Make the frame's themes in ``run`` and place the answers that fit one. Returns a
    summary for the run's settings."""
    from nlp.codeframe import assign_to_frame, frame_texts

    if start.get("seed_run"):
        seed = db.get(AnalysisRun, int(start["seed_run"]))
        if seed is None:
            raise AnalysisError("Last year's run no longer exists")
        keyed = seed_frame(db, seed)
        if not keyed:
            raise AnalysisError(f"The run ‘{seed.title}’ has no reviewed themes to start from")
        source = f"run {seed.id}"
    else:
        keyed = [(None, t) for t in load(start["frame"])]
        source = str(start.get("frame_name") or Path(start["frame"]).name)
    keyed = _frame_keys(keyed)
    frame = [t for _, t in keyed]
    answers = run_answers(db, run)
    vectors = vectors_of(engine, [a.redacted_text for a in answers])
    if vectors is None:
        raise AnalysisError("The theme engine cannot compare answers with a code frame")
    frame_vectors = [vectors_of(engine, frame_texts(t)) for t in frame]
    which, score = assign_to_frame(frame, vectors, frame_vectors)
    position = len(queries.themes(db, run.id, include_hidden=True))
    made: list[Theme] = []
    for i, (key, t) in enumerate(keyed):
        existing = db.scalar(select(Theme).where(Theme.run_id == run.id, Theme.key == key))
        theme = existing or Theme(
            run_id=run.id, label=t.name[:200], keywords=[], size=0, share=0.0,
            position=position + i, origin="frame",
            centroid=[float(x) for x in np.asarray(frame_vectors[i]).mean(axis=0)],
        )
        theme.key = key
        if existing is None:
            db.add(theme)
        made.append(theme)
    db.flush()
    placed = 0
    for answer, j, s in zip(answers, which, score, strict=True):
        if j < 0:
            continue
        db.execute(delete(ThemeAssignment).where(ThemeAssignment.answer_id == answer.id))
        db.execute(delete(Quote).where(Quote.answer_id == answer.id))
        db.add(assignment(run, answer, made[int(j)], float(s), True))
        placed += 1
    recount_run(db, run)
    return {"source": source, "themes": len(made), "placed": placed}
