"""Phones, dates of birth and addresses as people write them (issue 27)."""

import pytest

from nlp.redact import Redactor

REDACTOR = Redactor(use_ner=False)


def _text(t: str) -> str:
    return REDACTOR.redact(t).text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ring 07700 900 erm 319 after 6", "ring [PHONE] after 6"),
        ("my number 07700  900 319", "my number [PHONE]"),
        ("07700 - 900 - 319 is mine", "[PHONE] is mine"),
        ("call oh seven seven double oh nine oh oh three one nine", "call [PHONE]"),
        ("text plus four four seven seven double oh nine double oh one two three", "text [PHONE]"),
        ("on +44 (0) 7700 900 123 evenings", "on [PHONE] evenings"),
        ("its 07700 900 three one nine", "its [PHONE]"),
    ],
)
def test_phones_as_people_write_them(text, expected):
    assert _text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "one two three four five six seven eight nine ten",
        "I rang 999 twice and 101 once",
        "it happens at 11 30 pm, about 3 or 4 times a week since 2019",
        "the 42 and the 7 bus both stop there",
        "on 07/12/2026 09 15 there was a fight",
        "it was 01/02/2025, 10:30, outside",
    ],
)
def test_counting_and_times_are_not_phones(text):
    assert _text(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "he was born on the twenty first of april two thousand and eleven",
            "he was born on [DOB]",
        ),
        ("my birthday is 3rd march", "my birthday is [DOB]"),
        ("my bday is on the 12th of june", "my bday is on [DOB]"),
        ("dob 21/4/11", "dob [DOB]"),
        ("b.day 3rd march", "b.day [DOB]"),
        ("i was born on 21 4 2011", "i was born on [DOB]"),
        ("my dobs 21/4/2011", "my dobs [DOB]"),
        ("she was born in april 2011", "she was born in [DOB]"),
    ],
)
def test_dates_of_birth_in_words_and_without_a_year(text, expected):
    assert _text(text) == expected


def test_a_date_that_is_not_a_birth_is_kept():
    text = "the fight was on the twenty first of april outside the chippy"
    assert _text(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("flat 3b, 12 church rd", "[ADDRESS]"),
        ("Rose Cottage, Mill Lane has been burgled", "[ADDRESS] has been burgled"),
        ("she lives at hillcrest, park road", "she lives at [ADDRESS]"),
        ("the ivy house on station rd", "[ADDRESS]"),
        ("i live in flat 3b and its loud", "i live in [ADDRESS] and its loud"),
        ("flat 3b, church road", "[ADDRESS]"),
        ("no. 5 acacia avenue got raided", "[ADDRESS] got raided"),
    ],
)
def test_addresses_with_letters_and_house_names(text, expected):
    assert _text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "they hang about at the corner of church rd and mill lane",
        "we met at the shops, church road",
        "in Crawley, Station Road is busy",
    ],
)
def test_places_are_not_addresses(text):
    assert _text(text) == text
