"""What the coder reads about a run's answers, worked out once per run and kept on disk:
their vectors (from the embedding cache the run filled), their TF-IDF rows
(``nlp.answer_graph.Lexicon``, over the run's answers and the answers of the run it was seeded
from), each answer's nearest answers in the run (``nlp.answer_graph.AnswerGraph``: the coder
smooths vectors and spreads decisions over it) and how typical each answer is (the
graph's typicality, for the review queue).

A coding job after a batch of decisions then reads one file instead of re-reading the
embedding cache and re-tokenising every answer. The file is rebuilt when the run's answers
change (an answer held back by safeguarding since, or released): only the answers the job
may see are ever in what it returns. The file holds no text: answers are keyed by their id,
texts by a digest.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Bump when the file's layout or what goes into it changes: older files are rebuilt.
VERSION = 2


def digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class StoredLexicon:
    """``nlp.answer_graph.Lexicon``'s rows read back from disk: ``transform`` looks a text's row
    up by its digest. Every text the coder is given in a run is in it (the file is rebuilt
    otherwise); a text that is not gets an empty row (its vector still counts)."""

    def __init__(self, digests: Sequence[bytes], matrix):
        from scipy import sparse

        self.index_ = {bytes(d): i for i, d in enumerate(digests)}
        # One empty row at the end, for a text the lexicon does not hold.
        self.matrix_ = sparse.vstack(
            [matrix, sparse.csr_matrix((1, matrix.shape[1]), dtype=matrix.dtype)],
            format="csr")

    def transform(self, texts: Sequence[str]):
        blank = self.matrix_.shape[0] - 1
        return self.matrix_[[self.index_.get(digest(str(t)), blank) for t in texts]]


@dataclass
class RunFeatures:
    ids: np.ndarray  # answer ids, in the order the caller gave them
    vectors: np.ndarray  # one unit row per answer
    typical: np.ndarray  # ``AnswerGraph.typicality`` per answer
    lexicon: StoredLexicon | None  # TF-IDF rows of the answers and of ``extra`` texts
    extra: dict[bytes, np.ndarray]  # digest -> vector of the other texts (the seed run's)
    key: bytes = b""  # fingerprint of the answers (and columns) these features are of
    graph: object = None  # ``nlp.answer_graph.AnswerGraph`` of ``vectors`` (rows in their order)

    def rows(self, answer_ids: Sequence[int]) -> np.ndarray:
        at = {int(i): j for j, i in enumerate(self.ids)}
        return np.asarray([at[int(i)] for i in answer_ids], dtype=int)

    def extra_vectors(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for k, t in enumerate(texts):
            out[k] = self.extra[digest(t)]
        return out


def _fingerprint(ids: Sequence[int], extra: Sequence[bytes]) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    h.update(np.asarray(sorted(int(i) for i in ids), dtype=np.int64).tobytes())
    h.update(b"".join(sorted(set(extra))))
    h.update(str(VERSION).encode())
    return h.digest()


def features(
    run_id: int,
    answers: Sequence[tuple[int, str]],
    extra_texts: Sequence[str],
    vectors_of: Callable[[list[str]], np.ndarray | None],
    cache_dir: str | os.PathLike | None,
    lexical: bool = True,
) -> RunFeatures | None:
    """The features of ``answers`` ((answer id, redacted text), the answers the coder may
    see) and of ``extra_texts`` (vectors and TF-IDF rows only). ``vectors_of`` gives
    vectors for texts (the engine's); None when it cannot. Read from ``cache_dir`` when
    the run's answers are the same as when it was written; otherwise worked out (vectors
    kept for the answers already there) and written back."""
    from nlp.answer_graph import AnswerGraph, Lexicon

    ids = [int(i) for i, _ in answers]
    texts = [t or "" for _, t in answers]
    extra_texts = list(dict.fromkeys(t or "" for t in extra_texts))
    extra_digests = [digest(t) for t in extra_texts]
    key = _fingerprint(ids, extra_digests)
    path = Path(cache_dir) / f"run-{int(run_id)}.npz" if cache_dir else None
    stored = _read(path) if path is not None else None
    if stored is not None and bytes(stored["key"]) == key:
        at = {int(i): j for j, i in enumerate(stored["ids"])}
        order = np.asarray([at[i] for i in ids], dtype=int)
        lexicon = None
        if "lex_data" in stored:
            lexicon = StoredLexicon(stored["lex_digests"], _sparse(stored))
        # The graph's rows are the stored order; its neighbours are stored rows too.
        graph = AnswerGraph.stored(stored["vectors"], stored["graph_index"],
                                   stored["graph_sims"])
        return RunFeatures(
            ids=np.asarray(ids, dtype=np.int64), vectors=stored["vectors"][order],
            typical=stored["typical"][order], lexicon=lexicon,
            extra=dict(zip((bytes(d) for d in stored["extra_digests"]),
                           stored["extra_vectors"], strict=True)), key=key, graph=graph,
        )
    vectors = _vectors(ids, texts, stored, vectors_of)
    if vectors is None:
        return None
    extra_vectors = (vectors_of(extra_texts) if extra_texts else None)
    if extra_vectors is None:
        extra_vectors = np.zeros((0, vectors.shape[1]), dtype=np.float32)
        extra_digests = []
    lexicon = Lexicon(texts + extra_texts) if lexical and texts else None
    graph = AnswerGraph(vectors)  # the costly part (seconds at 10,000 answers): once per run
    result = RunFeatures(
        ids=np.asarray(ids, dtype=np.int64), vectors=vectors,
        typical=graph.typicality().astype(np.float32),
        lexicon=None, extra=dict(zip(extra_digests, extra_vectors, strict=True)), key=key,
        graph=graph,
    )
    arrays = {"key": np.frombuffer(key, dtype=np.uint8), "ids": result.ids,
              "vectors": vectors, "typical": result.typical,
              "graph_index": graph.index_, "graph_sims": graph.sims_,
              "extra_digests": np.asarray(extra_digests, dtype="S16").reshape(-1),
              "extra_vectors": np.asarray(extra_vectors, dtype=np.float32)}
    if lexicon is not None:
        digests = [digest(t) for t in lexicon.rows_]  # the order of the matrix's rows
        m = lexicon.matrix_.tocsr()
        arrays.update(lex_digests=np.asarray(digests, dtype="S16"), lex_data=m.data,
                      lex_indices=m.indices, lex_indptr=m.indptr,
                      lex_shape=np.asarray(m.shape, dtype=np.int64))
        result.lexicon = StoredLexicon(digests, m)
    if path is not None:
        _write(path, arrays)
    return result


def _vectors(ids, texts, stored, vectors_of) -> np.ndarray | None:
    """The answers' vectors: those of answers already in the file, the rest from the
    engine (only the answers asked for: a held-back answer is never sent)."""
    known = {}
    if stored is not None:
        known = {int(i): j for j, i in enumerate(stored["ids"])}
    missing = [k for k, i in enumerate(ids) if i not in known]
    fresh = vectors_of([texts[k] for k in missing]) if missing else None
    if missing and fresh is None:
        return None
    dim = fresh.shape[1] if fresh is not None else stored["vectors"].shape[1]
    out = np.empty((len(ids), dim), dtype=np.float32)
    if fresh is not None:
        out[missing] = fresh
    have = [k for k, i in enumerate(ids) if i in known]
    if have:
        out[have] = stored["vectors"][[known[ids[k]] for k in have]]
    return out


def _sparse(stored):
    from scipy import sparse

    return sparse.csr_matrix(
        (stored["lex_data"], stored["lex_indices"], stored["lex_indptr"]),
        shape=tuple(int(x) for x in stored["lex_shape"]))


def _read(path: Path) -> dict | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, KeyError):
        return None


def _write(path: Path, arrays: dict) -> None:
    """Written to a temporary file and moved into place: a job reading it meanwhile sees
    the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)



