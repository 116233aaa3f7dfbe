"""Themes from decisions: answers the analyst coded keep their theme, and a ``GuidedCoder``
trained on them assigns the rest (``consult analyse-csv --labels-column``).

Works on a finished first analysis (``ThemeEngine.fit``): its redaction, non-answers and
answer vectors are reused; its clusters are replaced by the decided themes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from .answer_graph import AnswerGraph
from .coder import GuidedCoder
from .theme_details import theme_places, theme_quotes
from .themes import Assignment, Theme, ThemeEngine, ThemeResult


def code_with_decisions(engine: ThemeEngine, result: ThemeResult,
                        decisions: Sequence[str | None], coder: GuidedCoder | None = None
                        ) -> ThemeResult:
    """``decisions[i]``: the theme the analyst gave answer ``i`` (several separated by
    ";"), or None/"" where undecided. Decided rows keep their themes (a decided non-answer
    counts as an answer); undecided answers get the coder's suggestion, none where the
    coder finds no theme fits well ("not yet themed"); undecided non-answers stay so."""
    n = len(result.assignments)
    if len(decisions) != n:
        raise ValueError(f"got {n} answers but {len(decisions)} decisions")
    given = [[p.strip() for p in str(d).split(";") if p.strip()] if d else [] for d in decisions]
    names = sorted({k for g in given for k in g})
    if not names:
        raise ValueError("no decisions: every row's label is empty")
    answer_rows = [i for i, a in enumerate(result.assignments) if not a.is_non_answer]
    vectors = np.zeros((n, engine.embeddings_.shape[1]), dtype=np.float32)
    vectors[answer_rows] = engine.embeddings_
    texts = [a.redacted_text for a in result.assignments]
    train = [i for i in answer_rows if given[i]]
    todo = [i for i in answer_rows if not given[i]]
    ids = {name: t for t, name in enumerate(names)}
    theme_of: dict[int, int | None] = {}
    score: dict[int, float] = {}
    further: dict[int, list[tuple[int, float]]] = {}
    for i, g in enumerate(given):
        if g:
            theme_of[i], score[i] = ids[g[0]], 1.0
            further[i] = [(ids[k], 1.0) for k in g[1:]]
    if train and todo and len({k for i in train for k in given[i]}) > 1:
        graph = AnswerGraph(vectors[answer_rows])  # decisions spread to similar answers
        coder = (coder or GuidedCoder(random_state=engine.random_state, graph=graph)).fit(
            vectors[train], [given[i] for i in train], [texts[i] for i in train])
        for i, s in zip(todo, coder.suggest(vectors[todo], [texts[i] for i in todo]),
                        strict=True):
            if s.unthemed or s.not_relevant or not s.themes:
                theme_of[i] = None
                continue
            theme_of[i], score[i] = ids[s.themes[0][0]], s.themes[0][1]
            further[i] = [(ids[k], p) for k, p in s.themes[1:]]
    elif todo and len(names) == 1:  # one theme decided: everything like it joins it
        for i in todo:
            theme_of[i], score[i] = 0, 1.0

    assignments = []
    for i, a in enumerate(result.assignments):
        t = theme_of.get(i)
        assignments.append(Assignment(
            a.id, t, round(score.get(i, 0.0), 4) if t is not None else 0.0,
            further.get(i, []), a.is_non_answer and not given[i], a.redacted_text,
            non_answer_kind=a.non_answer_kind if not given[i] else None))
    themes = []
    labels = np.array([-1 if theme_of.get(i) is None else theme_of[i] for i in range(n)])
    for t, name in enumerate(names):
        members = np.flatnonzero(labels == t)
        centroid = vectors[members].mean(axis=0) if len(members) else np.zeros(vectors.shape[1])
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        themes.append(Theme(
            id=t, label=name, keywords=[], size=int(len(members)),
            share=round(len(members) / n, 4) if n else 0.0,
            quotes=theme_quotes(texts, vectors, members, centroid, engine.n_quotes),
            places=theme_places(texts, members),
            centroid=[round(float(v), 6) for v in centroid]))
    themes.sort(key=lambda th: -th.size)
    n_non = sum(a.is_non_answer for a in assignments)
    return ThemeResult(
        themes=themes, assignments=assignments, n_answers=n, n_non_answers=n_non,
        n_unthemed=sum(1 for a in assignments if a.theme_id is None and not a.is_non_answer),
        non_answer_kinds=dict(Counter(a.non_answer_kind for a in assignments
                                      if a.is_non_answer and a.non_answer_kind)),
        settings={**result.settings, "path": "coder", "decisions": sum(1 for g in given if g)},
    )
