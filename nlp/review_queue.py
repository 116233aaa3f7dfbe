"""What the review queue shows the analyst: ``review_order`` picks the next answers to check
(those the coder is unsure about and unlike the ones already reviewed, in dense parts of the
data, so a decision teaches about many answers), and ``agreement`` is the honest estimate
beside it (the share of the last decisions where the coder's top suggestion was what the
analyst chose, with a Wilson 95% interval)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nlp.intervals import wilson_interval

from .answer_graph import AnswerGraph
from .vectors import unit_rows

if TYPE_CHECKING:
    from .coder import GuidedCoder

# -- review queue ------------------------------------------------------------------------


def _uncertainty(proba: np.ndarray) -> np.ndarray:
    """1 - margin between the two most likely classes (1: a coin toss, 0: certain)."""
    if proba.shape[1] < 2:
        return np.zeros(len(proba))
    part = np.partition(proba, -2, axis=1)
    return 1.0 - (part[:, -1] - part[:, -2])


def _entropy(proba: np.ndarray) -> np.ndarray:
    if proba.shape[1] < 2:
        return np.zeros(len(proba))
    p = np.clip(proba, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=1) / np.log(proba.shape[1])


def _neighbourhood_mean(graph: AnswerGraph, vectors: np.ndarray, score: np.ndarray
                        ) -> np.ndarray:
    """Similarity-weighted mean of ``score`` over each answer's neighbours among
    ``vectors`` (neighbours outside them count as 0: already reviewed)."""
    rows, index, sims = graph.neighbours(vectors)
    value = np.zeros(graph.n)
    value[rows[rows >= 0]] = score[rows >= 0]
    w = sims / np.maximum(sims.sum(axis=1, keepdims=True), 1e-9)
    return (w * value[index]).sum(axis=1)


def typicality(vectors: np.ndarray, random_state: int = 0, sample: int = 1000,
               k: int = 10) -> np.ndarray:
    """How typical each answer is: mean similarity to its k nearest answers in a random
    sample. It does not change as decisions come in: a coding job computes it once per run
    and passes it to ``review_order``."""
    vectors = unit_rows(vectors)
    n = len(vectors)
    rng = np.random.default_rng(random_state)
    idx = rng.choice(n, size=min(sample, n), replace=False) if n > sample else np.arange(n)
    sims = vectors @ vectors[idx].T
    k = min(k + 1, sims.shape[1])  # +1: an answer in the sample is its own neighbour
    top = np.partition(sims, -k, axis=1)[:, -k:]
    return np.clip(top.mean(axis=1), 0.0, None)


def review_order(
    coder: GuidedCoder | None,
    vectors: np.ndarray,
    reviewed: np.ndarray,
    n: int = 1,
    random_state: int = 0,
    texts: Sequence[str] | None = None,
    *,
    typical: np.ndarray | None = None,
    density_power: float = 1.0,
    distance_power: float = 1.0,
    neighbourhood: float = 0.0,
    uncertainty: str = "margin",
) -> list[int]:
    """Indices of the ``n`` unreviewed answers (``reviewed``: bool mask) the coder learns
    most from: uncertain, unlike those already reviewed (or picked earlier in this batch),
    and typical of many answers. ``coder`` None (nothing learned yet): diverse, typical
    answers. ``texts`` lets the coder use its lexical features; ``typical`` is
    ``AnswerGraph(vectors).typicality()`` (or, without a graph, ``typicality(vectors)``)
    when the caller keeps it between calls (by default: the coder's graph's when it is of
    these vectors, else a sample's). ``neighbourhood`` (adds the neighbours' mean
    uncertainty, needs the coder's graph) and ``uncertainty="entropy"`` were tried and are
    off by default (BENCHMARKS.md)."""
    vectors = unit_rows(vectors)
    reviewed = np.asarray(reviewed, dtype=bool)
    if len(reviewed) != len(vectors):
        raise ValueError(f"got {len(vectors)} vectors but a mask of {len(reviewed)}")
    pool = np.flatnonzero(~reviewed)
    if not len(pool) or n <= 0:
        return []
    pv = vectors[pool]
    if coder is None:
        score = np.ones(len(pool))
    else:
        pool_texts = [texts[i] for i in pool] if texts is not None else None
        proba = coder.predict_proba(pv, pool_texts)
        score = _uncertainty(proba) if uncertainty == "margin" else _entropy(proba)
        graph = getattr(coder, "graph", None)
        if neighbourhood > 0 and graph is not None:
            score = score + neighbourhood * _neighbourhood_mean(graph, pv, score)
        score = score + 1e-3  # still diverse when the coder is sure of everything
    if typical is None:
        graph = getattr(coder, "graph", None)
        typical = (graph.typicality() if graph is not None and graph.n == len(vectors)
                   else typicality(vectors, random_state))
    score = score * np.asarray(typical)[pool] ** density_power
    if reviewed.any():
        distance = 1.0 - (pv @ vectors[reviewed].T).max(axis=1)
    else:
        distance = np.ones(len(pool))
    distance = np.clip(distance, 0.0, 2.0)
    picked: list[int] = []
    for _ in range(min(n, len(pool))):
        total = score * (distance + 1e-6) ** distance_power
        total[picked] = -np.inf
        best = int(np.argmax(total))
        picked.append(best)
        distance = np.minimum(distance, np.clip(1.0 - pv @ pv[best], 0.0, 2.0))
    return [int(pool[j]) for j in picked]


# -- agreement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    n: int
    share: float | None
    low: float | None
    high: float | None


def agreement(hits: Sequence[bool], last: int = 50) -> Agreement:
    """Share of the last ``last`` decisions where the coder's top suggestion was what the
    analyst chose, with a 95% Wilson interval (None while there are no decisions)."""
    recent = list(hits)[-last:] if last > 0 else []
    if not recent:
        return Agreement(n=0, share=None, low=None, high=None)
    k = sum(bool(h) for h in recent)
    low, high = wilson_interval(k, len(recent))
    return Agreement(n=len(recent), share=k / len(recent), low=low, high=high)
