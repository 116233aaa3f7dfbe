"""The theme engine: free-text answers in, themes and per-answer assignments out.

Pipeline (each stage an object passed in and stored untouched, BERTopic style)::

    redactor      personal data -> typed placeholders          (nlp.redact.Redactor)
    non-answers   "nothing", "n/a", "don't know" -> counted, not themed
    places        place phrases ("on the canal path") and recurring place and organisation
                  names ("Warren County", "WKU", the configured districts) left out of what
                  is embedded and labelled, so themes gather concerns, not places; listed
                  per theme (nlp.places)
    embedding     all-MiniLM-L6-v2, cached on disk by text hash (nlp.embeddings)
    code frame    optional: answers similar enough to a theme of the frame are assigned to
                  it first, named as in the frame; the rest go on (nlp.codeframe)
    reducer       UMAP to a few dimensions                     (fit_transform)
    clusterer     HDBSCAN; below ``small_corpus_size`` answers a silhouette-chosen
                  agglomerative clustering on the embeddings instead
    outliers      reassigned to the closest theme when similar enough
    labeller      c-TF-IDF keywords + spaCy noun-chunk label   (nlp.labelling.ThemeLabeller)
    priorities    closest priority in the taxonomy, or "emerging"

``ThemeEngine.fit`` returns a ``ThemeResult``; learned state is kept on the engine in
attributes ending in ``_`` (``embeddings_``, ``labels_``, ``centroids_``, ``result_``).
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .embeddings import (
    CachedBackend,
    EmbeddingBackend,
    SentenceTransformerBackend,
    text_key,
)
from .labelling import ThemeLabeller, _stem
from .nonanswers import classify_non_answer
from .places import PlaceNameFinder, find_places, strip_places
from .priorities import Taxonomy, load_taxonomy, map_to_priorities
from .redact import Redactor

Progress = Callable[[str, float], None]

STAGES = ("redact", "non_answers", "embed", "reduce", "cluster", "label", "priorities", "done")


@dataclass
class Theme:
    id: int
    label: str
    keywords: list[str]
    size: int
    share: float
    quotes: list[str]
    priority: str | None = None
    priority_score: float = 0.0
    emerging: bool = False
    places: list[tuple[str, int]] = field(default_factory=list)
    centroid: list[float] = field(default_factory=list, repr=False)
    from_frame: bool = False  # a theme of the code frame the run started from

    def to_dict(self, centroid: bool = True) -> dict:
        d = asdict(self)
        d["places"] = [list(p) for p in self.places]
        if not centroid:
            d.pop("centroid")
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Theme:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


@dataclass
class Assignment:
    id: object
    theme_id: int | None
    score: float
    further_themes: list[tuple[int, float]]
    is_non_answer: bool
    redacted_text: str
    non_answer_kind: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["further_themes"] = [list(x) for x in self.further_themes]
        return d


@dataclass
class ThemeResult:
    themes: list[Theme]
    assignments: list[Assignment]
    n_answers: int = 0
    n_non_answers: int = 0
    n_unthemed: int = 0
    non_answer_kinds: dict[str, int] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def theme(self, theme_id: int) -> Theme | None:
        return next((t for t in self.themes if t.id == theme_id), None)

    def to_dict(self, centroids: bool = True) -> dict:
        return {
            "n_answers": self.n_answers,
            "n_non_answers": self.n_non_answers,
            "n_unthemed": self.n_unthemed,
            "non_answer_kinds": dict(self.non_answer_kinds),
            "settings": dict(self.settings),
            "themes": [t.to_dict(centroid=centroids) for t in self.themes],
            "assignments": [a.to_dict() for a in self.assignments],
        }


def default_min_theme_size(n: int) -> int:
    """Smallest theme HDBSCAN may report for ``n`` answers: about n/200, at least 8."""
    return int(max(8, min(500, round(n / 200))))


class ThemeEngine:
    """Turn free-text answers into themes.

    Parameters (all optional):
        embedding_backend  object with ``name`` and ``embed(texts)``; default all-MiniLM-L6-v2
        cache_dir          directory of the on-disk embedding cache (None: no cache)
        reducer            UMAP-like object with ``fit_transform``; default tuned UMAP
        clusterer          HDBSCAN-like object with ``fit`` and ``labels_``; default tuned HDBSCAN
        labeller           ``ThemeLabeller``-like object; default c-TF-IDF + noun chunks
        redactor           ``Redactor``; default redacts with the configured spaCy model
        taxonomy           ``Taxonomy`` or path to its YAML; None skips priority mapping
        min_theme_size     smallest theme (default grows with the corpus)
        small_corpus_size  below this many distinct answers, cluster without UMAP/HDBSCAN
        further_threshold  similarity a further theme needs (relative to the main theme too)
        further_ratio      ... and the share of the main theme's similarity it needs
        clause_ratio       the lower share enough when a clause of the answer names it alone
        outlier_threshold  similarity an outlier needs to join its closest theme
        priority_threshold similarity a theme needs to map to a priority (else "emerging")
        n_quotes           representative quotes per theme
        random_state       seed: the same input gives the same themes
        max_themes         most themes reported; the most similar are merged beyond it
        twin_threshold     themes this similar to the main theme are not further themes
        mask_places        embed answers without their place phrases (themes of concerns,
                           with the places each is raised about listed per theme)
        large_corpus_size  from this many distinct answers the default model runs with int8
                           weights (embedding in about 0.7 of the time)
        place_names        names of the area the consultation covers (the configured
                           districts): never a theme, its label or a keyword
        name_finder        ``PlaceNameFinder``-like stage (``fit``, ``mask``, ``find``) that
                           finds the recurring place and organisation names to leave out
        frame              code frame to start from: a list of ``nlp.codeframe.FrameTheme``
                           or the path of a CSV/YAML frame; answers are assigned to its
                           themes by similarity first, the rest clustered as emerging themes
        frame_threshold    similarity an answer needs to join a frame theme (default
                           ``nlp.codeframe.DEFAULT_THRESHOLD``)
    """

    def __init__(
        self,
        embedding_backend: EmbeddingBackend | None = None,
        cache_dir: str | None = None,
        reducer=None,
        clusterer=None,
        labeller=None,
        redactor: Redactor | None = None,
        taxonomy: Taxonomy | str | None = None,
        min_theme_size: int | None = None,
        small_corpus_size: int = 200,
        further_threshold: float = 0.5,
        further_ratio: float = 0.85,
        clause_ratio: float = 0.75,
        outlier_threshold: float = 0.3,
        priority_threshold: float = 0.45,
        n_quotes: int = 3,
        random_state: int = 42,
        max_themes: int = 60,
        twin_threshold: float = 0.8,
        mask_places: bool = True,
        large_corpus_size: int = 50_000,
        place_names: Sequence[str] = (),
        name_finder=None,
        frame=None,
        frame_threshold: float | None = None,
    ):
        self.embedding_backend = embedding_backend
        self.cache_dir = cache_dir
        self.reducer = reducer
        self.clusterer = clusterer
        self.labeller = labeller
        self.redactor = redactor
        self.taxonomy = taxonomy
        self.min_theme_size = min_theme_size
        self.small_corpus_size = small_corpus_size
        self.further_threshold = further_threshold
        self.further_ratio = further_ratio
        self.clause_ratio = clause_ratio
        self.outlier_threshold = outlier_threshold
        self.priority_threshold = priority_threshold
        self.n_quotes = n_quotes
        self.random_state = random_state
        self.max_themes = max_themes
        self.twin_threshold = twin_threshold
        self.mask_places = mask_places
        self.large_corpus_size = large_corpus_size
        self.place_names = place_names
        self.name_finder = name_finder
        self.frame = frame
        self.frame_threshold = frame_threshold

    # -- stage helpers -------------------------------------------------------------------

    def _backend(self, n_texts: int | None = None) -> EmbeddingBackend:
        """The embedding backend; by default all-MiniLM-L6-v2, with int8 weights from
        ``large_corpus_size`` distinct answers (about 0.7 of the time; see BENCHMARKS.md).
        Without ``n_texts``, the backend already chosen (or the full-precision one)."""
        current = getattr(self, "backend_", None)
        if current is not None and n_texts is None:
            return current
        int8 = self.embedding_backend is None and (n_texts or 0) >= self.large_corpus_size
        if current is None or (self.embedding_backend is None and self.int8_ != int8):
            backend = self.embedding_backend or SentenceTransformerBackend(int8=int8)
            if self.cache_dir:
                backend = CachedBackend(backend, self.cache_dir)
            self.backend_, self.int8_ = backend, int8
        return self.backend_

    def _make_reducer(self, n: int):
        if self.reducer is not None:
            return _fresh(self.reducer)
        from .reducers import ExactKnnUMAP

        return ExactKnnUMAP(
            n_neighbors=15,
            n_components=5,
            min_dist=0.0,
            n_epochs=200,
            random_state=self.random_state,
        )

    def _make_clusterer(self, n: int):
        if self.clusterer is not None:
            return _fresh(self.clusterer)
        from hdbscan import HDBSCAN

        size = self.min_theme_size or default_min_theme_size(n)
        return HDBSCAN(
            min_cluster_size=size,
            min_samples=max(3, size // 4),
            metric="euclidean",
            cluster_selection_method="eom",
            core_dist_n_jobs=2,
        )

    def _cache(self):
        backend = self._backend()
        return backend.cache if isinstance(backend, CachedBackend) else None

    def _redact(self, redactor, texts: list[str]) -> list[str]:
        """Redact, reusing earlier results from the cache (keyed by a hash of the text)."""
        cache = self._cache()
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

    # -- fit -----------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        ids: Sequence | None = None,
        metadata: Sequence[dict] | None = None,
        progress: Progress | None = None,
    ) -> ThemeResult:
        """Theme ``texts``. ``ids`` default to 0..n-1; ``metadata`` (one dict per answer) is
        kept for the caller's breakdowns and not used for clustering."""
        report = progress or (lambda stage, fraction: None)
        texts = ["" if t is None else str(t) for t in texts]
        n = len(texts)
        ids = list(range(n)) if ids is None else list(ids)
        if len(ids) != n:
            raise ValueError(f"got {n} texts but {len(ids)} ids")
        if metadata is not None and len(metadata) != n:
            raise ValueError(f"got {n} texts but {len(metadata)} metadata rows")

        report("redact", 0.0)
        redactor = self.redactor or Redactor()
        redacted = self._redact(redactor, texts)
        self.redacted_ = redacted

        report("non_answers", 0.0)
        kinds = [classify_non_answer(t) for t in redacted]
        answer_idx = np.array([i for i, k in enumerate(kinds) if k is None], dtype=int)
        answer_texts = [redacted[i] for i in answer_idx]

        names = self._fit_names(answer_texts)
        report("embed", 0.0)
        backend = self._backend(len(set(answer_texts)))
        to_embed = (
            [names.mask(strip_places(t)) for t in answer_texts]
            if self.mask_places
            else answer_texts
        )
        if len(answer_texts):
            emb = backend.embed(to_embed, progress=lambda f: report("embed", f))
        else:
            emb = np.zeros((0, 1), dtype=np.float32)
        self.embeddings_ = emb

        frame = self._frame()
        framed = self._assign_frame(frame, emb, backend)
        rest = np.flatnonzero(framed < 0)
        labels = self._cluster(emb[rest], report)
        labels, _ = self._finish_clusters(emb[rest], labels)
        if frame:
            labels, n_frame = _with_frame(framed, rest, labels)
            centroids = _centroids(emb, labels)
        else:
            n_frame = 0
            centroids = _centroids(emb, labels)
        self.labels_ = labels
        self.centroids_ = centroids
        sims = emb @ centroids.T if len(centroids) else np.zeros((len(emb), 0))
        own = np.array(
            [sims[i, labels[i]] if labels[i] >= 0 else 0.0 for i in range(len(labels))]
        )

        report("label", 0.0)
        labeller = _fresh(self.labeller) if self.labeller is not None else ThemeLabeller()
        if isinstance(labeller, ThemeLabeller):
            labeller.cache_ = self._cache()  # parsed phrases are reused on a re-run
            labeller.excluded_ = tuple(names.names_)  # names never label a theme
        labeller.fit(to_embed, labels, own)  # labels name the concern; places are listed apart
        self.labeller_ = labeller

        report("priorities", 0.0)
        taxonomy = self.taxonomy
        if isinstance(taxonomy, str | bytes) or hasattr(taxonomy, "__fspath__"):
            taxonomy = load_taxonomy(taxonomy)
        mapping = (
            map_to_priorities(centroids, taxonomy, backend, self.priority_threshold)
            if taxonomy is not None and len(centroids)
            else [(None, 0.0)] * len(centroids)
        )

        themes = []
        for t in range(len(centroids)):
            members = np.flatnonzero(labels == t)
            keywords = [k for k, _ in labeller.keywords_.get(t, [])]
            pid, pscore = mapping[t]
            label = labeller.labels_.get(t, f"Theme {t + 1}")
            themes.append(
                Theme(
                    id=t,
                    label=self.frame_names_[t] if t < n_frame else label,
                    keywords=keywords,
                    size=int(len(members)),
                    share=round(len(members) / n, 4) if n else 0.0,
                    quotes=_quotes(answer_texts, emb, members, centroids[t], self.n_quotes),
                    priority=pid,
                    priority_score=float(pscore),
                    emerging=taxonomy is not None and pid is None,
                    places=_top_places(answer_texts, members, names),
                    centroid=[round(float(v), 6) for v in centroids[t]],
                    from_frame=t < n_frame,
                )
            )

        further = self._further_themes(
            sims,
            labels,
            answer_texts,
            centroids,
            {t: [k for k, _ in labeller.keywords_.get(t, [])[:8]] for t in range(len(centroids))},
        )
        assignments: list[Assignment] = []
        pos = {int(i): j for j, i in enumerate(answer_idx)}
        for i in range(n):
            j = pos.get(i)
            if j is None:
                assignments.append(
                    Assignment(ids[i], None, 0.0, [], True, redacted[i], non_answer_kind=kinds[i])
                )
                continue
            tid = int(labels[j]) if labels[j] >= 0 else None
            assignments.append(
                Assignment(
                    ids[i],
                    tid,
                    round(float(own[j]), 4) if tid is not None else 0.0,
                    further[j],
                    False,
                    redacted[i],
                )
            )
        n_non = int(sum(k is not None for k in kinds))
        result = ThemeResult(
            themes=themes,
            assignments=assignments,
            n_answers=n,
            n_non_answers=n_non,
            n_unthemed=int((labels < 0).sum()),
            non_answer_kinds=dict(Counter(k for k in kinds if k is not None)),
            settings={
                "embedding": backend.name,
                "path": self.path_,
                "min_theme_size": self.min_theme_size_,
                "random_state": self.random_state,
                **({"frame_themes": len(frame), "frame_assigned": int((framed >= 0).sum())}
                   if frame else {}),
            },
        )
        self.result_ = result
        report("done", 1.0)
        return result

    def _frame(self):
        from .codeframe import load_frame

        frame = self.frame
        if frame is None:
            return []
        if isinstance(frame, str | bytes) or hasattr(frame, "__fspath__"):
            frame = load_frame(frame)
        return list(frame)

    def _assign_frame(self, frame, emb: np.ndarray, backend) -> np.ndarray:
        """Frame theme index per answer, -1 where none fits (or there is no frame)."""
        from .codeframe import assign_to_frame, frame_vectors

        self.frame_names_ = [t.name for t in frame]
        if not frame or not len(emb):
            return np.full(len(emb), -1, dtype=int)
        framed, _ = assign_to_frame(frame, emb, frame_vectors(frame, backend),
                                    self.frame_threshold)
        # Frame themes keep the frame's order; those no answer fits are not reported.
        used = [i for i in range(len(frame)) if (framed == i).any()]
        self.frame_names_ = [frame[i].name for i in used]
        remap = {old: new for new, old in enumerate(used)}
        return np.array([remap.get(int(x), -1) for x in framed], dtype=int)

    def _fit_names(self, texts: list[str]):
        """The place and organisation names to leave out of these answers' themes."""
        if self.name_finder is not None:
            finder = _fresh(self.name_finder)
        else:
            finder = PlaceNameFinder(configured=tuple(self.place_names))
        if self.place_names and not getattr(finder, "configured", None):
            finder.configured = tuple(self.place_names)
        finder.cache_ = self._cache()  # entity tags are reused on a re-run
        finder.fit(texts)
        self.name_finder_ = finder
        return finder

    # -- clustering ----------------------------------------------------------------------

    def _cluster(self, emb: np.ndarray, report: Progress) -> np.ndarray:
        n = len(emb)
        self.min_theme_size_ = self.min_theme_size or default_min_theme_size(n)
        if n == 0:
            self.path_ = "empty"
            return np.zeros(0, dtype=int)
        if n < 3:
            self.path_ = "tiny"
            return np.zeros(n, dtype=int)
        # Identical answers share one point in the reduction: repeated rows would crowd
        # each other's neighbour lists and make UMAP's spectral start unstable.
        unique, inverse = np.unique(emb, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        if len(unique) < self.small_corpus_size and self.clusterer is None:
            self.path_ = "small"
            report("cluster", 0.0)
            return _small_corpus_labels(emb, self.random_state, self.max_themes)
        self.path_ = "density"
        report("reduce", 0.0)
        reducer = self._make_reducer(len(unique))
        cache = self._cache()
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
        self.reducer_ = reducer
        report("cluster", 0.0)
        clusterer = self._make_clusterer(n)
        clusterer.fit(reduced)
        self.clusterer_ = clusterer
        labels = np.asarray(clusterer.labels_, dtype=int)
        if (labels >= 0).sum() == 0:
            # Density clustering found nothing: fall back to the small-corpus path.
            self.path_ = "density-fallback"
            return _small_corpus_labels(emb, self.random_state, self.max_themes)
        return labels

    def _finish_clusters(self, emb: np.ndarray, labels: np.ndarray):
        """Merge near-duplicate themes, reassign outliers, renumber by size."""
        labels = labels.copy()
        if len(labels) == 0 or (labels >= 0).sum() == 0:
            dim = emb.shape[1] if emb.ndim == 2 else 0
            return np.full(len(labels), -1, dtype=int), np.zeros((0, dim))
        centroids = _centroids(emb, labels)
        if self.max_themes and len(centroids) > self.max_themes:
            # Too many themes for an analyst: merge the most similar ones.
            from sklearn.cluster import AgglomerativeClustering

            merged = AgglomerativeClustering(
                n_clusters=self.max_themes, metric="cosine", linkage="average"
            ).fit_predict(centroids)
            labels = np.where(labels >= 0, merged[np.maximum(labels, 0)], -1)
            centroids = _centroids(emb, labels)
        # Outliers join the closest theme when similar enough.
        out = np.flatnonzero(labels < 0)
        if len(out):
            sims = emb[out] @ centroids.T
            best = sims.argmax(axis=1)
            ok = sims[np.arange(len(out)), best] >= self.outlier_threshold
            labels[out[ok]] = best[ok]
        # One pass of nearest-centroid refinement makes each answer's theme its closest.
        centroids = _centroids(emb, labels)
        sims = emb @ centroids.T
        themed = labels >= 0
        labels[themed] = sims[themed].argmax(axis=1)
        # Renumber by size, dropping emptied themes.
        counts = Counter(int(x) for x in labels if x >= 0)
        order = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        remap = {old: new for new, old in enumerate(order)}
        labels = np.array([remap.get(int(x), -1) for x in labels], dtype=int)
        return labels, _centroids(emb, labels)

    def _further_themes(
        self,
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
        stems = {
            t: {_stem(w) for k in kws for w in k.split()} for t, kws in (keywords or {}).items()
        }
        for i in range(len(labels)):
            main = labels[i]
            if main < 0:
                continue
            strict = max(self.further_threshold, self.further_ratio * sims[i, main])
            relaxed = max(self.further_threshold, self.clause_ratio * sims[i, main])
            candidates = [
                int(j) for j in np.flatnonzero(sims[i] >= min(strict, relaxed)) if j != main
            ]
            if not candidates:
                continue
            text = texts[i].lower() if texts else ""
            words = {_stem(w) for w in _WORDS.findall(text)}
            clauses = [
                {_stem(w) for w in _WORDS.findall(c)} for c in _CLAUSE_BREAK.split(text)
            ]
            clauses = [c for c in clauses if c]
            extra = []
            for j in sorted(candidates, key=lambda j: -sims[i, j]):
                if twins is not None and twins[main, j] >= self.twin_threshold:
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


# -- helpers --------------------------------------------------------------------------------


def _fresh(estimator):
    """A fresh copy of a stage object, so the one passed in stays untouched."""
    try:
        from sklearn.base import clone

        return clone(estimator)
    except Exception:  # noqa: BLE001 - not an sklearn-style estimator
        return copy.deepcopy(estimator)


def _with_frame(framed: np.ndarray, rest: np.ndarray, labels: np.ndarray):
    """One label per answer: the frame themes first (0..F-1), then the emerging themes
    clustered from the ``rest`` of the answers (F..)."""
    n_frame = int(framed.max()) + 1 if len(framed) and framed.max() >= 0 else 0
    out = framed.copy()
    out[rest] = np.where(labels >= 0, labels + n_frame, -1)
    return out, n_frame


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    n[n == 0] = 1
    return x / n


def _centroids(emb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    k = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    cents = np.zeros((k, emb.shape[1]), dtype=np.float32)
    for t in range(k):
        m = labels == t
        if m.any():
            cents[t] = emb[m].mean(axis=0)
    return _unit(cents)


def _small_corpus_labels(emb: np.ndarray, random_state: int, max_themes: int = 15) -> np.ndarray:
    """Small consultations: Ward clustering of the unit embeddings, with the number of themes
    (half to the whole square root of the answers) chosen by silhouette, since density
    clustering needs more points. Ward keeps themes of comparable size: average linkage
    (used before) split 165 answers on one topic into 1 theme of 161 and a few outliers."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import silhouette_score

    n = len(emb)
    emb = _unit(emb.copy())
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


_WORDS = re.compile(r"\w+")
_CLAUSE_BREAK = re.compile(r"[,;.!?\n]|\b(?:and|but|also|plus|as well as)\b|&")


def _top_places(
    texts: Sequence[str], members: np.ndarray, names=None, n: int = 5
) -> list[tuple[str, int]]:
    """The places most often named in a theme's answers (each answer counted once per
    place), those named at least twice: place phrases and recurring names."""
    def places(text: str) -> set[str]:
        return set(find_places(text)) | set(names.find(text) if names is not None else ())

    counts = Counter(p for i in members for p in places(texts[i]))
    return [(p, c) for p, c in counts.most_common(n) if c >= 2]


def _quotes(texts, emb, members, centroid, n_quotes: int) -> list[str]:
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


def match_themes(
    previous: Sequence[Theme], current: Sequence[Theme], threshold: float = 0.7
) -> list[tuple[int | None, int | None, float]]:
    """Pair this run's themes with an earlier run's (e.g. last year's) by centroid similarity.

    Returns ``(previous_id, current_id, similarity)`` for matched pairs (one-to-one, best
    total similarity, each pair at least ``threshold``), ``(previous_id, None, best)`` for
    themes that disappeared and ``(None, current_id, best)`` for new ones."""
    from scipy.optimize import linear_sum_assignment

    prev = [t for t in previous if t.centroid]
    cur = [t for t in current if t.centroid]
    if not prev or not cur:
        return [(p.id, None, 0.0) for p in prev] + [(None, c.id, 0.0) for c in cur]
    a = _unit(np.array([t.centroid for t in prev], dtype=np.float32))
    b = _unit(np.array([t.centroid for t in cur], dtype=np.float32))
    sims = a @ b.T
    # Only pairs above the threshold count towards the best one-to-one matching.
    rows, cols = linear_sum_assignment(-np.where(sims >= threshold, sims, 0.0))
    pairs = []
    matched_p, matched_c = set(), set()
    for r, c in zip(rows, cols, strict=True):
        if sims[r, c] >= threshold:
            pairs.append((prev[r].id, cur[c].id, round(float(sims[r, c]), 4)))
            matched_p.add(r)
            matched_c.add(c)
    for r in range(len(prev)):
        if r not in matched_p:
            pairs.append((prev[r].id, None, round(float(sims[r].max()), 4)))
    for c in range(len(cur)):
        if c not in matched_c:
            pairs.append((None, cur[c].id, round(float(sims[:, c].max()), 4)))
    return pairs
