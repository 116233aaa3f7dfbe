"""Code frames: how often an answer assigned to a frame theme is assigned rightly, and how
many answers are assigned, by similarity threshold.

    .venv/bin/python bench/codeframe_check.py [--n 2000] [--examples 3]

The frame is made from labelled data as an analyst would write one: each label's name with
``--examples`` answers of that label as examples (seeded). It is scored on ``--n`` other
answers (non-answers left out): *coverage* is the share assigned to a frame theme,
*precision* the share of those whose theme is their label. NHS comments by `label` (9) and
ANES answers by their primary code (32). Embeddings are cached in bench/out/cache.
Results: bench/out/codeframe.json.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from themes_data import anes, nhs  # noqa: E402

from nlp.codeframe import DEFAULT_THRESHOLD, FrameTheme, assign_to_frame, frame_vectors  # noqa: E402
from nlp.embeddings import CachedBackend, SentenceTransformerBackend  # noqa: E402
from nlp.nonanswers import is_non_answer  # noqa: E402

THRESHOLDS = (0.3, 0.35, 0.4, DEFAULT_THRESHOLD, 0.5, 0.55, 0.6)


def run(name, texts, labels, backend, n, n_examples, seed=0):
    rng = random.Random(seed)
    keep = [i for i, t in enumerate(texts) if not is_non_answer(t) and labels[i] != "none"]
    rng.shuffle(keep)
    by_label: dict[str, list[int]] = {}
    for i in keep:
        by_label.setdefault(labels[i], []).append(i)
    names = sorted(by_label)
    used = set()
    frame = []
    for label in names:
        ex = by_label[label][:n_examples]
        used |= set(ex)
        frame.append(FrameTheme(label, "", tuple(texts[i] for i in ex)))
    test = [i for i in keep if i not in used][:n]
    vectors = backend.embed([texts[i] for i in test])
    fvecs = frame_vectors(frame, backend)
    truth = np.array([names.index(labels[i]) for i in test])
    rows = []
    for threshold in THRESHOLDS:
        idx, _ = assign_to_frame(frame, vectors, fvecs, threshold)
        assigned = idx >= 0
        rows.append({
            "data": name, "threshold": threshold, "n": len(test),
            "coverage": round(float(assigned.mean()), 3),
            "precision": round(float((idx[assigned] == truth[assigned]).mean()), 3)
            if assigned.any() else None,
        })
    return rows


def main(argv: list[str]) -> None:
    n = int(argv[argv.index("--n") + 1]) if "--n" in argv else 2000
    n_examples = int(argv[argv.index("--examples") + 1]) if "--examples" in argv else 3
    backend = CachedBackend(SentenceTransformerBackend(), str(HERE / "out" / "cache"))
    rows = []
    rows += run("NHS label", *nhs("label"), backend, n, n_examples)
    rows += run("ANES primary code", *anes(), backend, n, n_examples)
    print(f"frame: each label's name + {n_examples} example answers; {n} other answers scored")
    print(f"{'data':<20}{'threshold':>10}{'coverage':>10}{'precision':>11}")
    for r in rows:
        p = "-" if r["precision"] is None else f"{r['precision']:.3f}"
        print(f"{r['data']:<20}{r['threshold']:>10.2f}{r['coverage']:>10.3f}{p:>11}")
    out = HERE / "out" / "codeframe.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
