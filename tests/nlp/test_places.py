"""Places in answers: found for the analyst, left out of what themes are made of."""

import pytest

from nlp.places import find_places, strip_places


@pytest.mark.parametrize(
    ("text", "stripped", "places"),
    [
        ("drug users on the canal path", "drug users", ["the canal path"]),
        ("speeding on London Road", "speeding", ["london road"]),
        ("no street lights on the high street", "no street lights", ["the high street"]),
        ("Racing cars on the bypass and drug dealing near the shops",
         "Racing cars and drug dealing", ["the bypass", "the shops"]),
        ("I feel unsafe in the town centre after dark", "I feel unsafe after dark",
         ["the town centre"]),
        ("kids on bikes in the car park", "kids on bikes", ["the car park"]),
        ("people shouting at kids in the park", "people shouting at kids", ["the park"]),
    ],
)
def test_place_phrases_are_found_and_stripped(text, stripped, places):
    assert strip_places(text) == stripped
    assert find_places(text) == places


@pytest.mark.parametrize(
    "text",
    [
        "the park needs better lighting",  # the place is what the answer is about
        "bullying at school",  # institutions change the concern and stay
        "ASB on the bus",
        "the ladies in green were kind",  # no determiner or name: not a place
        "seen at St Lukes",
        "treated at park house",
        "on the canal path",  # nothing would be left
        "cars  speeding",  # no place: the text is returned as it was, spaces and all
    ],
)
def test_answers_without_a_strippable_place_are_unchanged(text):
    assert strip_places(text) == text


def test_common_short_answer_becomes_the_label():
    import numpy as np

    from nlp.labelling import ThemeLabeller

    texts = ["people drive too fast"] * 6 + [
        "people drive too fast on the school road", "drivers far too fast", "fast cars",
        "racing", "speed bumps needed", "too fast", "cars going fast", "boy racers",
    ]
    labeller = ThemeLabeller(use_noun_chunks=False).fit(texts, np.zeros(len(texts), int))
    assert labeller.labels_[0] == "People drive too fast"
    # Without a common answer the label comes from keywords.
    mixed = texts[6:] + ["drive too fast", "too fast again"]
    labeller = ThemeLabeller(use_noun_chunks=False).fit(mixed, np.zeros(len(mixed), int))
    assert labeller.labels_[0] != "People drive too fast"
