"""Accuracy on the unreviewed answers (issue 11): ``consult evaluate --review-budget`` on the
shared data, two seeds, engine order and random order in the same run; a table of both.

    OMP_NUM_THREADS=1 .venv/bin/python bench/coder_accuracy.py [--data ../shared/data]
        [--cache bench/out/embcache] [--seeds 0,1] [--jobs 2]

Writes bench/out/accuracy_<data>_seed<N>.json (the evaluate command's JSON). ANES needs
bench/anes_single.py to have written bench/out/anes_single.csv.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def runs(data: Path) -> list[tuple[str, Path, str, str]]:
    nhs = data / "nhs_feedback" / "phase1_text_data.csv"
    return [("nhs_label", nhs, "feedback", "label"),
            ("nhs_subcategory", nhs, "feedback", "subcategory"),
            ("anes_single", OUT / "anes_single.csv", "verbatim", "code")]


def evaluate(name, file, text, label, seed, cache) -> Path:
    out = OUT / f"accuracy_{name}_seed{seed}.json"
    consult = Path(sys.executable).with_name("consult")
    subprocess.run([str(consult), "evaluate", str(file), "--text-column", text,
                    "--label-column", label, "--review-budget", "100,200,400",
                    "--seed", str(seed), "--cache-dir", str(cache), "--json", str(out),
                    "--quiet"], check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--cache", type=Path, default=OUT / "embcache")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    jobs = [(*r, int(s)) for s in args.seeds.split(",") for r in runs(args.data)]
    with ThreadPoolExecutor(args.jobs) as pool:
        files = list(pool.map(lambda j: evaluate(*j[:4], j[4], args.cache), jobs))
    print(f"{'data':<17}{'seed':>5}  accuracy on the unreviewed answers, engine / random "
          "(gap) at 100, 200, 400 decisions")
    for (name, *_rest, seed), path in zip(jobs, files, strict=True):
        rows = json.loads(path.read_text())["review"]
        cells = []
        for budget in (100, 200, 400):
            acc = {r["order"]: r["accuracy_unreviewed"] for r in rows if r["budget"] == budget}
            cells.append(f"{acc['engine']:.3f} / {acc['random']:.3f} "
                         f"({acc['engine'] - acc['random']:+.3f})")
        print(f"{name:<17}{seed:>5}  " + "   ".join(cells))


if __name__ == "__main__":
    main()
