"""Evaluation: redaction precision/recall and theme quality against human labels.

Redaction cases are written inline: ``"Ring {PHONE:07700 900123} after six"``.
``parse_marked`` turns that into the plain text and gold spans; ``redaction_scores``
compares predicted spans with gold spans per type. A gold span counts as found when a
predicted span of the same type covers it entirely (the personal data is hidden); a
predicted span counts as correct when it overlaps a gold span of the same type.

Theme quality: ``cluster_scores`` gives NMI, ARI and V-measure with unthemed answers as one
extra group; ``kmeans_labels`` and ``bertopic_default_labels`` are the baselines, run on the
same embeddings the engine used.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

_MARK = re.compile(r"\{([A-Z]+):([^{}]+)\}")


def parse_marked(marked: str) -> tuple[str, list[tuple[str, int, int]]]:
    text_parts: list[str] = []
    spans: list[tuple[str, int, int]] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(marked):
        before = marked[pos : m.start()]
        text_parts.append(before)
        length += len(before)
        value = m.group(2)
        spans.append((m.group(1), length, length + len(value)))
        text_parts.append(value)
        length += len(value)
        pos = m.end()
    text_parts.append(marked[pos:])
    return "".join(text_parts), spans


def redaction_scores(
    gold: Sequence[Sequence[tuple[str, int, int]]],
    predicted: Sequence[Sequence[tuple[str, int, int]]],
) -> dict[str, dict[str, float]]:
    """Per-type precision, recall and counts over a set of sentences."""
    tp_recall: dict[str, int] = defaultdict(int)
    n_gold: dict[str, int] = defaultdict(int)
    tp_precision: dict[str, int] = defaultdict(int)
    n_pred: dict[str, int] = defaultdict(int)
    for g_spans, p_spans in zip(gold, predicted, strict=True):
        for kind, gs, ge in g_spans:
            n_gold[kind] += 1
            if any(k == kind and ps <= gs and pe >= ge for k, ps, pe in p_spans):
                tp_recall[kind] += 1
        for kind, ps, pe in p_spans:
            n_pred[kind] += 1
            if any(k == kind and ps < ge and pe > gs for k, gs, ge in g_spans):
                tp_precision[kind] += 1
    out = {}
    for kind in sorted(set(n_gold) | set(n_pred)):
        out[kind] = {
            "precision": tp_precision[kind] / n_pred[kind] if n_pred[kind] else 1.0,
            "recall": tp_recall[kind] / n_gold[kind] if n_gold[kind] else 1.0,
            "n_gold": n_gold[kind],
            "n_predicted": n_pred[kind],
        }
    return out


def cluster_scores(true_labels: Sequence, predicted: Sequence) -> dict[str, float]:
    """NMI, ARI and V-measure; predicted -1 / None (unthemed) count as one extra group."""
    from sklearn.metrics import (
        adjusted_rand_score,
        normalized_mutual_info_score,
        v_measure_score,
    )

    pred = ["__none__" if p is None or p == -1 else str(p) for p in predicted]
    true = [str(t) for t in true_labels]
    themed = [p for p in pred if p != "__none__"]
    return {
        "nmi": float(normalized_mutual_info_score(true, pred)),
        "ari": float(adjusted_rand_score(true, pred)),
        "v_measure": float(v_measure_score(true, pred)),
        "n_themes": len(set(themed)),
        "unthemed_share": 1 - len(themed) / len(pred) if pred else 0.0,
    }


def kmeans_labels(embeddings: np.ndarray, k: int, random_state: int = 42) -> np.ndarray:
    """Baseline: KMeans told the true number of labels."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=10, random_state=random_state).fit_predict(embeddings)


def bertopic_default_labels(texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
    """Baseline: BERTopic with its default settings on precomputed embeddings
    (UMAP 15 neighbours / 5 dimensions, HDBSCAN min_cluster_size 10, outliers kept)."""
    from bertopic import BERTopic

    model = BERTopic(embedding_model=None, calculate_probabilities=False, verbose=False)
    topics, _ = model.fit_transform(list(texts), embeddings=embeddings)
    return np.asarray(topics)


class PeakMemory:
    """Peak resident memory of this process while the block runs (Linux /proc sampling)."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak_mb = 0.0

    @staticmethod
    def rss_mb() -> float:
        with contextlib.suppress(OSError):  # no /proc: fall back to getrusage below
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def __enter__(self):
        import threading

        self._stop = threading.Event()
        self.peak_mb = self.rss_mb()

        def sample():
            while not self._stop.wait(self.interval):
                self.peak_mb = max(self.peak_mb, self.rss_mb())

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, self.rss_mb())
        return False


def evaluate(
    texts: Sequence[str],
    true_labels: Sequence,
    engine=None,
    baselines: bool = True,
    progress=None,
) -> dict[str, dict]:
    """Score the engine and, on the same (redacted) embeddings, the two baselines.

    Returns ``{"engine": {...}, "bertopic_defaults": {...}, "kmeans_true_k": {...}}``, each
    with nmi, ari, v_measure, n_themes, unthemed_share, seconds and peak_mb. The engine's
    seconds include redaction and embedding; a baseline's include only its own clustering
    (it reuses the engine's embeddings), reported with ``embed_seconds`` alongside.
    """
    import time

    from .embeddings import CachedBackend, SentenceTransformerBackend
    from .themes import ThemeEngine

    engine = engine or ThemeEngine()
    base = engine.embedding_backend or SentenceTransformerBackend()
    if not isinstance(base, CachedBackend):
        engine.embedding_backend = CachedBackend(base, engine.cache_dir)
    out: dict[str, dict] = {}
    with PeakMemory() as mem:
        start = time.perf_counter()
        result = engine.fit(list(texts), progress=progress)
        seconds = time.perf_counter() - start
    predicted = [a.theme_id for a in result.assignments]
    # Non-answers are one more group the engine reports (counted, not themed).
    predicted = [
        "non-answer" if a.is_non_answer else (a.theme_id if a.theme_id is not None else -1)
        for a in result.assignments
    ]
    scores = cluster_scores(true_labels, predicted)
    scores["n_themes"] = len(result.themes)
    scores["unthemed_share"] = result.n_unthemed / max(len(texts), 1)
    scores["non_answer_share"] = result.n_non_answers / max(len(texts), 1)
    out["engine"] = {**scores, "seconds": seconds, "peak_mb": mem.peak_mb}
    if not baselines:
        return out
    redacted = [a.redacted_text for a in result.assignments]
    start = time.perf_counter()
    emb = engine.embedding_backend.embed(redacted)
    embed_seconds = time.perf_counter() - start
    k = len(set(map(str, true_labels)))
    for name, fn in (
        ("bertopic_defaults", lambda: bertopic_default_labels(redacted, emb)),
        ("kmeans_true_k", lambda: kmeans_labels(emb, k)),
    ):
        with PeakMemory() as mem:
            start = time.perf_counter()
            labels = fn()
            seconds = time.perf_counter() - start
        out[name] = {
            **cluster_scores(true_labels, labels),
            "seconds": seconds,
            "embed_seconds": embed_seconds,
            "peak_mb": mem.peak_mb,
        }
    return out
