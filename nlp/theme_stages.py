"""The theme engine's stages between the answers and the themes (``nlp.themes.ThemeEngine``
runs them in order): redaction reusing cached results, the code frame's assignment, the
reduction and clustering (UMAP and HDBSCAN, or Ward clustering for a small corpus), then the
merging of near-duplicate themes, outliers joining their closest theme and renumbering by size.

Stage functions take the engine for its settings and record what they learn on it
(``path_``, ``min_theme_size_``, ``reducer_``, ``clusterer_``, ``frame_names_``), as its
methods did. scikit-learn, SciPy, UMAP and HDBSCAN are imported when a stage runs.
"""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from collections.abc import Callable

import numpy as np

from .embeddings import CachedBackend, EmbeddingBackend, SentenceTransformerBackend, text_key
from .places import PlaceNameFinder
from .vectors import unit_rows

Progress = Callable[[str, float], None]


def default_min_theme_size(n: int) -> int:
    """Smallest theme HDBSCAN may report for ``n`` answers: about n/200, at least 8."""
    return int(max(8, min(500, round(n / 200))))


def fresh(estimator):
    """A fresh copy of a stage object, so the one passed in stays untouched."""
    try:
        from sklearn.base import clone

        return clone(estimator)
    except Exception:  # noqa: BLE001 - not an sklearn-style estimator
        return copy.deepcopy(estimator)


def embedding_backend(engine, n_texts: int | None = None) -> EmbeddingBackend:
    """The embedding backend; by default all-MiniLM-L6-v2, with int8 weights from
    ``large_corpus_size`` distinct answers (about 0.7 of the time; see BENCHMARKS.md).
    Without ``n_texts``, the backend already chosen (or the full-precision one)."""
    current = getattr(engine, "backend_", None)
    if current is not None and n_texts is None:
        return current
    int8 = engine.embedding_backend is None and (n_texts or 0) >= engine.large_corpus_size
    if current is None or (engine.embedding_backend is None and engine.int8_ != int8):
        backend = engine.embedding_backend or SentenceTransformerBackend(int8=int8)
        if engine.cache_dir:
            backend = CachedBackend(backend, engine.cache_dir)
        engine.backend_, engine.int8_ = backend, int8
    return engine.backend_


def engine_cache(engine):
    """The engine's on-disk cache (None without ``cache_dir``)."""
    backend = embedding_backend(engine)
    return backend.cache if isinstance(backend, CachedBackend) else None


def redact_cached(redactor, texts: list[str], cache) -> list[str]:
    """Redact, reusing earlier results from the cache (keyed by a hash of the text)."""
    prefix = getattr(redactor, "cache_key", None)
    if cache is None or prefix is None:
        unique = list(dict.fromkeys(texts))
        done = dict(zip(unique, (r.text for r in redactor.redact_many(unique)), strict=True))
        return [done[t] for t in texts]
    keys = [text_key(prefix, t) for t in texts]
    found = cache.get_texts(list(dict.fromkeys(keys)))
    todo = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in found))
    if todo:
        done = redactor.redact_many(todo)
        new = {text_key(prefix, t): r.text for t, r in zip(todo, done, strict=True)}
        cache.put_texts(new)
        found.update(new)
    return [found[k] for k in keys]


def code_frame(engine):
    from .codeframe import load_frame

    frame = engine.frame
    if frame is None:
        return []
    if isinstance(frame, str | bytes) or hasattr(frame, "__fspath__"):
        frame = load_frame(frame)
    return list(frame)


def assign_frame(engine, frame, emb: np.ndarray, backend) -> np.ndarray:
    """Frame theme index per answer, -1 where none fits (or there is no frame)."""
    from .codeframe import assign_to_frame, frame_vectors

    engine.frame_names_ = [t.name for t in frame]
    if not frame or not len(emb):
        return np.full(len(emb), -1, dtype=int)
    framed, _ = assign_to_frame(frame, emb, frame_vectors(frame, backend), engine.frame_threshold)
    # Frame themes keep the frame's order; those no answer fits are not reported.
    used = [i for i in range(len(frame)) if (framed == i).any()]
    engine.frame_names_ = [frame[i].name for i in used]
    remap = {old: new for new, old in enumerate(used)}
    return np.array([remap.get(int(x), -1) for x in framed], dtype=int)


def fit_names(engine, texts: list[str]):
    """The place and organisation names to leave out of these answers' themes."""
    if engine.name_finder is not None:
        finder = fresh(engine.name_finder)
    else:
        finder = PlaceNameFinder(configured=tuple(engine.place_names))
    if engine.place_names and not getattr(finder, "configured", None):
        finder.configured = tuple(engine.place_names)
    finder.cache_ = engine_cache(engine)  # entity tags are reused on a re-run
    finder.fit(texts)
    engine.name_finder_ = finder
    return finder


def make_reducer(engine, n: int):
    if engine.reducer is not None:
        return fresh(engine.reducer)
    from .reducers import ExactKnnUMAP

    return ExactKnnUMAP(
        n_neighbors=15,
        n_components=5,
        min_dist=0.0,
        n_epochs=200,
        random_state=engine.random_state,
    )


