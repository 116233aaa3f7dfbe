"""Review simulation: an analyst who answers the coder's review queue from a label column.

``simulate_review`` feeds a ``GuidedCoder`` the true labels of the answers the review queue
asks about (``order="engine"``: ``review_order``, a batch at a time, retraining after each
batch) or of answers in random order (``order="random"``, the same coder), and at each
budget scores the coder's top theme on the answers nobody reviewed. Reviewed answers keep
the analyst's label, as in the product, for the ``_all`` figures.

Labels are one string per answer, or a set of codes (multi-label one-hot columns): the
coder then learns every code, and its top theme counts as right when it is any of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence

import numpy as np

ORDERS = ("engine", "random")


def answer_vectors(texts: Sequence[str], engine) -> tuple[np.ndarray, list[str]]:
    """The vectors the theme engine would give these answers (redacted, place phrases
    masked, cached by text hash), and the redacted texts. Non-answers are kept: the analyst
    codes every row."""
    from .places import strip_places
    from .redact import Redactor
    from .theme_stages import embedding_backend, engine_cache, redact_cached

    texts = ["" if t is None else str(t) for t in texts]
    redacted = redact_cached(engine.redactor or Redactor(), texts, engine_cache(engine))
    to_embed = [strip_places(t) for t in redacted] if engine.mask_places else redacted
    backend = embedding_backend(engine, len(set(to_embed)))
    return backend.embed(to_embed), redacted


def _as_sets(labels: Sequence) -> list[frozenset[str]]:
    out = []
    for given in labels:
        if isinstance(given, str):
            out.append(frozenset([given]) if given.strip() else frozenset())
        else:
            out.append(frozenset(str(g) for g in given))
    return out


def review_scores(truth: Sequence[frozenset[str]], predicted: Sequence[str],
                  reviewed: np.ndarray) -> dict[str, float]:
    """Accuracy and macro F1 on the unreviewed answers, accuracy and NMI on all answers
    (reviewed ones carry the analyst's label). A prediction is right when it is one of the
    answer's codes; for F1 and NMI an answer's label is the code matched, else its first."""
    from sklearn.metrics import f1_score, normalized_mutual_info_score

    gold = [p if p in t else min(t) for t, p in zip(truth, predicted, strict=True)]
    final = [g if r else p for g, p, r in zip(gold, predicted, reviewed, strict=True)]
    un = np.flatnonzero(~reviewed)
    hit = np.asarray([p in t for t, p in zip(truth, predicted, strict=True)])
    return {
        "accuracy_unreviewed": float(hit[un].mean()) if len(un) else 1.0,
        "accuracy_all": float((hit | reviewed).mean()),
        "macro_f1_unreviewed": float(f1_score([gold[i] for i in un], [predicted[i] for i in un],
                                              average="macro", zero_division=0))
        if len(un) else 1.0,
        "nmi_all": float(normalized_mutual_info_score(gold, final)),
    }


def simulate_review(
    vectors: np.ndarray,
    labels: Sequence[str | Collection[str]],
    budgets: Sequence[int],
    texts: Sequence[str] | None = None,
    order: str = "engine",
    batch_size: int = 20,
    seed: int = 0,
    coder_factory: Callable | None = None,
    progress: Callable[[float], None] | None = None,
    transductive: bool = False,
    order_options: dict | None = None,
) -> list[dict]:
    """One dict per budget: budget, order, the ``review_scores`` figures, n_unreviewed and
    the seconds the coder took (training and assigning) at that budget. Answers without a
    label are left out (the simulated analyst cannot answer them)."""
    from .answer_graph import AnswerGraph, Lexicon
    from .coder import GuidedCoder
    from .review_queue import review_order

    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    truth_all = _as_sets(labels)
    keep = np.asarray([bool(t) for t in truth_all])
    vectors = np.asarray(vectors, dtype=np.float32)[keep]
    truth = [t for t, k in zip(truth_all, keep, strict=True) if k]
    texts = [t for t, k in zip(texts, keep, strict=True) if k] if texts is not None else None
    n = len(truth)
    budgets = sorted({int(b) for b in budgets if 0 < int(b) < n})
    # Computed once per run, as a coding job does: TF-IDF rows, the answer graph (neighbours,
    # how typical each answer is).
    lexicon = Lexicon(texts) if texts is not None else None
    graph = AnswerGraph(vectors)
    typical = graph.typicality() if order == "engine" else None
    make = coder_factory or (lambda lexicon, graph: GuidedCoder(random_state=seed,
                                                                 lexicon=lexicon, graph=graph))
    rng = np.random.default_rng(seed)
    random_order = rng.permutation(n)
    reviewed = np.zeros(n, dtype=bool)
    coder = None
    out: list[dict] = []
    for budget in budgets:
        while reviewed.sum() < budget:
            step = min(batch_size, budget - int(reviewed.sum()))
            if order == "engine":
                picked = review_order(coder, vectors, reviewed, n=step, random_state=seed,
                                      texts=texts, typical=typical, **(order_options or {}))
            else:
                start = int(reviewed.sum())
                picked = random_order[start : start + step]
            reviewed[picked] = True
            start = time.perf_counter()
            coder = _fit(make(lexicon, graph), vectors, truth, texts, reviewed, transductive)
            fit_seconds = time.perf_counter() - start
            if progress:
                progress(reviewed.sum() / max(budgets))
        start = time.perf_counter()
        predicted = coder.predict(vectors, texts) if coder is not None else [""] * n
        seconds = fit_seconds + time.perf_counter() - start
        out.append({"budget": budget, "order": order,
                    **review_scores(truth, predicted, reviewed),
                    "n_unreviewed": int((~reviewed).sum()), "seconds": round(seconds, 3)})
    return out


def _fit(coder, vectors, truth, texts, reviewed, transductive=False):
    idx = np.flatnonzero(reviewed)
    if len({c for i in idx for c in truth[i]}) < 2:
        return None  # one theme seen so far: nothing to tell apart yet
    extra = {}
    if transductive:  # the other answers are there too, unlabelled (as in the product)
        rest = np.flatnonzero(~reviewed)
        extra = {"unlabelled": vectors[rest],
                 "unlabelled_texts": [texts[i] for i in rest] if texts is not None else None}
    return coder.fit(vectors[idx], [truth[i] for i in idx],
                     [texts[i] for i in idx] if texts is not None else None, **extra)


def compare_orders(vectors, labels, budgets, texts=None, seed: int = 0, batch_size: int = 20,
                   coder_factory=None, progress=None) -> list[dict]:
    """``simulate_review`` in the engine's order and in random order, same coder and seed."""
    rows: list[dict] = []
    for i, order in enumerate(ORDERS):
        def step(f, i=i):
            if progress:
                progress((i + f) / len(ORDERS))

        rows += simulate_review(vectors, labels, budgets, texts, order=order,
                                batch_size=batch_size, seed=seed,
                                coder_factory=coder_factory, progress=step)
    return sorted(rows, key=lambda r: (r["budget"], ORDERS.index(r["order"])))
