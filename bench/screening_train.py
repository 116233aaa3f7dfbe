"""Train the screener's second look (``nlp/screening_context.py``) and measure it.

    PYTHONPATH=. .venv/bin/python bench/screening_train.py          # measure, write the model
    PYTHONPATH=. .venv/bin/python bench/screening_train.py --dry-run

Four labelled sets of pupils' answers (all written for this project, none real):
``screening_labelled.csv`` (472), ``screening_heldout2.csv`` (240, the blind set from issue 15),
``screening_hard_train.csv`` (357 hard cases written for training: jokes, past and resolved,
news, lessons, hypotheticals, negation, games, sport, cooking, pets, ordinary family life and
disclosures of every kind) and ``screening_hard.csv`` (301 hard cases, the test set).

1. Honest figure: train on the first three sets (threshold by cross-validation within them),
   test on ``screening_hard.csv``, which no model or threshold choice has seen.
2. 5-fold cross-validation over all four sets: each answer judged by a model, and a threshold
   (chosen by an inner cross-validation), that never saw it.
3. The shipped model: trained on all four, threshold chosen by cross-validation on them
   for recall >= TARGET_RECALL; written to ``nlp/data/screening_context_model.json``.

Printed as Markdown for BENCHMARKS.md ("Safeguarding screening").
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp import screening, screening_context  # noqa: E402

DATA = ROOT / "tests" / "nlp" / "data"
SETS = {
    "labelled": DATA / "screening_labelled.csv",
    "heldout2": DATA / "screening_heldout2.csv",
    "hard_train": DATA / "screening_hard_train.csv",
    "hard": DATA / "screening_hard.csv",
}
TRAIN = ("labelled", "heldout2", "hard_train")
TARGET_RECALL = 0.97
C = 0.5  # (0.05 and 2 measured: the same false alarms on the unseen set, +-1)


def load(name: str) -> list[dict]:
    with open(SETS[name], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["set"] = name
        r["y"] = int(r["label"])
    return rows


def first_look(rows: list[dict]) -> None:
    """Rules + embeddings as the app screens (no second look); keeps each answer's pieces."""
    scr = screening.embedding_screener()
    texts = [r["text"] for r in rows]
    for r, (emb, pieces) in zip(rows, scr._scores_and_pieces(texts), strict=True):
        r["rules"] = bool(screening.rule_hits(screening.normalise(r["text"])))
        r["candidate"] = scr._combine(r["text"], emb, None).flagged
        r["pieces"] = [
            screening_context.features(
                p, screening.normalise(p), bool(screening.rule_hits(screening.normalise(p))),
                d, n, v,
            )
            for p, v, d, n in pieces
        ]


def fit(rows: list[dict]):
    from sklearn.linear_model import LogisticRegression

    # A disclosure is learnt from the whole answer (which of its sentences carries it is not
    # labelled); an ordinary answer from every piece, since the answer is judged by its most
    # alarming piece and every sentence of an ordinary answer is ordinary.
    X, y = [], []
    for r in rows:
        if r["candidate"] and r["pieces"]:
            pieces = r["pieces"][:1] if r["y"] else r["pieces"]
            X.extend(pieces)
            y.extend([r["y"]] * len(pieces))
    X, y = np.array(X), np.array(y)
    means = X.mean(axis=0)
    scales = X.std(axis=0)
    scales[scales == 0] = 1.0
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    clf.fit((X - means) / scales, y)
    return screening_context.ContextModel(
        weights=clf.coef_[0].tolist(), bias=float(clf.intercept_[0]), threshold=0.5,
        means=means.tolist(), scales=scales.tolist(),
    )


def probabilities(model, rows: list[dict]) -> list[float]:
    return [max((model.probability(x) for x in r["pieces"]), default=0.0) for r in rows]


def choose_threshold(rows: list[dict], folds: int = 5) -> float:
    """The highest threshold whose cross-validated recall (over all disclosures, the first
    look's misses included) is at least TARGET_RECALL."""
    probs = cross_val_probs(rows, folds)
    pos = [p for r, p in zip(rows, probs, strict=True) if r["y"] == 1 and r["candidate"]]
    total = sum(r["y"] for r in rows)
    for t in sorted({round(p, 3) for p in pos}, reverse=True):
        if sum(p >= t for p in pos) / total >= TARGET_RECALL:
            return max(0.0, t - 0.001)
    return 0.0


def cross_val_probs(rows: list[dict], folds: int = 5) -> list[float]:
    rng = np.random.default_rng(15)
    order = rng.permutation(len(rows))
    fold_of = {int(i): k % folds for k, i in enumerate(order)}
    probs = [0.0] * len(rows)
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if fold_of[i] != k]
        model = fit(train)
        test_ids = [i for i in range(len(rows)) if fold_of[i] == k]
        for i, p in zip(test_ids, probabilities(model, [rows[i] for i in test_ids]), strict=True):
            probs[i] = p
    return probs


