"""Guided coding: a classifier trained on the analyst's decisions re-assigns the rest.

- ``GuidedCoder`` learns theme keys from answers the analyst has coded (their sentence
  vectors, plus TF-IDF word and character n-grams of their text where the text is given) and
  suggests themes for the others: several where an answer raises several concerns, "not yet
  themed" where it fits no theme well (unlike every coded answer, or no theme likely enough).
- Its inputs: ``Lexicon`` and ``AnswerGraph`` (``nlp/answer_graph.py``: the run's words and
  each answer's nearest answers, once per run).
- What the review queue shows: ``review_order`` and ``agreement`` (``nlp/review_queue.py``).

No Flask, no database: the caller passes vectors, texts and theme keys (any strings).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from .answer_graph import AnswerGraph, Lexicon
from .vectors import unit_rows

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
        graph             an ``AnswerGraph`` of the run's answers (once per run): with it the
                          coder is transductive (below); without it, a plain classifier
        smoothing         each vector mixed with its neighbours' mean at this share before
                          the classifier sees it (near-paraphrases pull together)
        spreading         label spreading over the graph: an answer's confidences move this
                          far towards its neighbours' (a decided answer counts with the
                          analyst's themes, so its near-duplicates follow the decision)
        spreading_iterations  rounds of spreading
        vote, vote_k      share of the themes of the ``vote_k`` nearest decided answers
                          mixed into the confidences (0: off)

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
        graph: AnswerGraph | None = None,
        smoothing: float = 0.3,
        spreading: float = 0.5,
        spreading_iterations: int = 10,
        vote: float = 0.0,
        vote_k: int = 5,
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
        self.graph = graph
        self.smoothing = smoothing
        self.spreading = spreading
        self.spreading_iterations = spreading_iterations
        self.vote = vote
        self.vote_k = vote_k

    # -- features ------------------------------------------------------------------------

    def _features(self, vectors: np.ndarray, texts: Sequence[str] | None, lexical: bool):
        if self.graph is not None and self.smoothing > 0:
            vectors = self.graph.smooth(vectors, self.smoothing)
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

        vectors = unit_rows(vectors)
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
        self.train_onehot_ = np.zeros((len(vectors), len(classes)), dtype=np.float32)
        np.add.at(self.train_onehot_, (rows_a, y), w)
        self.train_rows_ = self.graph.rows(vectors) if self.graph is not None else None
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
            self._self_train(unit_rows(unlabelled), unlabelled_texts)
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
        vectors = unit_rows(vectors)
        lexical = self._uses_lexical(texts)
        fitted = self._model(lexical)
        if fitted is None:
            return np.ones((len(vectors), 1))
        model, cols = fitted
        X = self._features(vectors, texts, lexical)
        proba = model.predict_proba(X[:, cols] if cols is not None else X)
        if self.vote > 0:
            proba = (1 - self.vote) * proba + self.vote * self._vote(vectors)
        if self.graph is not None and self.spreading > 0:
            proba = self._spread(vectors, proba)
        return proba

    def _vote(self, vectors: np.ndarray) -> np.ndarray:
        """The themes of each answer's nearest coded answers, weighted by similarity."""
        sims = vectors @ self.train_vectors_.T
        k = min(self.vote_k, sims.shape[1])
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        w = np.clip(np.take_along_axis(sims, top, axis=1), 1e-6, None) ** 4
        votes = np.einsum("nk,nkc->nc", w, self.train_onehot_[top])
        return votes / votes.sum(axis=1, keepdims=True)

    def _spread(self, vectors: np.ndarray, proba: np.ndarray) -> np.ndarray:
        """Label spreading over the run's graph: each answer's confidences move towards its
        neighbours' (coded answers count with the analyst's themes), the classifier's
        staying as the prior. Only answers being asked about and coded answers take part."""
        g = self.graph
        rows = g.rows(vectors)
        inq = np.flatnonzero(rows >= 0)
        value = np.zeros((g.n, proba.shape[1]), dtype=np.float32)
        known = np.zeros(g.n, dtype=bool)
        value[rows[inq]] = proba[inq]
        known[rows[inq]] = True
        coded = self.train_rows_ >= 0
        fixed = self.train_rows_[coded]
        value[fixed] = self.train_onehot_[coded]
        known[fixed] = True
        free = np.setdiff1d(rows[inq], fixed)
        prior = value[free].copy()
        index, sims = g.index_[free], g.sims_[free]
        weights = sims * known[index]
        total = weights.sum(axis=1, keepdims=True)
        weights = weights / np.maximum(total, 1e-9)
        alpha = self.spreading * (total > 0)
        for _ in range(self.spreading_iterations):
            mean = np.zeros_like(prior)
            for j in range(index.shape[1]):
                mean += weights[:, j, None] * value[index[:, j]]
            value[free] = (1 - alpha) * prior + alpha * mean
        out = proba.copy()
        out[inq] = value[rows[inq]]
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-9)

    def nearest_similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity of each answer to the nearest coded answer."""
        vectors = unit_rows(vectors)
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
