"""Redaction on the hard set (issue 16): 389 sentences in residents' and pupils' own style,
304 with personal data across every kind the issue lists, 85 clean traps. Targets: names
recall >= 0.90; phones, emails, postcodes >= 0.98; every other type >= 0.90; at most 5% of
clean sentences changed."""

import pytest

from nlp.evaluation import parse_marked, redaction_scores

from .redaction_cases import load_hard_cases

CASES = load_hard_cases()
GOLD = [parse_marked(marked) for _, marked in CASES]
CLEAN = [text for (kind, _), (text, _) in zip(CASES, GOLD, strict=True) if kind == "clean"]
TARGETS = {"NAME": 0.90, "PHONE": 0.98, "EMAIL": 0.98, "POSTCODE": 0.98}


def test_the_set_is_large_and_spread_over_every_kind():
    kinds = {kind for kind, _ in CASES}
    assert len(CASES) >= 300
    assert len(CLEAN) >= 60
    assert {
        "names_communities",
        "names_titles_ranks",
        "names_hyphenated",
        "names_after_phone",
        "names_initials",
        "names_context_words",
        "emails",
        "phones",
        "dates_of_birth",
        "vehicles",
        "handles",
        "addresses",
        "clean",
    } <= kinds
    types = {t for _, spans in GOLD for t, _, _ in spans}
    assert types == {
        "NAME",
        "PHONE",
        "EMAIL",
        "POSTCODE",
        "ADDRESS",
        "VEHICLE",
        "URL",
        "HANDLE",
        "DOB",
    }


def _check_targets(redactor):
    results = redactor.redact_many([text for text, _ in GOLD])
    scores = redaction_scores([g for _, g in GOLD], [r.spans for r in results])
    for kind, s in scores.items():
        assert s["recall"] >= TARGETS.get(kind, 0.90), (kind, s)
        assert s["precision"] >= 0.90, (kind, s)
    clean = [r for (kind, _), r in zip(CASES, results, strict=True) if kind == "clean"]
    changed = [r.text for r in clean if r.spans]
    assert len(changed) <= 0.05 * len(clean), changed


@pytest.mark.slow
def test_targets_on_the_hard_set(redactor):
    _check_targets(redactor)


def test_targets_on_the_hard_set_without_the_recogniser(regex_redactor):
    """The rules and the names list carry the set on their own: where spaCy is missing or
    its model not installed, redaction does not fall apart."""
    _check_targets(regex_redactor)


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("my son Will was jumped by the station", "my son [NAME] was jumped by the station"),
        ("I will report it again", "I will report it again"),
        ("Will the police ever come", "Will the police ever come"),
        ("a boy called mark took my phone", "a boy called [NAME] took my phone"),
        ("mark my words someone will get hurt", "mark my words someone will get hurt"),
        ("Grace from number 8 was mugged", "[NAME] from number 8 was mugged"),
        ("Grace Close is a rat run", "Grace Close is a rat run"),
        ("Rose next door is terrified", "[NAME] next door is terrified"),
        ("the Rose and Crown has fights", "the Rose and Crown has fights"),
        ("Sue at the post office gets abuse", "[NAME] at the post office gets abuse"),
        ("Sue the council for the roads", "Sue the council for the roads"),
        ("Bill posters all over the shelter", "Bill posters all over the shelter"),
        ("speeding on Mark Lane", "speeding on Mark Lane"),
        # How people describe themselves is not a name.
        ("White British", "White British"),
        ("Christian", "Christian"),
        ("Muslim woman, 40", "Muslim woman, 40"),
        ("my son Christian was threatened", "my son [NAME] was threatened"),
    ],
)
def test_context_decides_whether_a_word_is_a_name(regex_redactor, text, redacted):
    assert regex_redactor.redact(text).text == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("marek from the car wash saw it", "[NAME] from the car wash saw it"),
        ("sgt harris never came back", "[NAME] never came back"),
        ("ring 07700 900431 (Tomasz)", "ring [PHONE] ([NAME])"),
        ("email j.kowalski (at) example (dot) com", "email [EMAIL]"),
        ("ring me 0 7 7 0 0 9 0 0 1 2 3", "ring me [PHONE]"),
        ("born on the 2nd of June 1965", "born on [DOB]"),
        ("dob 2009-05-12", "dob [DOB]"),
        ("the black merc KAZ 1 parks there", "the black merc [VEHICLE] parks there"),
        ("on snap called big.t.worthing", "on snap called [HANDLE]"),
        ("they deal from 7 mill st", "they deal from [ADDRESS]"),
        ("i live at Rose Cottage, Mill Lane", "i live at [ADDRESS]"),
        ("B33 ASB team never answer", "B33 ASB team never answer"),
        ("problems all over BN11 and BN12", "problems all over BN11 and BN12"),
        ("please add BN11 to the patrol page", "please add BN11 to the patrol page"),
        ("ring 07700 900123 (Mon-Fri)", "ring [PHONE] (Mon-Fri)"),
    ],
)
def test_the_kinds_the_issue_lists(regex_redactor, text, redacted):
    assert regex_redactor.redact(text).text == redacted
