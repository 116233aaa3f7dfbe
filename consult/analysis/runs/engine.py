"""A thin adapter between the analysis service and the theme engine in ``nlp``.

The service needs: fit themes to texts, split one theme's texts (into a chosen number of
parts), match two runs' themes by centroid, redact a text, and the answers' vectors (read
from the embedding cache the run filled) for the coder. ``get_engine()`` returns the adapter the app
is configured with: ``ANALYSIS_ENGINE_FACTORY`` (a callable taking the app; tests pass a
small deterministic fake) or, by default, :class:`NlpEngine` over ``nlp.themes``.

The engine's results are read by attribute only (``themes``: id, label, keywords, size,
share, quotes, priority, priority_score, emerging, centroid; ``assignments``: id, theme_id,
score, further_themes, is_non_answer, redacted_text), so any object of that shape will do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Protocol

import numpy as np
from flask import Flask, current_app

Progress = Callable[[str, float], None]


# Share of the progress bar each stage of the engine takes, and what the page says.
STAGES = [
    ("redact", 0.12, "Removing names and other personal details"),
    ("non_answers", 0.03, "Setting aside non-answers"),
    ("embed", 0.45, "Reading the meaning of each answer"),
    ("reduce", 0.12, "Mapping similar answers together"),
    ("cluster", 0.10, "Finding themes"),
    ("label", 0.08, "Naming themes"),
    ("priorities", 0.05, "Linking themes to priorities"),
]
READING = (0.0, 0.03)
SAVING = 0.95


def stage_progress(stage: str, fraction: float) -> tuple[float, str]:
    start = READING[1]
    for name, weight, text in STAGES:
        if name == stage:
            return start + weight * max(0.0, min(1.0, fraction)), text
        start += weight
    return SAVING, "Saving themes"


def stage_reporter(progress: Callable[[float, str], None]) -> Progress:
    """The engine's ``progress(stage, fraction)`` as the job's ``progress(value, text)``."""
    state = {"last": 0.0}

    def report(stage: str, fraction: float) -> None:
        value, text = stage_progress(stage, fraction)
        value = min(SAVING, max(state["last"], value))  # never goes backwards
        state["last"] = value
        progress(value, text)

    return report


class ThemeEngineAdapter(Protocol):
    name: str

    def fit(self, texts, ids=None, metadata=None, progress: Progress | None = None):
        """Themes for ``texts`` (a result with ``themes`` and ``assignments``)."""

    def split(self, texts, ids=None, progress: Progress | None = None, n_parts=None):
        """One theme's answers split into parts (at most ``n_parts``)."""

    def match(self, previous, current, threshold: float) -> list[tuple]:
        """Pairs of last year's and this year's themes alike above ``threshold``."""

    def redact(self, text: str) -> str:
        """``text`` with personal details replaced by labels."""


class EngineUnavailable(RuntimeError):
    """The NLP stack is not installed (or its models are missing)."""