def make_clusterer(engine, n: int):
    if engine.clusterer is not None:
        return fresh(engine.clusterer)
    from hdbscan import HDBSCAN

    size = engine.min_theme_size or default_min_theme_size(n)
    return HDBSCAN(
        min_cluster_size=size,
        min_samples=max(3, size // 4),
        metric="euclidean",
        cluster_selection_method="eom",
        core_dist_n_jobs=2,
    )


def cluster(engine, emb: np.ndarray, report: Progress) -> np.ndarray:
    n = len(emb)
    engine.min_theme_size_ = engine.min_theme_size or default_min_theme_size(n)
    if n == 0:
        engine.path_ = "empty"
        return np.zeros(0, dtype=int)
    if n < 3:
        engine.path_ = "tiny"
        return np.zeros(n, dtype=int)
    # Identical answers share one point in the reduction: repeated rows would crowd
    # each other's neighbour lists and make UMAP's spectral start unstable.
    unique, inverse = np.unique(emb, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    if len(unique) < engine.small_corpus_size and engine.clusterer is None:
        engine.path_ = "small"
        report("cluster", 0.0)
        return small_corpus_labels(emb, engine.random_state, engine.max_themes)
    engine.path_ = "density"
    report("reduce", 0.0)
    reducer = make_reducer(engine, len(unique))
    cache = engine_cache(engine)
    key = None
    if cache is not None and hasattr(reducer, "get_params"):
        params = repr(sorted((k, repr(v)) for k, v in reducer.get_params().items()))
        digest = hashlib.sha256(unique.tobytes())
        digest.update(f"{type(reducer).__name__}{params}".encode())
        key = "reduced-" + digest.hexdigest()
    reduced = cache.get_array(key) if key else None
    if reduced is None:
        reduced = reducer.fit_transform(unique)
        if key:
            cache.put_array(key, reduced)
    reduced = np.asarray(reduced)[inverse]
    engine.reducer_ = reducer
    report("cluster", 0.0)
    clusterer = make_clusterer(engine, n)
    clusterer.fit(reduced)
    engine.clusterer_ = clusterer
    labels = np.asarray(clusterer.labels_, dtype=int)
    if (labels >= 0).sum() == 0:
        # Density clustering found nothing: fall back to the small-corpus path.
        engine.path_ = "density-fallback"
        return small_corpus_labels(emb, engine.random_state, engine.max_themes)
    return labels


def finish_clusters(engine, emb: np.ndarray, labels: np.ndarray):
    """Merge near-duplicate themes, reassign outliers, renumber by size."""
    labels = labels.copy()
    if len(labels) == 0 or (labels >= 0).sum() == 0:
        dim = emb.shape[1] if emb.ndim == 2 else 0
        return np.full(len(labels), -1, dtype=int), np.zeros((0, dim))
    centroids = theme_centroids(emb, labels)
    if engine.max_themes and len(centroids) > engine.max_themes:
        # Too many themes for an analyst: merge the most similar ones.
        from sklearn.cluster import AgglomerativeClustering

        merged = AgglomerativeClustering(
            n_clusters=engine.max_themes, metric="cosine", linkage="average"
        ).fit_predict(centroids)
        labels = np.where(labels >= 0, merged[np.maximum(labels, 0)], -1)
        centroids = theme_centroids(emb, labels)
    # Outliers join the closest theme when similar enough.
    out = np.flatnonzero(labels < 0)
    if len(out):
        sims = emb[out] @ centroids.T
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(out)), best] >= engine.outlier_threshold
        labels[out[ok]] = best[ok]
    # One pass of nearest-centroid refinement makes each answer's theme its closest.
    centroids = theme_centroids(emb, labels)
    sims = emb @ centroids.T
    themed = labels >= 0
    labels[themed] = sims[themed].argmax(axis=1)
    # Renumber by size, dropping emptied themes.
    counts = Counter(int(x) for x in labels if x >= 0)
    order = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    remap = {old: new for new, old in enumerate(order)}
    labels = np.array([remap.get(int(x), -1) for x in labels], dtype=int)
    return labels, theme_centroids(emb, labels)


def with_frame(framed: np.ndarray, rest: np.ndarray, labels: np.ndarray):
    """One label per answer: the frame themes first (0..F-1), then the emerging themes
    clustered from the ``rest`` of the answers (F..)."""
    n_frame = int(framed.max()) + 1 if len(framed) and framed.max() >= 0 else 0
    out = framed.copy()
    out[rest] = np.where(labels >= 0, labels + n_frame, -1)
    return out, n_frame


def theme_centroids(emb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    cents = np.zeros((k, emb.shape[1]), dtype=np.float32)
    for t in range(k):
        m = labels == t
        if m.any():
            cents[t] = emb[m].mean(axis=0)
    return unit_rows(cents)


def small_corpus_labels(emb: np.ndarray, random_state: int, max_themes: int = 15) -> np.ndarray:
    """Small consultations: Ward clustering of the unit embeddings, with the number of themes
    (half to the whole square root of the answers) chosen by silhouette, since density
    clustering needs more points. Ward keeps themes of comparable size: average linkage
    (used before) split 165 answers on one topic into 1 theme of 161 and a few outliers."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import silhouette_score

    n = len(emb)
    emb = unit_rows(emb)  # a new array: the caller's is left as it was
    zero = np.linalg.norm(emb, axis=1) == 0
    emb[zero, 0] = 1.0  # an empty embedding (no usable words) cannot have a cosine distance
    distinct = len({row.tobytes() for row in emb})
    if distinct < 2:
        return np.zeros(n, dtype=int)
    best_labels = np.zeros(n, dtype=int)
    best_score = -1.0
    # From half to the whole square root of the answers: silhouette alone prefers 2 on a
    # consultation about one topic (its sub-concerns overlap), which tells an analyst nothing.
    max_k = int(min(max_themes or 15, distinct - 1, max(2, round(np.sqrt(n)))))
    min_k = int(min(max_k, max(2, round(np.sqrt(n) / 2))))
    tree = linkage(emb.astype(np.float64), method="ward")  # one tree, cut at each k
    for k in range(min_k, max_k + 1):
        labels = fcluster(tree, t=k, criterion="maxclust") - 1
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(emb, labels, metric="cosine", random_state=random_state)
        if score > best_score:
            best_score, best_labels = score, labels
    return best_labels.astype(int)
