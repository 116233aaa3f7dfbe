"""Redaction speed: today's redactor (``nlp/redact.py`` at main) against this branch's, on
the same 10,000 real answers, in one process, with the same spaCy model.

    PYTHONPATH=$PWD .venv/bin/python bench/redact_speed.py [--n 10000] [--repeats 3]

Texts: the NHS patient comments in ../shared/data (first N non-empty), topped up with the
Bowling Green residents' comments. Each redactor runs ``redact_many`` on the whole batch
(as the theme engine does), after a warm-up on 200 other answers that loads the model; the
two alternate ``--repeats`` times and the best time of each counts. The ratio (branch /
main) is the figure: the target is at most 1.5 (issue 27).

It also counts the answers each redactor changes and how many answers only one of them
changes: on real comments with few names, those are mostly false alarms, so the script
prints a sample of them to read.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
# ../shared/data beside the checkout (a worktree sits one folder deeper)
DATA = next(
    (p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
    ROOT.parent / "shared" / "data",
)


def load_texts(n: int) -> list[str]:
    texts: list[str] = []
    sources = [
        (DATA / "nhs_feedback" / "phase1_text_data.csv", "feedback"),
        (DATA / "polis" / "bowling-green.comments.csv", "comment-body"),
    ]
    for path, column in sources:
        if not path.exists():
            sys.exit(f"{path} is missing: this benchmark needs ../shared/data")
        with path.open(newline="", encoding="utf-8") as fh:
            texts += [r[column].strip() for r in csv.DictReader(fh) if r[column].strip()]
    return texts[:n]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sample", type=int, default=40)
    args = parser.parse_args()

    from redact_main import load_main_redact

    from nlp.redact import Redactor as BranchRedactor

    main_module = load_main_redact()
    texts = load_texts(args.n + 200)
    warm, texts = texts[:200], texts[200:]
    redactors = {"main": main_module.Redactor(), "branch": BranchRedactor()}
    for r in redactors.values():
        r.redact_many(warm)
    best = {name: float("inf") for name in redactors}
    outputs = {}
    for _ in range(args.repeats):
        for name, r in redactors.items():
            start = time.perf_counter()
            outputs[name] = r.redact_many(texts)
            best[name] = min(best[name], time.perf_counter() - start)
    ratio = best["branch"] / best["main"]
    print(f"{len(texts)} answers, best of {args.repeats}")
    for name, seconds in best.items():
        print(f"  {name}: {seconds:.2f} s ({len(texts) / seconds:,.0f} answers/s)")
    print(f"  ratio branch / main: {ratio:.2f} (target <= 1.5)")

    changed = {name: {i for i, r in enumerate(out) if r.spans} for name, out in outputs.items()}
    only_branch = sorted(changed["branch"] - changed["main"])
    only_main = sorted(changed["main"] - changed["branch"])
    for name, idx in changed.items():
        print(f"  {name} changes {len(idx)} answers ({len(idx) / len(texts):.1%})")
    print(f"  only branch: {len(only_branch)}, only main: {len(only_main)}")
    rng = random.Random(0)
    for label, idx in (("only branch", only_branch), ("only main", only_main)):
        print(f"\nsample, {label}:")
        for i in sorted(rng.sample(idx, min(args.sample, len(idx)))):
            r = outputs["branch" if label == "only branch" else "main"][i]
            found = [(t, texts[i][s:e]) for t, s, e in r.spans]
            print(f"  {found} | {texts[i][:160]!r}")


if __name__ == "__main__":
    main()
