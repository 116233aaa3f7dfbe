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


# -- recurring place and organisation names ------------------------------------------------

NAMED = [
    "Speeding cars on the way into Millbrook every night",
    "Millbrook needs more police on foot",
    "drug dealing is getting worse in Millbrook",
    "fly tipping all over Millbrook",
    "The roads in Warren County are full of potholes",
    "Warren County should fund more youth clubs",
    "Traffic on Scottsville Road is dangerous at rush hour",
    "Nobody stops the speeding on Scottsville Road",
    "Scottsville Road needs a crossing by the school",
    "the streets of Warren County are dark at night",
    "Ask Dave about the Quarry Inn",
    "Met someone at the Quarry Inn once",
]


def test_recurring_place_names_are_found_without_a_model():
    from nlp.places import PlaceNameFinder

    finder = PlaceNameFinder(configured=["Millbrook"], use_ner=False).fit(NAMED)
    # Configured, and names ending in a place word named in three answers or more; not
    # the pub named twice, nor a capital at the start of a sentence ("Traffic", "Nobody").
    assert set(finder.names_) == {"millbrook", "warren county", "scottsville road"}
    assert finder.mask("drug dealing is getting worse in Millbrook") == \
        "drug dealing is getting worse"
    assert finder.mask("Warren County should fund more youth clubs") == \
        "should fund more youth clubs"
    assert finder.mask("speeding on scottsville road") == "speeding"  # any case
    assert finder.mask("Millbrook") == "Millbrook"  # nothing else left: kept
    assert finder.find("From Millbrook to Scottsville Road") == ["millbrook", "scottsville road"]


def test_names_written_in_lower_case_mostly_are_not_names():
    from nlp.places import PlaceNameFinder

    texts = ["Green spaces matter", "more green spaces", "green spaces please",
             "keep the green spaces", "Mill Green needs lights", "lights on Mill Green",
             "Mill Green is dark", "at Mill Green again"]
    finder = PlaceNameFinder(use_ner=False).fit(texts)
    assert finder.names_ == ["mill green"]
    assert finder.mask("more green spaces") == "more green spaces"


def _themes_text(result) -> str:
    return " | ".join(f"{t.label} {' '.join(t.keywords[:3])}".lower() for t in result.themes)


def test_a_place_name_never_labels_a_theme():
    """Short answers naming the town and one concern each share little but the town's name:
    left in, the name makes a theme of its own ("Millbrook, burglary and graffiti")."""
    from nlp.embeddings import HashingBackend
    from nlp.labelling import ThemeLabeller
    from nlp.places import PlaceNameFinder
    from nlp.redact import Redactor
    from nlp.themes import ThemeEngine

    from .conftest import TINY_CORPUS

    texts = [a for answers in TINY_CORPUS.values() for a in answers]
    texts += [f"{w} in Millbrook" for w in ["speeding", "drugs", "litter", "parking", "noise",
                                             "burglary", "vandalism", "graffiti"]]
    texts += [f"{w} in Warren County" for w in ["potholes", "buses", "lighting"]]
    texts += [f"Warren County {w}" for w in ["policing", "flooding", "dog fouling"]]

    def themes(**kw):
        engine = ThemeEngine(embedding_backend=HashingBackend(), redactor=Redactor(use_ner=False),
                             labeller=ThemeLabeller(use_noun_chunks=False), **kw)
        return _themes_text(engine.fit(texts))

    described = themes(place_names=["Millbrook"])
    assert "millbrook" not in described and "warren" not in described, described
    # The same answers with no names found: the town is a theme.
    unmasked = themes(name_finder=PlaceNameFinder(use_ner=False, min_answers=10_000))
    assert "millbrook" in unmasked and "warren" in unmasked


@pytest.mark.slow
def test_place_and_organisation_entities_never_label_a_theme(minilm, redactor):
    """Names spaCy knows as places or organisations (no place word in them, not
    configured) do not define a theme either."""
    from nlp.themes import ThemeEngine

    concerns = {
        "parking": ["there is never anywhere to park", "parking is too expensive",
                    "cars parked on the pavement", "we need more parking spaces",
                    "people park across driveways", "parking fines are unfair"],
        "bins": ["the bins are only emptied every three weeks", "recycling is never collected",
                 "overflowing bins in every street", "bin collections keep being missed",
                 "foxes rip open the rubbish bags", "no recycling for glass"],
        "buses": ["the buses never run on time", "no buses after seven in the evening",
                  "bus fares have gone up again", "the bus route to the hospital was cut",
                  "buses are too crowded at school time", "we need a bus on Sundays"],
    }
    texts = []
    for answers in concerns.values():
        for i, a in enumerate(answers):
            texts.append(f"{a} in Brighton" if i % 2 else f"Brighton Council: {a}")
            texts.append(f"{a}, not like Manchester" if i % 3 == 0 else a)
    result = ThemeEngine(embedding_backend=minilm, redactor=redactor).fit(texts)
    described = _themes_text(result)
    for name in ("brighton", "manchester", "council"):
        assert name not in described, described
    assert len(result.themes) >= 3


def test_roles_and_services_named_like_organisations_are_common_nouns():
    from nlp.places import _common_noun

    gp = ["my GP never rings back", "could not see a GP for weeks", "GP was great",
          "the GP surgery is lovely"]
    assert _common_noun("gp", gp)
    wku = ["parking at WKU is awful", "WKU students need buses", "the WKU campus is dark"]
    assert not _common_noun("wku", wku)
