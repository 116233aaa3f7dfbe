"""Official numbers (issue 27): NHS, National Insurance, passport, driving licence, residence
permit numbers and police references become [OFFICIAL]; look-alikes that fail the check digit
or carry an unissued prefix, dates, times and emergency numbers are left alone."""

import pytest

from nlp.redact import Redactor
from nlp.redact_official import nhs_check_ok, ni_prefix_ok

REDACTOR = Redactor(use_ner=False)


def _text(t: str) -> str:
    return REDACTOR.redact(t).text


@pytest.mark.parametrize(
    "text",
    [
        "my nhs number is 943 476 5919",
        "nhs no 943-476-5919 if u need it",
        "NHS number: 9434765919",
        "it is 401 023 2137 on the letter",
    ],
)
def test_nhs_numbers_with_a_valid_check_digit_are_redacted(text):
    out = _text(text)
    assert "[OFFICIAL]" in out and "5919" not in out and "2137" not in out


def test_nhs_check_digit():
    assert nhs_check_ok("9434765919")
    assert not nhs_check_ok("9434765918")
    assert not nhs_check_ok("943476591")


def test_a_wrong_check_digit_is_not_an_nhs_number():
    assert _text("order 943 476 5918 came late") == "order 943 476 5918 came late"


@pytest.mark.parametrize(
    "text",
    [
        "my NI is JT 48 29 61 B",
        "national insurance jt482961b",
        "ni number ab 12 34 56 c",
        "NI no: JT482961 (forgot the letter)",
    ],
)
def test_national_insurance_numbers_are_redacted(text):
    out = _text(text)
    assert "[OFFICIAL]" in out and "29" not in out and "34" not in out


@pytest.mark.parametrize(
    "prefix",
    [
        "DA",
        "FA",
        "IA",
        "QA",
        "UA",
        "VA",
        "AD",
        "AF",
        "AI",
        "AO",
        "AQ",
        "AU",
        "AV",
        "BG",
        "GB",
        "KN",
        "NK",
        "NT",
        "TN",
        "ZZ",
    ],
)
def test_unissued_ni_prefixes_are_not_redacted(prefix):
    assert not ni_prefix_ok(prefix)
    text = f"NI {prefix} 48 29 61 B"
    assert _text(text) == text


def test_issued_ni_prefixes_pass():
    assert all(ni_prefix_ok(p) for p in ("JT", "AB", "CE", "NA", "ZX", "TA"))


@pytest.mark.parametrize(
    "text, secret",
    [
        ("my passport number is 123456789", "123456789"),
        ("passport no 123 456 789", "456"),
        ("passport 5 1 2 3 4 5 6 7 8", "5 6 7"),
        ("driving licence MORGA657054SM9IJ", "MORGA"),
        ("licence is morga 657054 sm9ij 01", "morga"),
        ("brp ZU1234567 was taken", "1234567"),
        ("his biometric residence permit RF 7654321", "7654321"),
    ],
)
def test_passport_licence_and_permit_numbers_are_redacted(text, secret):
    out = _text(text)
    assert "[OFFICIAL]" in out and secret not in out


@pytest.mark.parametrize(
    "text, secret",
    [
        ("crime ref 42/123456/26 and still nothing", "123456"),
        ("they gave me CAD 1234 of 07/12", "1234"),
        ("incident 0456 07/12/26", "0456"),
        ("log no. 1234 of 07/12/2026", "1234"),
        ("my ref was SX/12345/26", "12345"),
        ("reported it to action fraud NFRC2612345678", "2612345678"),
        ("crime number 47230123456", "47230123456"),
        ("incident no. 1234 of 7th December", "December"),
    ],
)
def test_police_references_are_redacted(text, secret):
    out = _text(text)
    assert "[OFFICIAL]" in out and secret not in out


@pytest.mark.parametrize(
    "text",
    [
        "a 9 digit number 123456789 on the bus ticket",
        "the incident on 07/12 at 11 30 pm",
        "we called police 101 then 999",
        "I made a report 3 times in 2024",
        "the 42 bus at 10:15 costs £2.50",
        "ring 07700 900123",
    ],
)
def test_look_alikes_are_not_official_numbers(text):
    assert "[OFFICIAL]" not in _text(text)
