"""The reducer: exact neighbours, and UMAP's compiled code kept between processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from nlp.reducers import exact_cosine_knn

ROOT = Path(__file__).resolve().parents[2]

# A fresh process fits UMAP on a small input and reports how numba found UMAP's functions.
_FIT_AND_REPORT = """
import json, numpy as np
from nlp.reducers import ExactKnnUMAP
import umap.layouts, umap.umap_
rng = np.random.default_rng(0)
x = rng.normal(size=(300, 16)).astype(np.float32)
out = ExactKnnUMAP(n_neighbors=10, n_epochs=20).fit_transform(x)
fns = [umap.umap_.smooth_knn_dist, umap.umap_.compute_membership_strengths,
       umap.layouts._nb_optimize_layout_euclidean_single_epoch]
print(json.dumps({"hits": [sum(f.stats.cache_hits.values()) for f in fns],
                  "first": out[0].tolist()}))
"""


def _fit_in_new_process() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _FIT_AND_REPORT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_exact_knn_finds_each_row_itself_first_and_true_neighbours():
    x = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    idx, dist = exact_cosine_knn(x, 2, block=3)  # a block boundary inside the input
    assert idx.tolist() == [[0, 1], [1, 0], [2, 3], [3, 2]]
    assert dist[:, 0].tolist() == [0, 0, 0, 0]
    assert (dist[:, 1] > 0).all()


def test_a_second_process_reuses_umaps_compiled_code_and_gets_the_same_layout():
    first = _fit_in_new_process()  # compiles (or already finds the cache from earlier runs)
    second = _fit_in_new_process()
    assert all(hits > 0 for hits in second["hits"]), second["hits"]
    assert second["first"] == first["first"]
