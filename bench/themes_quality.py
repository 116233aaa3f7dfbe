"""Theme quality on the labelled development data, against the two baselines.

    .venv/bin/python bench/themes_quality.py            # all datasets
    .venv/bin/python bench/themes_quality.py nhs_label  # one
    .venv/bin/python bench/themes_quality.py --int8     # the large-corpus (int8) encoder
    .venv/bin/python bench/themes_quality.py --sample 2000  # a seeded random sample of each

For each dataset: the engine (redaction, non-answers, its own number of themes), then on the
same redacted embeddings BERTopic with default settings and KMeans told the true number of
labels. Scores: NMI, ARI, V-measure with unthemed answers as one extra group; the engine's
non-answers form their own group. Embeddings are cached in bench/out/cache, so the engine's
seconds here are warm; see themes_speed.py for cold timings. Results: bench/out/quality.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from themes_data import DATASETS  # noqa: E402

from nlp.evaluation import evaluate  # noqa: E402
from nlp.themes import ThemeEngine  # noqa: E402


def main(names: list[str]) -> None:
    int8 = "--int8" in names
    names = [n for n in names if n != "--int8"]
    sample = None
    if "--sample" in names:
        at = names.index("--sample")
        sample = int(names[at + 1])
        names = names[:at] + names[at + 2:]
    out_path = HERE / "out" / ("quality_int8.json" if int8 else "quality.json")
    if sample:
        out_path = out_path.with_name(f"{out_path.stem}_sample{sample}.json")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(out_path.read_text()) if out_path.exists() else {}
    for name in names or list(DATASETS):
        texts, labels = DATASETS[name]()
        if sample and sample < len(texts):
            import random

            keep = sorted(random.Random(0).sample(range(len(texts)), sample))
            texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
        # --int8: the encoder the engine uses from 50,000 distinct answers, at any size.
        engine = ThemeEngine(cache_dir=str(HERE / "out" / "cache"),
                             **({"large_corpus_size": 0} if int8 else {}))
        scores = evaluate(texts, labels, engine=engine)
        scores["n"] = len(texts)
        scores["n_labels"] = len(set(labels))
        results[name] = scores
        out_path.write_text(json.dumps(results, indent=2))
        print(f"\n{name}: {len(texts)} answers, {len(set(labels))} labels")
        for method in ("engine", "bertopic_defaults", "kmeans_true_k"):
            s = scores[method]
            print(f"  {method:<18} NMI {s['nmi']:.3f}  ARI {s['ari']:.3f}  V {s['v_measure']:.3f}"
                  f"  themes {s['n_themes']:>3}  unthemed {s['unthemed_share']:.1%}"
                  f"  {s['seconds']:.1f} s  {s['peak_mb']:.0f} MB", flush=True)
        e, b, k = (scores[m]["nmi"] for m in ("engine", "bertopic_defaults", "kmeans_true_k"))
        print(f"  engine - bertopic = {e - b:+.3f} (target +0.05); engine - kmeans = {e - k:+.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