# The coder's weights after a job, to warm-start the next job's fit (same answers, same
# TF-IDF columns: the features' key is kept with them).


def read_weights(cache_dir: str | os.PathLike | None, run_id: int, key: bytes) -> dict | None:
    stored = _read(Path(cache_dir) / f"run-{int(run_id)}-weights.npz") if cache_dir else None
    if stored is None or bytes(stored["key"]) != key:
        return None
    return {"lexical": bool(stored["lexical"]),
            "classes": json.loads(bytes(stored["classes"]).decode("utf-8")),
            "cols": stored["cols"], "coef": stored["coef"], "intercept": stored["intercept"]}


def write_weights(cache_dir: str | os.PathLike | None, run_id: int, key: bytes,
                  weights: dict | None) -> None:
    if not cache_dir or weights is None:
        return
    classes = json.dumps([str(c) for c in weights["classes"]]).encode("utf-8")
    _write(Path(cache_dir) / f"run-{int(run_id)}-weights.npz", {
        "key": np.frombuffer(key, dtype=np.uint8), "lexical": np.asarray(weights["lexical"]),
        "classes": np.frombuffer(classes, dtype=np.uint8), "cols": np.asarray(weights["cols"]),
        "coef": np.asarray(weights["coef"]), "intercept": np.asarray(weights["intercept"])})
