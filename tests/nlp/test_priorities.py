import numpy as np
import pytest

from nlp.priorities import (
    TaxonomyError,
    load_taxonomy,
    map_to_priorities,
    taxonomy_from_dict,
)

EXPECTED_IDS = {
    "violence_exploitation", "domestic_abuse", "anti_social_behaviour", "drugs_county_lines",
    "fraud", "hate_crime", "road_safety", "digital_safety", "acquisitive_crime",
}


def test_shipped_taxonomy_loads(taxonomy):
    ids = {p.id for p in taxonomy.priorities}
    assert EXPECTED_IDS <= ids
    for p in taxonomy.priorities:
        assert p.name and p.description and len(p.examples) >= 3


def test_bad_taxonomies_are_rejected(tmp_path):
    with pytest.raises(TaxonomyError):
        taxonomy_from_dict({"priorities": []})
    with pytest.raises(TaxonomyError):
        taxonomy_from_dict({"priorities": [{"id": "a"}]})
    with pytest.raises(TaxonomyError):
        taxonomy_from_dict({"priorities": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]})
    with pytest.raises(TaxonomyError):
        load_taxonomy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("priorities: [unclosed")
    with pytest.raises(TaxonomyError):
        load_taxonomy(bad)


def test_mapping_with_hashing_backend(taxonomy, hashing):
    texts = ["drug dealing and cannabis", "cars speeding dangerous driving",
             "the weather on mars and planets"]
    vecs = hashing.embed(texts)
    mapped = map_to_priorities(vecs, taxonomy, hashing, threshold=0.2)
    assert mapped[0][0] == "drugs_county_lines"
    assert mapped[1][0] == "road_safety"
    assert mapped[2][0] is None  # emerging


@pytest.mark.slow
def test_mapping_with_real_model(taxonomy, minilm):
    themes = {
        "kids carrying knives and stabbings": "violence_exploitation",
        "my partner hits me and controls my money": "domestic_abuse",
        "teenagers hanging around being loud and intimidating": "anti_social_behaviour",
        "people selling drugs on the estate": "drugs_county_lines",
        "old people being scammed on the phone": "fraud",
        "racist abuse shouted at my family": "hate_crime",
        "boy racers speeding through the village": "road_safety",
        "children bullied on social media": "digital_safety",
        "sheds broken into and bikes stolen": "acquisitive_crime",
    }
    vecs = minilm.embed(list(themes))
    # The engine's own cut-off (ThemeEngine.priority_threshold, 0.45): the nearest priority.
    # The app suggests a link only from AUTO_LINK_THRESHOLD (test_links_threshold.py).
    mapped = map_to_priorities(vecs, taxonomy, minilm, threshold=0.45)
    assert [m[0] for m in mapped] == list(themes.values())
    assert all(0 < m[1] <= 1 for m in mapped)
    # Something no priority covers is emerging.
    (pid, score), = map_to_priorities(minilm.embed(["the bin collection day changed"]),
                                      taxonomy, minilm, threshold=0.45)
    assert pid is None and score < 0.45
    assert np.isfinite(score)
