"""Guided coding: a classifier trained on the analyst's decisions re-assigns the rest.

- ``GuidedCoder`` learns theme keys from answers the analyst has coded (their sentence
  vectors, plus TF-IDF word and character n-grams of their text where the text is given) and
  suggests themes for the others: several where an answer raises several concerns, "not yet
  themed" where it fits no theme well (unlike every coded answer, or no theme likely enough).
- ``review_order`` picks the next answers to check: those the coder is unsure about and
  unlike the ones already reviewed, in dense parts of the data (so a decision teaches about
  many answers, not one odd one).
- ``agreement`` is the honest estimate shown beside the queue: the share of the last
  decisions where the coder's top suggestion was what the analyst chose, with a Wilson 95%
  interval.

No Flask, no database: the caller passes vectors, texts and theme keys (any strings).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

# The class an answer marked "not relevant" (an empty set of themes) is learned as.
NOT_RELEVANT = "\x00not-relevant"


@dataclass(frozen=True)
class Suggestion:
    themes: tuple[tuple[str, float], ...]  # (theme key, confidence 0..1), best first
    unthemed: bool  # fits no theme well: "not yet themed"
    not_relevant: bool = False  # most like answers the analyst marked not relevant


def _stack(a, b):
    from scipy import sparse

    return sparse.vstack([a, b], format="csr") if sparse.issparse(a) else np.vstack([a, b])


def _dense_csr(x: np.ndarray):
    """A dense matrix as CSR, every entry kept: built from its buffer (``csr_matrix(x)``
    scans for zeros, 0.3 s for 10,000 answers)."""
    from scipy import sparse

    n, d = x.shape
    return sparse.csr_matrix((np.ascontiguousarray(x).ravel(), np.tile(np.arange(d), n),
                              np.arange(0, n * d + 1, d)), shape=(n, d))


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"vectors must be 2-D, got shape {x.shape}")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


class Lexicon:
    """TF-IDF word 1-2-grams and character 2-5-grams (within words), fitted once on a run's
    answers. Rows of the texts it was fitted on are looked up, not recomputed, so retraining
    after each batch of decisions does not re-tokenise 10,000 answers."""

    def __init__(self, texts: Sequence[str] | None = None):
        if texts is not None:
            self.fit(texts)

    def fit(self, texts: Sequence[str]) -> Lexicon:
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [str(t) for t in texts]
        self.word_ = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                     strip_accents="unicode", dtype=np.float32)
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                     min_df=2 if len(texts) >= 50 else 1,
                                     strip_accents="unicode", dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        self.rows_ = {t: i for i, t in enumerate(unique)}
        self.matrix_ = sparse.hstack([self.word_.fit_transform(unique),
                                      self.char_.fit_transform(unique)], format="csr")
        return self

    def transform(self, texts: Sequence[str]):
        from scipy import sparse

        texts = [str(t) for t in texts]
        new = list(dict.fromkeys(t for t in texts if t not in self.rows_))
        if not new:
            return self.matrix_[[self.rows_[t] for t in texts]]
        extra = sparse.hstack([self.word_.transform(new), self.char_.transform(new)],
                              format="csr")
        at = {t: len(self.rows_) + i for i, t in enumerate(new)}
        both = sparse.vstack([self.matrix_, extra], format="csr")
        return both[[self.rows_.get(t, at.get(t)) for t in texts]]


class GuidedCoder:
    """A multinomial logistic regression over answer vectors and (optionally) TF-IDF.

    Parameters:
        C                 inverse regularisation strength of the logistic regression
        class_weight      "balanced" (rare themes count as much as common ones) or None
        lexical           use TF-IDF word 1-2-grams and character 2-5-grams of the texts
                          when texts are given (they are stacked with the vectors)
        lexical_weight    scale of the TF-IDF blocks against the (unit) vectors
        further_share     a further theme needs this share of the top theme's confidence
        further_min       ... and at least this confidence
        unthemed_below    top confidence under this (or under 1.75 / number of themes):
                          "not yet themed"
        min_similarity    cosine similarity to the nearest coded answer under this:
                          "not yet themed" (the coder has seen nothing like it)
        lexical_ramp      the lexical weight grows linearly up to this many decisions
        lexicon           a ``Lexicon`` fitted on the run's answers (shared across retrains:
                          their TF-IDF rows are computed once); default: fitted on the texts
        self_training     weight of the answers the coder is sure of (given ``unlabelled``
                          to ``fit``) as extra examples; 0: off
        self_training_threshold  confidence an answer needs for that
        random_state      seed (the solver is deterministic; kept for sklearn style)

    Multi-label decisions are learned as one training row per theme. Learned attributes:
    ``classes_`` (theme keys, plus ``NOT_RELEVANT`` when answers were marked so),
    ``n_decisions_``.
    """

    def __init__(
        self,
        *,
        C: float = 8.0,
        class_weight: str | None = "balanced",
        lexical: bool = True,
        lexical_weight: float = 1.0,
        further_share: float = 0.5,
        further_min: float = 0.2,
        unthemed_below: float = 0.25,
        min_similarity: float = 0.25,
        lexical_ramp: int = 200,
        lexicon: Lexicon | None = None,
        self_training: float = 0.0,
        self_training_threshold: float = 0.9,
        random_state: int = 0,
    ):
        self.C = C
        self.class_weight = class_weight
        self.lexical = lexical
        self.lexical_weight = lexical_weight
        self.further_share = further_share
        self.further_min = further_min
        self.unthemed_below = unthemed_below
        self.min_similarity = min_similarity
        self.lexical_ramp = lexical_ramp
        self.lexicon = lexicon
        self.self_training = self_training
        self.self_training_threshold = self_training_threshold
        self.random_state = random_state

    # -- features ------------------------------------------------------------------------

    def _features(self, vectors: np.ndarray, texts: Sequence[str] | None, lexical: bool):
        if not lexical:
            return vectors
        from scipy import sparse

        return sparse.hstack(
            [_dense_csr(vectors), self._lexical_scale() * self.lexicon_.transform(texts)],
            format="csr",
        )

    def _lexical_scale(self) -> float:
        # Words need many examples to generalise, sentence vectors few: with few decisions
        # the n-grams would drown the vectors (measured on 28 decisions: 0.85 -> 0.60).
        return self.lexical_weight * min(1.0, self.n_decisions_ / self.lexical_ramp)

    def _uses_lexical(self, texts) -> bool:
        return self.lexical_ and texts is not None

    # -- fit / predict -------------------------------------------------------------------

    def fit(
        self,
        vectors: np.ndarray,
        labels: Sequence[Collection[str]],
        texts: Sequence[str] | None = None,
        unlabelled: np.ndarray | None = None,
        unlabelled_texts: Sequence[str] | None = None,
        warm_start: dict | None = None,
    ) -> GuidedCoder:
        """Learn from coded answers: ``labels[i]`` is the set of theme keys the analyst gave
        answer ``i`` (a bare string counts as one key); an empty set means "not relevant".
        ``unlabelled`` (optional): the other answers' vectors (and texts): their word
        statistics weight the lexical features, and with ``self_training`` the answers the
        coder is sure of are learned too. ``warm_start``: ``weights()`` of a coder fitted
        before on the same answers with the same lexicon (the previous batch): the solver
        starts from them, and needs a few iterations instead of dozens."""

        vectors = _unit(vectors)
        if len(labels) != len(vectors):
            raise ValueError(f"got {len(vectors)} vectors but {len(labels)} label sets")
        if texts is not None and len(texts) != len(vectors):
            raise ValueError(f"got {len(vectors)} vectors but {len(texts)} texts")
        rows, keys, weights = [], [], []
        for i, given in enumerate(labels):
            given = [given] if isinstance(given, str) else list(dict.fromkeys(given))
            given = given or [NOT_RELEVANT]
            for key in given:
                rows.append(i)
                keys.append(str(key))
                weights.append(1.0 / len(given))
        classes = sorted(set(keys))
        if not classes:
            raise ValueError("no decisions to learn from")
        self.classes_ = classes
        self.n_decisions_ = len(vectors)
        self.train_vectors_ = vectors
        rows_a = np.asarray(rows)
        y = np.asarray([classes.index(k) for k in keys])
        w = np.asarray(weights)
        if self.class_weight == "balanced":
            counts = np.bincount(y, weights=w, minlength=len(classes))
            w = w * (w.sum() / (len(classes) * counts[y]))
        self.lexical_ = bool(self.lexical and texts is not None)
        if unlabelled_texts is None:
            unlabelled = None
        if self.lexical_:
            corpus = list(texts) + (list(unlabelled_texts) if unlabelled is not None else [])
            self.lexicon_ = self.lexicon if self.lexicon is not None else Lexicon(corpus)
        self._train = (vectors, list(texts) if texts is not None else None, rows_a, y, w)
        self.warm_start_ = warm_start
        self.models_ = {}
        self._model(self.lexical_)
        if self.self_training > 0 and unlabelled is not None and len(classes) > 1:
            self._self_train(_unit(unlabelled), unlabelled_texts)
        return self

    def _model(self, lexical: bool):
        """The fitted model on vectors alone or with the lexical features (the second one
        fitted when first needed: suggestions without texts)."""
        if lexical not in self.models_:
            self.models_[lexical] = self._fit_model(lexical, *self._train)
        return self.models_[lexical]

    def _fit_model(self, lexical, vectors, texts, rows, y, w, extra=None):
        from sklearn.linear_model import LogisticRegression

        if len(self.classes_) == 1:
            return None
        X = self._features(vectors, texts, lexical)[rows]
        if extra is not None:
            X, y, w = _stack(X, extra[0]), np.concatenate([y, extra[1]]), np.concatenate(
                [w, extra[2]])
        # Only the columns some coded answer uses: the others would keep a zero weight
        # anyway (L2), and dropping them keeps L-BFGS fast with 100,000s of n-grams.
        cols = np.unique(X.indices) if hasattr(X, "indices") else None
        init = self._initial(lexical, cols if cols is not None else np.arange(X.shape[1]))
        model = LogisticRegression(C=self.C, max_iter=300, random_state=self.random_state,
                                   warm_start=init is not None)
        if init is not None:
            model.coef_, model.intercept_ = init
        model.fit(X[:, cols] if cols is not None else X, y, sample_weight=w)
        return model, cols

    def _initial(self, lexical: bool, cols: np.ndarray):
        """Starting weights from ``warm_start`` for the classes and columns it shares with
        this fit (zero elsewhere); None without one, or with two classes (another shape)."""
        warm = getattr(self, "warm_start_", None)
        if not warm or bool(warm["lexical"]) != lexical or len(self.classes_) < 3:
            return None
        old_cols = np.asarray(warm["cols"])
        at = np.minimum(np.searchsorted(old_cols, cols), max(len(old_cols) - 1, 0))
        shared = (old_cols[at] == cols) if len(old_cols) else np.zeros(len(cols), dtype=bool)
        coef = np.zeros((len(self.classes_), len(cols)))
        intercept = np.zeros(len(self.classes_))
        row = {str(c): i for i, c in enumerate(warm["classes"])}
        for j, c in enumerate(self.classes_):
            if c in row:
                coef[j, shared] = np.asarray(warm["coef"])[row[c], at[shared]]
                intercept[j] = np.asarray(warm["intercept"])[row[c]]
        return coef, intercept

    def weights(self) -> dict | None:
        """The fitted weights of the model used with texts (or of the vectors-only model):
        classes, columns, coefficients and intercepts, for ``fit(..., warm_start=...)``
        after the next batch of decisions. None with fewer than three classes."""
        lexical = self.lexical_ if self.lexical_ in self.models_ else next(iter(self.models_))
        fitted = self.models_[lexical]
        if fitted is None or len(self.classes_) < 3:
            return None
        model, cols = fitted
        return {"lexical": lexical,
                "classes": list(self.classes_),
                "cols": cols if cols is not None else np.arange(model.coef_.shape[1]),
                "coef": model.coef_, "intercept": model.intercept_}

    def _self_train(self, unlabelled, unlabelled_texts) -> None:
        """Refit once with the unlabelled answers the coder is sure of as extra examples."""
        proba = self.predict_proba(unlabelled, unlabelled_texts)
        sure = np.flatnonzero(proba.max(axis=1) >= self.self_training_threshold)
        self.n_self_trained_ = int(len(sure))
        if not len(sure):
            return
        lexical = self._uses_lexical(unlabelled_texts)
        texts = [unlabelled_texts[i] for i in sure] if lexical else None
        Xu = self._features(unlabelled[sure], texts, lexical)
        w = self._train[4]
        extra = (Xu, proba[sure].argmax(axis=1), np.full(len(sure), self.self_training * w.mean()))
        self.models_ = {lexical: self._fit_model(lexical, *self._train, extra=extra)}

    def predict_proba(self, vectors: np.ndarray, texts: Sequence[str] | None = None
                      ) -> np.ndarray:
        """Confidence per class (columns in ``classes_`` order), rows summing to 1."""
        vectors = _unit(vectors)
        lexical = self._uses_lexical(texts)
        fitted = self._model(lexical)
        if fitted is None:
            return np.ones((len(vectors), 1))
        model, cols = fitted
        X = self._features(vectors, texts, lexical)
        return model.predict_proba(X[:, cols] if cols is not None else X)

    def nearest_similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity of each answer to the nearest coded answer."""
        vectors = _unit(vectors)
        if not len(vectors):
            return np.zeros(0)
        return (vectors @ self.train_vectors_.T).max(axis=1)

    def predict(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> list[str]:
        """The most likely class per answer."""
        proba = self.predict_proba(vectors, texts)
        return [self.classes_[j] for j in proba.argmax(axis=1)]

    def suggest(self, vectors: np.ndarray, texts: Sequence[str] | None = None
                ) -> list[Suggestion]:
        proba = self.predict_proba(vectors, texts)
        near = self.nearest_similarity(vectors)
        out = []
        orders = np.argsort(-proba, axis=1, kind="stable")  # one call, not one per answer
        for p, order, sim in zip(proba, orders, near, strict=True):
            top = float(p[order[0]])
            themes = tuple(
                (self.classes_[j], round(float(p[j]), 4))
                for j in order
                if self.classes_[j] != NOT_RELEVANT
                and (j == order[0] or (p[j] >= self.further_share * top
                                       and p[j] >= self.further_min))
            )
            not_relevant = self.classes_[order[0]] == NOT_RELEVANT
            # "Likely enough" grows with few themes: 0.55 of 3 is barely above a guess.
            unthemed = not not_relevant and bool(
                top < max(self.unthemed_below, 1.75 / len(self.classes_))
                or sim < self.min_similarity
            )
            out.append(Suggestion(themes=themes, unthemed=unthemed, not_relevant=not_relevant))
        return out


# -- review queue ------------------------------------------------------------------------


def _uncertainty(proba: np.ndarray) -> np.ndarray:
    """1 - margin between the two most likely classes (1: a coin toss, 0: certain)."""
    if proba.shape[1] < 2:
        return np.zeros(len(proba))
    part = np.partition(proba, -2, axis=1)
    return 1.0 - (part[:, -1] - part[:, -2])


def typicality(vectors: np.ndarray, random_state: int = 0, sample: int = 1000,
               k: int = 10) -> np.ndarray:
    """How typical each answer is: mean similarity to its k nearest answers in a random
    sample. It does not change as decisions come in: a coding job computes it once per run
    and passes it to ``review_order``."""
    vectors = _unit(vectors)
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
) -> list[int]:
    """Indices of the ``n`` unreviewed answers (``reviewed``: bool mask) the coder learns
    most from: uncertain, unlike those already reviewed (or picked earlier in this batch),
    and typical of many answers. ``coder`` None (nothing learned yet): diverse, typical
    answers. ``texts`` lets the coder use its lexical features; ``typical`` is
    ``typicality(vectors)`` when the caller keeps it between calls."""
    vectors = _unit(vectors)
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
        score = _uncertainty(coder.predict_proba(pv, pool_texts))
        score = score + 1e-3  # still diverse when the coder is sure of everything
    if typical is None:
        typical = typicality(vectors, random_state)
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


def wilson_interval(hits: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default)."""
    if n <= 0:
        raise ValueError("no trials")
    p = hits / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def agreement(hits: Sequence[bool], last: int = 50) -> Agreement:
    """Share of the last ``last`` decisions where the coder's top suggestion was what the
    analyst chose, with a 95% Wilson interval (None while there are no decisions)."""
    recent = list(hits)[-last:] if last > 0 else []
    if not recent:
        return Agreement(n=0, share=None, low=None, high=None)
    k = sum(bool(h) for h in recent)
    low, high = wilson_interval(k, len(recent))
    return Agreement(n=len(recent), share=k / len(recent), low=low, high=high)
