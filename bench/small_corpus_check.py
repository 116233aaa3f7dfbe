"""Small consultations (50 to 500 answers): how many themes, how big the largest, NMI.

    .venv/bin/python bench/small_corpus_check.py [--n 165] [--seeds 3]

Samples from the labelled data in ../shared/data, embedded with all-MiniLM-L6-v2 (cached in
bench/out/cache), clustered by the engine's clustering stage (``nlp.theme_stages.cluster`` and
``finish_clusters``: the small-corpus path below 200 distinct answers, UMAP + HDBSCAN
above), beside the earlier small-corpus method in the same run (average-linkage
agglomerative clustering, number of themes by silhouette minus 0.004 per theme; it gave 2
themes, one of 157, on 165 answers about affordable housing):

- one topic, several sub-concerns: NHS comments of one `label` scored against their
  `subcategory` (Access; Environment/facilities; Communication)
- mixed topics: random NHS comments scored against `label`; ANES answers against their code
- Polis Bowling Green (no labels): themes and largest share only
Results: bench/out/small_corpus.json.
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

import pandas as pd  # noqa: E402
from themes_data import DATA, anes, nhs  # noqa: E402

from nlp.embeddings import CachedBackend, SentenceTransformerBackend  # noqa: E402
from nlp.evaluation import cluster_scores  # noqa: E402
from nlp.nonanswers import is_non_answer  # noqa: E402
from nlp.theme_stages import cluster, finish_clusters  # noqa: E402
from nlp.themes import ThemeEngine  # noqa: E402


def earlier_method(emb: np.ndarray, random_state: int = 42, max_themes: int = 60) -> np.ndarray:
    """The small-corpus clustering before issue 11, kept here as the baseline."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import silhouette_score

    n = len(emb)
    best_labels, best_score = np.zeros(n, dtype=int), -1.0
    for k in range(2, int(min(15, max_themes, max(2, n // 4))) + 1):
        labels = AgglomerativeClustering(n_clusters=k, metric="cosine",
                                         linkage="average").fit_predict(emb)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(emb, labels, metric="cosine", random_state=random_state)
        score -= 0.004 * k
        if score > best_score:
            best_score, best_labels = score, labels
    return best_labels


def engine_labels(emb: np.ndarray) -> np.ndarray:
    """The engine's clustering stage as it runs in ``ThemeEngine.fit`` (small-corpus path
    below 200 distinct answers, UMAP + HDBSCAN above), outliers and refinement included."""
    engine = ThemeEngine()
    labels = cluster(engine, emb, lambda stage, fraction: None)
    return finish_clusters(engine, emb, labels)[0]


def samples(n: int, seeds: int):
    texts, sub = nhs("subcategory")
    _, lab = nhs("label")
    df = pd.DataFrame({"text": texts, "sub": sub, "label": lab})
    df = df[[not is_non_answer(t) for t in df.text]]
    for topic in ("Access", "Environment/ facilities", "Communication"):
        part = df[df.label == topic]
        for s in range(seeds):
            pick = part.sample(n=min(n, len(part)), random_state=s)
            yield f"NHS {topic} (one topic) vs subcategory", s, pick.text.tolist(), \
                pick["sub"].tolist()
    for s in range(seeds):
        pick = df.sample(n=n, random_state=s)
        yield "NHS mixed vs label", s, pick.text.tolist(), pick.label.tolist()
    a_texts, a_labels = anes()
    keep = [i for i, t in enumerate(a_texts) if not is_non_answer(t)]
    for s in range(seeds):
        idx = random.Random(s).sample(keep, n)
        yield "ANES mixed vs code", s, [a_texts[i] for i in idx], [a_labels[i] for i in idx]
    polis = pd.read_csv(DATA / "polis" / "bowling-green.comments.csv", keep_default_na=False)
    for s in range(seeds):
        pick = polis.sample(n=n, random_state=s)
        yield "Polis Bowling Green (no labels)", s, pick["comment-body"].tolist(), None


def main(argv: list[str]) -> None:
    n = int(argv[argv.index("--n") + 1]) if "--n" in argv else 165
    seeds = int(argv[argv.index("--seeds") + 1]) if "--seeds" in argv else 3
    backend = CachedBackend(SentenceTransformerBackend(), str(HERE / "out" / "cache"))
    rows = []
    for name, seed, texts, truth in samples(n, seeds):
        emb = backend.embed(texts)
        for method in ("earlier", "now"):
            if method == "earlier" and len(texts) >= 200:
                continue  # the density path, unchanged
            labels = earlier_method(emb) if method == "earlier" else engine_labels(emb)
            sizes = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.array([0])
            row = {"data": name, "seed": seed, "method": method, "n": len(texts),
                   "themes": int((sizes > 0).sum()),
                   "largest_share": round(float(sizes.max() / len(texts)), 3)}
            if truth is not None:
                row["nmi"] = round(cluster_scores(truth, labels.tolist())["nmi"], 3)
            rows.append(row)
    out = HERE / "out" / "small_corpus.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    df = pd.DataFrame(rows)
    summary = df.groupby(["data", "method"], sort=False).agg(
        themes=("themes", "mean"), largest=("largest_share", "mean"),
        nmi=("nmi", "mean") if "nmi" in df else ("themes", "size"))
    print(f"{n} answers per sample, {seeds} samples each (means)")
    print(summary.round(3).to_string())


if __name__ == "__main__":
    main(sys.argv[1:])
