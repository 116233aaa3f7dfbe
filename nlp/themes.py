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
The stages are in ``nlp.theme_stages``; quotes, places and further themes in ``nlp.theme_details``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .embeddings import EmbeddingBackend
from .labelling import ThemeLabeller
from .nonanswers import classify_non_answer
from .places import strip_places
from .priorities import Taxonomy, load_taxonomy, map_to_priorities
from .redact import Redactor
from .theme_details import further_themes, theme_places, theme_quotes
from .theme_stages import (
    Progress,
    assign_frame,
    cluster,
    code_frame,
    embedding_backend,
    engine_cache,
    finish_clusters,
    fit_names,
    fresh,
    redact_cached,
    theme_centroids,
    with_frame,
)
from .vectors import unit_rows

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
        redacted = redact_cached(redactor, texts, engine_cache(self))
        self.redacted_ = redacted

        report("non_answers", 0.0)
        kinds = [classify_non_answer(t) for t in redacted]
        answer_idx = np.array([i for i, k in enumerate(kinds) if k is None], dtype=int)
        answer_texts = [redacted[i] for i in answer_idx]

        names = fit_names(self, answer_texts)
        report("embed", 0.0)
        backend = embedding_backend(self, len(set(answer_texts)))
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

        frame = code_frame(self)
        framed = assign_frame(self, frame, emb, backend)
        rest = np.flatnonzero(framed < 0)
        labels = cluster(self, emb[rest], report)
        labels, _ = finish_clusters(self, emb[rest], labels)
        if frame:
            labels, n_frame = with_frame(framed, rest, labels)
            centroids = theme_centroids(emb, labels)
        else:
            n_frame = 0
            centroids = theme_centroids(emb, labels)
        self.labels_ = labels
        self.centroids_ = centroids
        sims = emb @ centroids.T if len(centroids) else np.zeros((len(emb), 0))
        own = np.array([sims[i, labels[i]] if labels[i] >= 0 else 0.0 for i in range(len(labels))])

        report("label", 0.0)
        labeller = fresh(self.labeller) if self.labeller is not None else ThemeLabeller()
        if isinstance(labeller, ThemeLabeller):
            labeller.cache_ = engine_cache(self)  # parsed phrases are reused on a re-run
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
                    quotes=theme_quotes(answer_texts, emb, members, centroids[t], self.n_quotes),
                    priority=pid,
                    priority_score=float(pscore),
                    emerging=taxonomy is not None and pid is None,
                    places=theme_places(answer_texts, members, names),
                    centroid=[round(float(v), 6) for v in centroids[t]],
                    from_frame=t < n_frame,
                )
            )

        further = further_themes(
            self,
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
                **(
                    {"frame_themes": len(frame), "frame_assigned": int((framed >= 0).sum())}
                    if frame
                    else {}
                ),
            },
        )
        self.result_ = result
        report("done", 1.0)
        return result


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
    a = unit_rows(np.array([t.centroid for t in prev], dtype=np.float32))
    b = unit_rows(np.array([t.centroid for t in cur], dtype=np.float32))
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
