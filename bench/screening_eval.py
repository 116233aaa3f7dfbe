"""Evaluate the safeguarding screener on the labelled set and time it.

    .venv/bin/python bench/screening_eval.py            # rules and rules+embeddings
    .venv/bin/python bench/screening_eval.py --rules-only
    .venv/bin/python bench/screening_eval.py --cv       # also: choose the threshold by CV
    .venv/bin/python bench/screening_eval.py --heldout2 # also: the independent held-out set

Prints, for rules-only and rules+embeddings, precision / recall / F1 per category and overall
on the labelled set's dev and test splits and all rows (both splits have been tuned on: the
rules, the soft rules and the examples were written looking at them, so these figures are
optimistic); with ``--heldout2``, the same on ``tests/nlp/data/screening_heldout2.csv``, an
independent set written by someone else after the screener was frozen, which is the honest
figure; with ``--cv``, 5-fold cross-validation of the embedding threshold and margin over the
labelled set (how ``DEFAULT_THRESHOLD`` / ``DEFAULT_MARGIN`` were chosen); then per-answer
latency (mean and p95) as a ratio to a trivial baseline
(``str.lower`` on the same texts) measured in the same run, so the figure travels between
machines. The tables are Markdown, ready for BENCHMARKS.md ("Safeguarding screening").

Per category: recall is the share of that category's disclosures that are flagged (for any
reason); precision is the share of answers given that reason that are disclosures (of any
category); "reason" is the share of the category's flagged disclosures whose reasons include
the labelled category.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.screening import (  # noqa: E402
    CATEGORIES,
    DEFAULT_MARGIN,
    DEFAULT_THRESHOLD,
    Screener,
    default_screener,
    embedding_screener,
)

LABELLED = ROOT / "tests" / "nlp" / "data" / "screening_labelled.csv"
HELDOUT2 = ROOT / "tests" / "nlp" / "data" / "screening_heldout2.csv"

#: cross-validation: folds, the embedding-only recall the chosen setting must reach on the
#: training folds, and the grid searched (the most precise qualifying setting wins)
CV_FOLDS = 5
CV_TARGET_RECALL = 0.97
CV_THRESHOLDS = [round(0.30 + 0.01 * i, 2) for i in range(32)]
CV_MARGINS = [round(-0.15 + 0.01 * i, 2) for i in range(26)]


def load_rows(path: Path = LABELLED) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:  # tolerate a set without categories
        r.setdefault("category", "unknown" if str(r["label"]).strip() == "1" else "none")
        r["label"] = str(r["label"]).strip()
    return rows


def cv_folds(rows: list[dict], k: int = CV_FOLDS, seed: int = 0) -> list[list[int]]:
    """Stratified folds: disclosures and non-disclosures shuffled, then dealt round."""
    import random

    rng = random.Random(seed)
    pos = [i for i, r in enumerate(rows) if r["label"] == "1"]
    neg = [i for i, r in enumerate(rows) if r["label"] != "1"]
    rng.shuffle(pos)
    rng.shuffle(neg)
    return [pos[j::k] + neg[j::k] for j in range(k)]


def choose_threshold(d, n, y, idx, target: float = CV_TARGET_RECALL) -> tuple[float, float]:
    """The most precise (threshold, margin) whose embedding-only recall on ``idx`` is at least
    ``target`` (ties: the higher threshold)."""
    best = None
    for t in CV_THRESHOLDS:
        for m in CV_MARGINS:
            flagged = [i for i in idx if d[i] >= t and d[i] - n[i] >= m]
            tp = sum(1 for i in flagged if y[i])
            recall = tp / max(sum(1 for i in idx if y[i]), 1)
            precision = tp / max(len(flagged), 1)
            if recall >= target and (best is None or (precision, t) > best[0]):
                best = ((precision, t), t, m)
    if best is None:
        return CV_THRESHOLDS[0], CV_MARGINS[0]
    return best[1], best[2]


def cross_validate(rows: list[dict], scr: Screener, rules_flags: list[bool]) -> None:
    """Choose threshold and margin on k-1 folds, measure on the k-th; pool the k measurements."""
    scores = scr.embedding_scores([r["text"] for r in rows])
    d = [s[0] for s in scores]
    n = [s[1] for s in scores]
    y = [r["label"] == "1" for r in rows]
    folds = cv_folds(rows)
    emb_only = [False] * len(rows)
    combined = [False] * len(rows)
    chosen = []
    for j, fold in enumerate(folds):
        train = [i for k, f in enumerate(folds) if k != j for i in f]
        t, m = choose_threshold(d, n, y, train)
        chosen.append((t, m))
        for i in fold:
            emb_only[i] = d[i] >= t and d[i] - n[i] >= m
            combined[i] = emb_only[i] or rules_flags[i]

    def rp(flags, idx):
        tp = sum(1 for i in idx if flags[i] and y[i])
        return tp / max(sum(1 for i in idx if y[i]), 1), tp / max(sum(flags[i] for i in idx), 1)

    print(f"\n**Cross-validation** ({len(folds)} stratified folds; on each, the most precise "
          f"threshold/margin with embedding-only recall ≥ {CV_TARGET_RECALL} on the other "
          "folds, measured on the held-out fold)\n")
    print("fold choices (threshold, margin): " + ", ".join(f"({t:.2f}, {m:+.2f})"
                                                            for t, m in chosen))
    whole = choose_threshold(d, n, y, list(range(len(rows))))
    print(f"chosen on the whole set: threshold {whole[0]:.2f}, margin {whole[1]:+.2f} "
          f"(defaults in nlp/screening.py: {DEFAULT_THRESHOLD}, {DEFAULT_MARGIN})\n")
    print("| rows | embeddings only R / P (CV) | rules + embeddings R / P (CV) | rules R / P |")
    print("|---|---|---|---|")
    for name, idx in (("dev", [i for i, r in enumerate(rows) if r["split"] == "dev"]),
                      ("test", [i for i, r in enumerate(rows) if r["split"] == "test"]),
                      ("all", list(range(len(rows))))):
        e, c, ru = rp(emb_only, idx), rp(combined, idx), rp(rules_flags, idx)
        print(f"| {name} | {e[0]:.2f} / {e[1]:.2f} | {c[0]:.2f} / {c[1]:.2f} | "
              f"{ru[0]:.2f} / {ru[1]:.2f} |")


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    r = tp / (tp + fn) if tp + fn else float("nan")
    p = tp / (tp + fp) if tp + fp else float("nan")
    f = 2 * p * r / (p + r) if p + r and p == p and r == r else float("nan")
    return p, r, f


def evaluate(rows: list[dict], results) -> dict:
    out = {}
    y = [int(r["label"]) for r in rows]
    flagged = [res.flagged for res in results]
    tp = sum(1 for a, b in zip(y, flagged, strict=True) if a and b)
    fp = sum(1 for a, b in zip(y, flagged, strict=True) if not a and b)
    fn = sum(1 for a, b in zip(y, flagged, strict=True) if a and not b)
    out["overall"] = (*_prf(tp, fp, fn), sum(y), len(y) - sum(y))
    for cat in CATEGORIES:
        idx = [i for i, r in enumerate(rows) if r["category"] == cat]
        c_tp = sum(1 for i in idx if flagged[i])
        given = [i for i, res in enumerate(results) if cat in res.reasons]
        g_tp = sum(1 for i in given if y[i])
        g_fp = len(given) - g_tp
        p = g_tp / (g_tp + g_fp) if given else float("nan")
        r = c_tp / len(idx) if idx else float("nan")
        f = 2 * p * r / (p + r) if p == p and r == r and p + r else float("nan")
        right = sum(1 for i in idx if cat in results[i].reasons)
        reason = right / c_tp if c_tp else float("nan")
        out[cat] = (p, r, f, len(idx), reason)
    return out


def fmt(x: float) -> str:
    return "–" if x != x else f"{x:.2f}"


def table(title: str, by_split: dict[str, dict], reason_split: str = "all") -> str:
    lines = [f"**{title}**", ""]
    lines.append("| category | " + " | ".join(
        f"{s} P | {s} R | {s} F1" for s in by_split) + f" | {reason_split} reason |")
    lines.append("|---" * (1 + 3 * len(by_split) + 1) + "|")
    for cat in ("overall", *CATEGORIES):
        cells = []
        for s in by_split:
            p, r, f = by_split[s][cat][:3]
            cells += [fmt(p), fmt(r), fmt(f)]
        reason = "" if cat == "overall" else fmt(by_split[reason_split][cat][4])
        lines.append(f"| {cat} | " + " | ".join(cells) + f" | {reason} |")
    return "\n".join(lines)


def latency(fn, texts: list[str], repeats: int) -> list[float]:
    per = []
    for _ in range(repeats):
        for t in texts:
            t0 = time.perf_counter()
            fn(t)
            per.append(time.perf_counter() - t0)
    return per


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.95 * len(xs)))]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules-only", action="store_true")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--cv", action="store_true", help="cross-validate the embedding threshold")
    ap.add_argument("--heldout2", action="store_true",
                    help=f"also measure on {HELDOUT2.relative_to(ROOT)}")
    args = ap.parse_args(argv)

    rows = load_rows()
    splits = {
        "dev": [r for r in rows if r["split"] == "dev"],
        "test": [r for r in rows if r["split"] == "test"],
        "all": rows,
    }
    print(f"labelled set: {len(rows)} answers, {sum(int(r['label']) for r in rows)} disclosures;"
          + "; ".join(f" {s}: {len(v)} ({sum(int(r['label']) for r in v)} disclosures)"
                      for s, v in splits.items() if s != "all"))

    rules = default_screener()
    screeners: dict[str, Screener] = {"rules only": rules}
    if not args.rules_only:
        screeners[f"rules + embeddings (threshold {DEFAULT_THRESHOLD}, margin "
                  f"{DEFAULT_MARGIN})"] = embedding_screener()

    heldout2 = load_rows(HELDOUT2) if args.heldout2 else None
    if heldout2 is not None:
        print(f"heldout2: {len(heldout2)} answers, "
              f"{sum(r['label'] == '1' for r in heldout2)} disclosures")

    for name, scr in screeners.items():
        by_split = {}
        for s, subset in splits.items():
            res = scr.screen_many([r["text"] for r in subset])
            by_split[s] = evaluate(subset, res)
        print()
        print(table(name, by_split))
        misses = [r["text"] for r, res in zip(rows, scr.screen_many(
            [r["text"] for r in rows]), strict=True) if int(r["label"]) and not res.flagged]
        print(f"\nlabelled-set misses ({len(misses)}): " + " | ".join(misses[:60]))
        if heldout2 is not None:
            res = scr.screen_many([r["text"] for r in heldout2])
            print()
            print(table(f"{name}: heldout2", {"heldout2": evaluate(heldout2, res)}, "heldout2"))
            misses = [r["text"] for r, x in zip(heldout2, res, strict=True)
                      if r["label"] == "1" and not x.flagged]
            alarms = [r["text"] for r, x in zip(heldout2, res, strict=True)
                      if r["label"] != "1" and x.flagged]
            print(f"\nheldout2 misses ({len(misses)}): " + " | ".join(misses))
            print(f"\nheldout2 false alarms ({len(alarms)}): " + " | ".join(alarms))

    if args.cv and not args.rules_only:
        rules_flags = [x.flagged for x in rules.screen_many([r["text"] for r in rows])]
        cross_validate(rows, embedding_screener(), rules_flags)

    # ---- latency ----------------------------------------------------------------------------
    texts = [r["text"] for r in rows]
    long_text = " ".join(texts)  # one pathological ~20k-character answer
    base = latency(str.lower, texts, args.repeats)
    rule_t = latency(rules.screen, texts, args.repeats)
    base_mean = statistics.mean(base)
    print("\n**Latency per answer** (single answers, one at a time)\n")
    print("| screener | mean | p95 | mean / str.lower mean |")
    print("|---|---|---|---|")
    print(f"| str.lower (baseline) | {base_mean * 1e6:.2f} µs | {p95(base) * 1e6:.2f} µs | 1 |")
    print(f"| rules only | {statistics.mean(rule_t) * 1e3:.3f} ms | {p95(rule_t) * 1e3:.3f} ms "
          f"| {statistics.mean(rule_t) / base_mean:,.0f}× |")
    t0 = time.perf_counter()
    rules.screen(long_text)
    print(f"| rules only, one {len(long_text):,}-character answer | "
          f"{(time.perf_counter() - t0) * 1e3:.1f} ms | | |")
    if not args.rules_only:
        emb = embedding_screener()
        emb.screen("warm up")  # model load is a one-off, reported separately
        emb_t = latency(emb.screen, texts[:120], 1)
        print(f"| rules + embeddings | {statistics.mean(emb_t) * 1e3:.1f} ms | "
              f"{p95(emb_t) * 1e3:.1f} ms | {statistics.mean(emb_t) / base_mean:,.0f}× |")
        t0 = time.perf_counter()
        emb.screen_many(texts)
        batch = time.perf_counter() - t0
        print(f"| rules + embeddings, batch of {len(texts)} | "
              f"{batch / len(texts) * 1e3:.1f} ms per answer | | |")


if __name__ == "__main__":
    main()
