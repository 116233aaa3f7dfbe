"""The guided coder's inputs, worked out once per run: ``Lexicon`` (TF-IDF word and character
n-grams over the run's answers) and ``AnswerGraph`` (each answer's nearest answers in the
run: given to the coder, a decision counts for the answers around it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .vectors import unit_rows


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


class AnswerGraph:
    """Each answer's ``k`` nearest answers in the run (cosine similarity of the vectors),
    computed once per run (a coding job keeps it between retrains, like the ``Lexicon``).

    The coder uses it transductively: every answer of the run is there, unlabelled, so a
    vector can be mixed with its neighbours' (near-duplicates and paraphrases pull
    together) and a decision can spread to the answers around it. Answers are found by
    their (unit) vector; answers not in the run get their neighbours by brute force."""

    def __init__(self, vectors: np.ndarray | None = None, k: int = 10, chunk: int = 1024):
        self.k = k
        self.chunk = chunk
        if vectors is not None:
            self.fit(vectors)

    def fit(self, vectors: np.ndarray) -> AnswerGraph:
        self.vectors_ = unit_rows(vectors)
        n = len(self.vectors_)
        self.rows_ = {}
        for i, key in enumerate(self._keys(self.vectors_)):
            self.rows_.setdefault(key, i)
        self.index_, self.sims_ = self._nearest(self.vectors_, np.arange(n))
        return self

    @classmethod
    def stored(cls, vectors: np.ndarray, index: np.ndarray, sims: np.ndarray) -> AnswerGraph:
        """A graph read back from disk (``index_`` and ``sims_`` of a fitted graph of these
        vectors), without working the neighbours out again."""
        graph = cls(k=index.shape[1])
        graph.vectors_ = unit_rows(vectors)
        graph.rows_ = {}
        for i, key in enumerate(graph._keys(graph.vectors_)):
            graph.rows_.setdefault(key, i)
        graph.index_, graph.sims_ = np.asarray(index, dtype=np.int64), np.asarray(sims)
        return graph

    def _nearest(self, vectors: np.ndarray, own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Top-k run rows per vector, excluding the vector's own row (``own``, -1: none)."""
        n = len(self.vectors_)
        k = max(1, min(self.k, n - 1))
        index = np.zeros((len(vectors), k), dtype=np.int64)
        sims = np.zeros((len(vectors), k), dtype=np.float32)
        for a in range(0, len(vectors), self.chunk):
            s = vectors[a : a + self.chunk] @ self.vectors_.T
            mine = own[a : a + self.chunk]
            has = mine >= 0
            s[np.flatnonzero(has), mine[has]] = -np.inf
            top = np.argpartition(-s, k - 1, axis=1)[:, :k]
            index[a : a + self.chunk] = top
            sims[a : a + self.chunk] = np.take_along_axis(s, top, axis=1)
        return index, np.clip(sims, 0.0, None)

    @property
    def n(self) -> int:
        return len(self.vectors_)

    @staticmethod
    def _keys(unit: np.ndarray) -> list[bytes]:
        # Rounded: a vector normalised twice differs from the run's in the last bits.
        return [r.tobytes() for r in np.round(unit * 1e5).astype(np.int32)]

    def rows(self, vectors: np.ndarray) -> np.ndarray:
        """Run row of each vector, -1 where it is not in the run."""
        return np.asarray([self.rows_.get(k, -1) for k in self._keys(unit_rows(vectors))],
                          dtype=np.int64)

    def neighbours(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, neighbour rows, similarities) of each vector."""
        vectors = unit_rows(vectors)
        rows = self.rows(vectors)
        index, sims = self.index_[rows], self.sims_[rows]
        new = np.flatnonzero(rows < 0)
        if len(new):
            index[new], sims[new] = self._nearest(vectors[new], np.full(len(new), -1))
        return rows, index, sims

    def typicality(self) -> np.ndarray:
        """How typical each answer of the run is: mean similarity to its nearest answers
        (near-duplicates count: an answer many wrote is typical)."""
        return self.sims_.mean(axis=1)

    def smooth(self, vectors: np.ndarray, weight: float) -> np.ndarray:
        """Each vector mixed with the similarity-weighted mean of its neighbours (``weight``:
        the neighbours' share), back to unit length."""
        vectors = unit_rows(vectors)
        if weight <= 0 or not len(vectors):
            return vectors
        _, index, sims = self.neighbours(vectors)
        w = sims / np.maximum(sims.sum(axis=1, keepdims=True), 1e-9)
        mean = np.zeros_like(vectors)
        for j in range(index.shape[1]):
            mean += w[:, j, None] * self.vectors_[index[:, j]]
        return unit_rows((1 - weight) * vectors + weight * mean)
