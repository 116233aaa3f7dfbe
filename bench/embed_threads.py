"""Encoding threads: MiniLM with PyTorch's own threads inside each operation, against as
many Python threads each encoding whole batches on one PyTorch thread (what
``SentenceTransformerBackend.embed`` does when PyTorch has several threads).

    .venv/bin/python bench/embed_threads.py [--n 3000] [--repeats 3] [--int8]

Both run in one process on the same distinct NHS comments, alternating, so machine load
falls on both; prints each time, the ratio, and how far the vectors differ.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes_data import nhs  # noqa: E402

import nlp.embeddings as embeddings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--int8", action="store_true")
    args = ap.parse_args()
    import contextlib

    import numpy as np
    import torch

    texts = list(dict.fromkeys(nhs()[0]))[: args.n]
    backend = embeddings.SentenceTransformerBackend(int8=args.int8)
    backend.embed(["warm up"] * 200)
    threaded = embeddings._encoding_threads

    @contextlib.contextmanager
    def intra_op_only():
        yield None, 1

    times: dict[str, list[float]] = {"intra-op threads": [], "Python threads": []}
    vectors = {}
    for _ in range(args.repeats):
        for name, threads in (("intra-op threads", intra_op_only), ("Python threads", threaded)):
            embeddings._encoding_threads = threads
            t0 = time.perf_counter()
            vectors[name] = backend.embed(texts)
            times[name].append(time.perf_counter() - t0)
    embeddings._encoding_threads = threaded
    a, b = vectors["intra-op threads"], vectors["Python threads"]
    cosine = (a * b).sum(axis=1)
    print(f"{len(texts)} texts, torch threads {torch.get_num_threads()}, int8 {args.int8}")
    for name, ts in times.items():
        each = " ".join(f"{t:.2f}" for t in ts)
        print(f"  {name:<17} {each}  median {statistics.median(ts):.2f} s")
    median = {name: statistics.median(ts) for name, ts in times.items()}
    ratio = median["Python threads"] / median["intra-op threads"]
    print(f"  Python threads / intra-op threads: {ratio:.2f}")
    print(f"  vectors: max abs difference {np.abs(a - b).max():.2e}, min cosine {cosine.min():.6f}")


if __name__ == "__main__":
    main()
