"""Guided coder speed: retraining after a batch of decisions and re-assigning every answer,
against the first analysis (``ThemeEngine.fit``) of the same answers in the same script.

    .venv/bin/python bench/coder_speed.py [--n 10000] [--decisions 400,2000] [--cache DIR]

Texts: the NHS comments from ../shared/data (first N). The baseline is the first analysis
with redaction and embeddings already in the cache (UMAP, HDBSCAN, labels, priorities), so
the ratio is against the cheapest first analysis, not one that embeds from scratch. The
coder step is what the coding job does after a batch: fit on the decisions (vectors +
TF-IDF; warm-started from the weights of the coder fitted 20 decisions before, as the job
does; the fit from scratch is timed too), suggest themes for all N answers, and pick the
next batch of 20 for the review queue. Once per run (timed apart): the TF-IDF rows of all
answers and their typicality.
Decisions are the first answers in a random order, labelled with the NHS ``label`` column.
The first analysis runs on a copy of the cache without the reduced coordinates (``*.npy``),
so UMAP really runs, as in a first analysis.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# One BLAS thread: the coding job shares the 2 cores with the web process (two threads were
# slower for these small matrices on the loaded machine).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--decisions", default="400,2000")
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--cache", type=Path, default=HERE / "out" / "embedding-cache")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    from nlp.answer_graph import Lexicon
    from nlp.coder import GuidedCoder
    from nlp.review_queue import review_order, typicality
    from nlp.review_simulation import answer_vectors
    from nlp.themes import ThemeEngine

    df = pd.read_csv(args.data / "nhs_feedback" / "phase1_text_data.csv",
                     keep_default_na=False, dtype=str).head(args.n)
    texts, truth = df["feedback"].tolist(), df["label"].to_numpy()
    answer_vectors(texts, ThemeEngine(cache_dir=str(args.cache)))  # fill the cache, untimed
    import shutil
    import tempfile

    fresh = Path(tempfile.mkdtemp()) / "cache"
    shutil.copytree(args.cache, fresh, ignore=shutil.ignore_patterns("*.npy"))
    engine = ThemeEngine(cache_dir=str(fresh), taxonomy=str(ROOT / "surveys" / "priorities.yaml"))
    start = time.perf_counter()
    result = engine.fit(texts)
    first = time.perf_counter() - start
    rows = [i for i, a in enumerate(result.assignments) if not a.is_non_answer]
    vectors = engine.embeddings_
    redacted = [result.assignments[i].redacted_text for i in rows]
    labels = truth[rows]
    out = {"n_answers": len(texts), "n_coded": len(rows), "first_analysis_seconds": first,
           "coder": []}
    print(f"first analysis (ThemeEngine.fit; redaction, embeddings cached): {first:.2f} s "
          f"for {len(texts)} answers")
    start = time.perf_counter()
    lexicon = Lexicon(redacted)
    typical = typicality(vectors)
    once = time.perf_counter() - start
    out["once_per_run_seconds"] = once
    print(f"once per run (TF-IDF rows, typicality): {once:.2f} s")
    order = np.random.default_rng(0).permutation(len(rows))
    for k in (int(d) for d in args.decisions.split(",")):
        seen = order[:k]
        reviewed = np.zeros(len(rows), dtype=bool)
        reviewed[seen] = True
        before = order[:max(0, k - 20)]  # the previous batch's coder (untimed)
        previous = GuidedCoder(lexicon=lexicon).fit(
            vectors[before], [{labels[i]} for i in before], [redacted[i] for i in before])
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            GuidedCoder(lexicon=lexicon).fit(
                vectors[seen], [{labels[i]} for i in seen], [redacted[i] for i in seen])
            cold = time.perf_counter() - start
            start = time.perf_counter()
            coder = GuidedCoder(lexicon=lexicon).fit(
                vectors[seen], [{labels[i]} for i in seen], [redacted[i] for i in seen],
                warm_start=previous.weights())
            fitted = time.perf_counter()
            coder.suggest(vectors, redacted)
            suggested = time.perf_counter()
            review_order(coder, vectors, reviewed, n=20, texts=redacted, typical=typical)
            done = time.perf_counter()
            times.append((cold, fitted - start, suggested - fitted, done - suggested,
                          done - start))
        cold_s, fit_s, suggest_s, queue_s, total = np.median(np.asarray(times), axis=0)
        out["coder"].append({"decisions": k, "fit_cold_seconds": cold_s, "fit_seconds": fit_s,
                             "suggest_seconds": suggest_s, "review_order_seconds": queue_s,
                             "total_seconds": total, "ratio_to_first_analysis": total / first})
        print(f"{k:>5} decisions: fit {fit_s:.2f} s (from scratch {cold_s:.2f} s) + suggest "
              f"{len(rows)} {suggest_s:.2f} s + next batch {queue_s:.2f} s = {total:.2f} s "
              f"({total / first:.2f} x first analysis)")
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "coder_speed.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
