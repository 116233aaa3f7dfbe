"""Evaluate the safeguarding screener on the labelled set and time it.

    .venv/bin/python bench/screening_eval.py            # rules and rules+embeddings
    .venv/bin/python bench/screening_eval.py --rules-only

Prints, for rules-only and rules+embeddings, precision / recall / F1 per category and overall
on the dev split (what the rules and the embedding threshold were tuned on), the held-out test
split, and all rows; then per-answer latency (mean and p95) as a ratio to a trivial baseline
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


def load_rows() -> list[dict]:
    with open(LABELLED, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


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


def table(title: str, by_split: dict[str, dict]) -> str:
    lines = [f"**{title}**", ""]
    lines.append("| category | " + " | ".join(
        f"{s} P | {s} R | {s} F1" for s in by_split) + " | test reason |")
    lines.append("|---" * (1 + 3 * len(by_split) + 1) + "|")
    for cat in ("overall", *CATEGORIES):
        cells = []
        for s in by_split:
            p, r, f = by_split[s][cat][:3]
            cells += [fmt(p), fmt(r), fmt(f)]
        reason = "" if cat == "overall" else fmt(by_split["test"][cat][4])
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

    for name, scr in screeners.items():
        by_split = {}
        for s, subset in splits.items():
            res = scr.screen_many([r["text"] for r in subset])
            by_split[s] = evaluate(subset, res)
        print()
        print(table(name, by_split))
        misses = [r["text"] for r, res in zip(splits["test"], scr.screen_many(
            [r["text"] for r in splits["test"]]), strict=True) if int(r["label"]) and
            not res.flagged]
        print(f"\ntest-split misses ({len(misses)}): " + " | ".join(misses[:60]))

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
