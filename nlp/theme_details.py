"""What each theme shows and what each answer gets besides its theme (``nlp.themes``): a
theme's representative quotes and the places its answers name, and each answer's further
themes (a second concern the answer names in words of its own)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .labelling import _stem
from .places import find_places

_WORDS = re.compile(r"\w+")
_CLAUSE_BREAK = re.compile(r"[,;.!?\n]|\b(?:and|but|also|plus|as well as)\b|&")


def further_themes(
    engine,
    sims: np.ndarray,
    labels: np.ndarray,
    texts: Sequence[str] = (),
    centroids: np.ndarray | None = None,
    keywords: dict[int, list[str]] | None = None,
) -> list[list[tuple[int, float]]]:
    """Further themes of each answer: close enough to the answer (``further_threshold``
    and ``further_ratio`` of the main theme's score), not a near-twin of the main theme,
    and with a word of their own in the answer (a second concern is named, not implied).
    """
    out: list[list[tuple[int, float]]] = [[] for _ in range(len(labels))]
    if sims.shape[1] < 2:
        return out
    twins = centroids @ centroids.T if centroids is not None else None
    stems = {t: {_stem(w) for k in kws for w in k.split()} for t, kws in (keywords or {}).items()}
    for i in range(len(labels)):
        main = labels[i]
        if main < 0:
            continue
        strict = max(engine.further_threshold, engine.further_ratio * sims[i, main])
        relaxed = max(engine.further_threshold, engine.clause_ratio * sims[i, main])
        candidates = [int(j) for j in np.flatnonzero(sims[i] >= min(strict, relaxed)) if j != main]
        if not candidates:
            continue
        text = texts[i].lower() if texts else ""
        words = {_stem(w) for w in _WORDS.findall(text)}
        clauses = [{_stem(w) for w in _WORDS.findall(c)} for c in _CLAUSE_BREAK.split(text)]
        clauses = [c for c in clauses if c]
        extra = []
        for j in sorted(candidates, key=lambda j: -sims[i, j]):
            if twins is not None and twins[main, j] >= engine.twin_threshold:
                continue
            own = stems.get(j, set()) - stems.get(main, set())
            if keywords is not None and not own & words:
                continue
            # Below the strict mark, a second concern must have a clause of its own
            # ("drug dealing and cars speeding"): a clause naming this theme's words
            # and not the main theme's.
            if sims[i, j] < strict and not (
                len(clauses) > 1
                and any(c & own and not c & stems.get(main, set()) for c in clauses)
            ):
                continue
            extra.append((j, round(float(sims[i, j]), 4)))
        out[i] = extra[:3]
    return out


def theme_places(
    texts: Sequence[str], members: np.ndarray, names=None, n: int = 5
) -> list[tuple[str, int]]:
    """The places most often named in a theme's answers (each answer counted once per
    place), those named at least twice: place phrases and recurring names."""

    def places(text: str) -> set[str]:
        return set(find_places(text)) | set(names.find(text) if names is not None else ())

    counts = Counter(p for i in members for p in places(texts[i]))
    return [(p, c) for p, c in counts.most_common(n) if c >= 2]


def theme_quotes(texts, emb, members, centroid, n_quotes: int) -> list[str]:
    """Typical and diverse: the closest answers to the centroid, picked by maximal marginal
    relevance, preferring answers of readable length."""
    if len(members) == 0 or n_quotes <= 0:
        return []
    sims = emb[members] @ centroid
    readable = np.array([3 <= len(_WORDS.findall(texts[i])) <= 60 for i in members])
    if readable.any():
        members, sims = members[readable], sims[readable]
    order = np.argsort(-sims, kind="stable")[:30]
    cand = members[order]
    chosen: list[int] = []
    seen: set[str] = set()
    while len(chosen) < n_quotes:
        best, best_score = None, -np.inf
        for c in cand:
            key = texts[c].strip().lower()
            if c in chosen or key in seen:
                continue
            rel = float(emb[c] @ centroid)
            red = max((float(emb[c] @ emb[d]) for d in chosen), default=0.0)
            score = 0.7 * rel - 0.3 * red
            if score > best_score:
                best, best_score = c, score
        if best is None:
            break
        chosen.append(int(best))
        seen.add(texts[best].strip().lower())
    return [texts[i] for i in chosen]