class NlpEngine:
    """The real engine: ``nlp.themes.ThemeEngine`` with the partnership's taxonomy."""

    name = "nlp.themes"

    def __init__(self, taxonomy: str | None = None, cache_dir: str | None = None, **options):
        self.taxonomy = taxonomy if taxonomy and Path(taxonomy).exists() else None
        self.cache_dir = cache_dir
        self.options = options

    def _engine(self, **overrides):
        try:
            from nlp.themes import ThemeEngine
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EngineUnavailable(
                "The theme engine is not installed. Install the NLP extras: "
                "pip install -e '.[nlp]'"
            ) from exc
        kwargs = {"taxonomy": self.taxonomy, "cache_dir": self.cache_dir, **self.options}
        kwargs.update(overrides)
        return ThemeEngine(**kwargs)

    def fit(self, texts, ids=None, metadata=None, progress=None):
        return self._engine().fit(texts, ids=ids, metadata=metadata, progress=progress)

    def split(self, texts, ids=None, progress=None, n_parts=None):
        """Re-cluster one theme's answers: into ``n_parts`` parts (k-means on the answers'
        vectors) when the analyst chose how many, else smaller themes, at most a handful.
        The texts are the run's stored answers, redacted already: not redacted again."""
        n = len(texts)
        size = max(3, min(50, n // 8))
        if n_parts:
            from sklearn.cluster import KMeans
            from sklearn.preprocessing import FunctionTransformer

            k = max(2, min(int(n_parts), n))
            engine = self._engine(
                redactor=AlreadyRedacted(),
                min_theme_size=1,
                max_themes=k,
                small_corpus_size=0,
                reducer=FunctionTransformer(),  # k-means on the vectors themselves
                clusterer=KMeans(n_clusters=k, n_init=4, random_state=0),
            )
            return engine.fit(texts, ids=ids, progress=progress)
        return self._engine(redactor=AlreadyRedacted(), min_theme_size=size, max_themes=6).fit(
            texts, ids=ids, progress=progress
        )

    def vectors(self, redacted_texts):
        """The vectors the run clustered these (already redacted) answers by: read from the
        embedding cache, embedding only what it does not hold."""
        from nlp.places import strip_places
        from nlp.theme_stages import embedding_backend, fit_names

        texts = [t or "" for t in redacted_texts]
        if not texts:
            return None
        engine = self._engine()
        # The backend the run embedded with (int8 from ``large_corpus_size`` answers).
        backend = embedding_backend(engine, len(set(texts)))
        if getattr(engine, "mask_places", False):
            # As ``ThemeEngine.fit`` embeds them: places stripped, and the place and
            # organisation names recurring in these answers masked (same text, same key).
            stripped = [strip_places(t) for t in texts]
            names = fit_names(engine, texts)
            stripped = [names.mask(t) for t in stripped]
            texts = stripped
        vectors = backend.embed(texts)
        # Distinct texts read from the cache / embedded now (the run filled the cache).
        self.cache_hits_ = getattr(backend, "hits_", None)
        self.cache_misses_ = getattr(backend, "misses_", None)
        return vectors

    def match(self, previous, current, threshold):
        return match_by_centroid(previous, current, threshold)

    def redact(self, text: str) -> str:
        from nlp.redact import redact

        return redact(text).text


class AlreadyRedacted:
    """The redactor for texts an analysis stored (redacted when the run was made)."""

    def redact_many(self, texts):
        return [SimpleNamespace(text=t) for t in texts]


def match_by_centroid(previous, current, threshold: float) -> list[tuple]:
    """``nlp.themes.match_themes`` on anything with ``id`` and ``centroid``: pairs of
    (previous_id | None, current_id | None, similarity)."""
    prev = [SimpleNamespace(id=t.id, centroid=list(t.centroid or [])) for t in previous]
    cur = [SimpleNamespace(id=t.id, centroid=list(t.centroid or [])) for t in current]
    prev = [t for t in prev if t.centroid]
    cur = [t for t in cur if t.centroid]
    dims = {len(t.centroid) for t in prev + cur}
    if len(dims) > 1:  # made by different embedding models: nothing can be matched
        return [(p.id, None, 0.0) for p in prev] + [(None, c.id, 0.0) for c in cur]
    from nlp.themes import match_themes

    return list(match_themes(prev, cur, threshold))


def get_engine(app: Flask | None = None) -> ThemeEngineAdapter:
    app = app or current_app._get_current_object()
    factory = app.config.get("ANALYSIS_ENGINE_FACTORY")
    if factory is not None:
        return factory(app)
    return NlpEngine(
        taxonomy=app.config.get("ANALYSIS_TAXONOMY"),
        cache_dir=app.config.get("ANALYSIS_EMBEDDING_CACHE"),
    )



def vectors_of(engine, texts: list[str]) -> np.ndarray | None:
    """The answers' vectors from the engine (None: it cannot give them, or no texts)."""
    get = getattr(engine, "vectors", None)
    if get is None or not texts:
        return None
    vectors = get(texts)
    return None if vectors is None else np.asarray(vectors, dtype=np.float32)
