"""The reducer: exact neighbours, and UMAP's compiled code kept between processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from nlp.reducers import exact_cosine_knn

ROOT = Path(__file__).resolve().parents[2]


def fit_and_report() -> dict:
    """Fit UMAP on a small input; how numba found UMAP's functions, and the layout's first
    row. Run here, and in a fresh process."""
    import umap.layouts
    import umap.umap_

    from nlp.reducers import ExactKnnUMAP

    x = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
    out = ExactKnnUMAP(n_neighbors=10, n_epochs=20).fit_transform(x)
    fns = [umap.umap_.smooth_knn_dist, umap.umap_.compute_membership_strengths,
           umap.layouts._nb_optimize_layout_euclidean_single_epoch]
    return {"hits": [sum(f.stats.cache_hits.values()) for f in fns], "first": out[0].tolist()}


def _fit_in_new_process() -> dict:
    code = ("import json; from tests.nlp.test_reducers import fit_and_report; "
            "print(json.dumps(fit_and_report()))")
    done = subprocess.run(
        [sys.executable, "-c", code],
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
    # The first fit, in this process, compiles UMAP's functions (or finds them cached from an
    # earlier run) and leaves them on disk; a fresh process then loads them from there.
    first = fit_and_report()
    second = _fit_in_new_process()
    assert all(hits > 0 for hits in second["hits"]), second["hits"]
    assert second["first"] == first["first"]
