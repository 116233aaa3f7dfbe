import pytest

from nlp.nonanswers import classify_non_answer, is_non_answer

NON_ANSWERS = [
    ("nothing", "nothing"),
    ("Nothing.", "nothing"),
    ("NOTHING AT ALL", "nothing"),
    ("Nothing really, all good", "nothing"),
    ("nothing to add, thanks", "nothing"),
    ("None", "nothing"),
    ("no", "nothing"),
    ("Can’t think of anything", "nothing"),
    ("n/a", "not_applicable"),
    ("N/A", "not_applicable"),
    ("na", "not_applicable"),
    ("Not applicable", "not_applicable"),
    ("Don't know", "dont_know"),
    ("dont know", "dont_know"),
    ("Not sure?", "dont_know"),
    ("no idea", "dont_know"),
    ("No comment", "no_comment"),
    ("no comments", "no_comment"),
    ("Prefer not to say", "no_comment"),
    ("See above", "see_above"),
    ("as above", "see_above"),
    ("Same as previous answer", "see_above"),
    ("", "empty"),
    ("   ", "empty"),
    ("-", "empty"),
    ("...", "empty"),
]

REAL_ANSWERS = [
    "Nothing is done about the drug dealing",
    "No street lighting on our road",
    "None of the police ever come round here",
    "I don't know who to report the noise to",
    "Not sure the police care about speeding",
    "see more police on the streets",
    "Speeding cars",
    "no",  # placeholder replaced below
]
REAL_ANSWERS[-1] = "No one does anything about fly tipping"


@pytest.mark.parametrize(("text", "kind"), NON_ANSWERS)
def test_non_answers_are_recognised(text, kind):
    assert is_non_answer(text)
    assert classify_non_answer(text) == kind


@pytest.mark.parametrize("text", REAL_ANSWERS)
def test_real_answers_are_not_non_answers(text):
    assert not is_non_answer(text)


def test_none_is_empty():
    assert classify_non_answer(None) == "empty"