def figures(rows, flagged) -> tuple[str, str, float, float]:
    pos = [f for r, f in zip(rows, flagged, strict=True) if r["y"] == 1]
    neg = [f for r, f in zip(rows, flagged, strict=True) if r["y"] == 0]
    recall = sum(pos) / len(pos)
    fa = sum(neg) / len(neg)
    return f"{sum(pos)}/{len(pos)}", f"{sum(neg)}/{len(neg)}", recall, fa


def row(name, rows, flagged) -> str:
    caught, alarms, recall, fa = figures(rows, flagged)
    return f"| {name} | {caught} | {recall:.3f} | {alarms} | {fa:.3f} |"


def nested_cv_flags(rows: list[dict], folds: int = 5) -> list[bool]:
    """Each answer judged by a model trained without it, at a threshold chosen (by an inner
    cross-validation) without it."""
    rng = np.random.default_rng(15)
    order = rng.permutation(len(rows))
    fold_of = {int(i): k % folds for k, i in enumerate(order)}
    flags = [False] * len(rows)
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if fold_of[i] != k]
        model = fit(train)
        threshold = choose_threshold(train)
        test_ids = [i for i in range(len(rows)) if fold_of[i] == k]
        probs = probabilities(model, [rows[i] for i in test_ids])
        for i, p in zip(test_ids, probs, strict=True):
            flags[i] = rows[i]["candidate"] and p >= threshold
    return flags


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dry-run", action="store_true", help="measure only; write no model")
    args = ap.parse_args()
    rows = {name: load(name) for name in SETS}
    everything = [r for name in SETS for r in rows[name]]
    first_look(everything)
    head = (
        "| screener | disclosures caught | recall | false alarms | false-alarm rate |\n"
        "|---|---|---|---|---|"
    )

    hard = rows["hard"]
    print(f"### 1. Trained on {' + '.join(TRAIN)}, tested on screening_hard.csv (unseen)\n")
    print(head)
    print(row("rules only", hard, [r["rules"] for r in hard]))
    print(row("rules + embeddings (first look)", hard, [r["candidate"] for r in hard]))
    for names in (TRAIN[:2], TRAIN):
        train = [r for name in names for r in rows[name]]
        model = fit(train)
        model.threshold = choose_threshold(train)
        probs = probabilities(model, hard)
        flags = [r["candidate"] and p >= model.threshold for r, p in zip(hard, probs, strict=True)]
        print(row(f"+ second look trained on {' + '.join(names)} (threshold "
                  f"{model.threshold:.3f})", hard, flags))
    alarms = Counter(r["family"] for r, f in zip(hard, flags, strict=True) if f and not r["y"])
    print("\nFalse alarms by family (the last model): " + ", ".join(
        f"{fam} {n}/{sum(r['family'] == fam and not r['y'] for r in hard)}"
        for fam, n in alarms.most_common()))
    print("Missed: " + " | ".join(
        r["text"] for r, f in zip(hard, flags, strict=True) if r["y"] and not f))

    print("\n### 2. 5-fold cross-validation over all four sets (nested: threshold per fold)\n")
    flags = nested_cv_flags(everything)
    print(head)
    for name in SETS:
        sub = [(r, f) for r, f in zip(everything, flags, strict=True) if r["set"] == name]
        rs = [r for r, _ in sub]
        print(row(f"{name}: rules only", rs, [r["rules"] for r in rs]))
        print(row(f"{name}: first look", rs, [r["candidate"] for r in rs]))
        print(row(f"{name}: + second look", rs, [f for _, f in sub]))
    print(row("all four: + second look", everything, flags))

    final = fit(everything)
    final.threshold = choose_threshold(everything)
    print(f"\nShipped threshold (CV, recall >= {TARGET_RECALL}): {final.threshold:.3f}")
    if not args.dry_run:
        out = screening_context.MODEL_PATH
        out.write_text(json.dumps({
            "about": "Trained by bench/screening_train.py on " + ", ".join(
                SETS[name].name for name in SETS) + ". Do not edit.",
            "cues": list(screening_context.load_cues()),
            "features": screening_context.feature_names() + ["embedding"] * 384,
            "threshold": final.threshold, "bias": final.bias,
            "weights": [round(w, 6) for w in final.weights],
            "means": [round(m, 6) for m in final.means],
            "scales": [round(s, 6) for s in final.scales],
        }) + "\n", encoding="utf-8")
        print(f"Wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
