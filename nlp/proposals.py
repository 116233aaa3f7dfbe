"""New themes proposed from the answers that fit none: the arithmetic, on plain data.

The answers the coder could not place ("not yet themed") are clustered afresh to propose
new themes. Many of them: a sample of :data:`SAMPLE` is clustered (under the engine's
small-corpus size, so quick and without UMAP) and each of the others joins the proposed
theme it is as close to as that theme's own members are (or joins none). A proposal needs
:func:`min_members` answers to be worth showing.

Plain data in and out (indices, vectors, scores): the caller clusters and stores.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np

from nlp.vectors import unit_rows

# Fewest "not yet themed" answers worth clustering for new themes.
MIN_POOL = 12
# Most of them clustered afresh; the others join the nearest proposal, or none.
SAMPLE = 180

Members = list[tuple[int, float]]  # (row in the pool, score)


def min_members(pool_min: int = MIN_POOL) -> int:
    """Fewest answers a proposed theme must hold."""
    return max(3, pool_min // 3)


def sample_rows(n: int, size: int = SAMPLE, seed: int = 0) -> np.ndarray:
    """Rows of a pool of ``n`` answers to cluster, in order: all of them, or a seeded sample
    of ``size``."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def group(assignments: Iterable[tuple[int, Hashable | None, float]],
          themes: Sequence[Hashable]) -> list[tuple[Hashable, Members]]:
    """The clustering's themes (in ``themes`` order) with their members: ``assignments``
    are (pool row, theme id or None, score). Themes without members are left out."""
    members: dict[Hashable, Members] = {}
    for row, theme, score in assignments:
        if theme is not None:
            members.setdefault(theme, []).append((int(row), float(score or 0.0)))
    return [(t, members[t]) for t in themes if members.get(t)]


def join_rest(vectors: np.ndarray, sampled: np.ndarray,
              found: list[tuple[Hashable, Members]]) -> None:
    """The pool's rows outside ``sampled`` join (in place) the proposal whose centre they are
    nearest to, if at least as near as that proposal's least similar member."""
    vectors = unit_rows(vectors)
    rest = np.setdiff1d(np.arange(len(vectors)), sampled)
    if not len(rest) or not found:
        return
    centres = unit_rows(np.vstack([vectors[[k for k, _ in m]].mean(axis=0) for _, m in found]))
    reach = [float((vectors[[k for k, _ in m]] @ centres[j]).min())
             for j, (_, m) in enumerate(found)]
    sims = vectors[rest] @ centres.T
    best = sims.argmax(axis=1)
    for r, (k, j) in enumerate(zip(rest, best, strict=True)):
        if sims[r, j] >= reach[j]:
            found[j][1].append((int(k), float(sims[r, j])))


def proposals(vectors: np.ndarray, sampled: np.ndarray,
              assignments: Iterable[tuple[int, Hashable | None, float]],
              themes: Sequence[Hashable], pool_min: int = MIN_POOL
              ) -> list[tuple[Hashable, Members]]:
    """The proposed themes worth showing, each with its members (pool row, score): the
    clustering of the ``sampled`` rows (``assignments``, ``themes``: see :func:`group`)
    extended to the rest of the pool by :func:`join_rest`."""
    found = group(assignments, themes)
    join_rest(vectors, sampled, found)
    return [(t, m) for t, m in found if len(m) >= min_members(pool_min)]


# --- naming a proposal the analyst accepts -------------------------------
_ARTICLES = {"a", "an", "the"}


def name_key(label: str) -> str:
    """A theme name as compared for sameness: case, articles, plurals, spacing and
    punctuation ignored ("The Services" and "service" are one name)."""
    words = "".join(c if c.isalnum() else " " for c in (label or "").casefold()).split()
    out = []
    for w in words:
        if w in _ARTICLES:
            continue
        if len(w) > 3 and w.endswith("ies"):
            w = w[:-3] + "y"
        elif len(w) > 4 and w.endswith(("ches", "shes", "xes", "sses", "zes")):
            w = w[:-2]
        elif len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return "".join(out)


def unique_label(label: str, taken: Iterable[str], fallback: str = "New theme") -> str:
    """``label`` if no name in ``taken`` is the same (:func:`name_key`), else the first of
    "label (2)", "label (3)" ... that is free."""
    label = " ".join((label or "").split())[:190] or fallback
    used = {name_key(t) for t in taken}
    if name_key(label) not in used:
        return label
    n = 2
    while name_key(f"{label} {n}") in used:
        n += 1
    return f"{label} ({n})"
