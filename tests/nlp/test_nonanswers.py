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


@pytest.mark.parametrize(
    "text",
    [
        "I am a 45 year old white female",
        "retired",
        "Student",
        "White British",
        "Christian",
        "I'm a mum of two",
        "Female, 34",
        "45 year old male, retired",
        "i am retired and live alone",
        "Self-employed",
        "Muslim, Asian British",
    ],
)
def test_self_descriptions_are_not_themed(text):
    assert classify_non_answer(text) == "self_description"


@pytest.mark.parametrize(
    "text",
    [
        "Students need more places to go in the evening",
        "young people",
        "elderly people being scammed",
        "Black people are stopped by police more",
        "racism",
        "white van drivers speeding",
        "retired people feel unsafe",
        "single mothers need more support",
        "mixed feelings about the new estate",
        "I am worried about knife crime",
    ],
)
def test_answers_about_groups_of_people_are_real_answers(text):
    assert classify_non_answer(text) is None


@pytest.mark.parametrize("text", ["I have no opinion", "No strong opinion either way",
                                  "just my opinion", "no views"])
def test_no_opinion_is_no_comment(text):
    assert classify_non_answer(text) == "no_comment"
