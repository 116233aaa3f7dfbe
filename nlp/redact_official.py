"""Official numbers (span type OFFICIAL): numbers the state gives a person or a case.

``official_spans(text)`` returns (start, end) offsets of:

- NHS numbers: ten digits in any grouping ("485 777 3456", "4857773456", "485-777-3456")
  whose last digit is the modulus 11 check of the first nine; a wrong check digit is not an
  NHS number. A number starting with 0 needs an "NHS" word near it (it is shaped like a
  phone number without its last digit);
- National Insurance numbers: two letters, six digits, a letter A-D, in any spacing and case
  ("JT 48 29 61 B", "jt482961b"); never-issued prefixes are excluded (first letter D, F, I,
  Q, U, V; second D, F, I, O, Q, U, V; BG, GB, KN, NK, NT, TN, ZZ). Without the suffix
  letter only next to an "NI" / "national insurance" word;
- UK passport numbers: nine digits near a passport word;
- driving licence numbers: the 16-character pattern (five surname characters padded with 9,
  six digits, two initials, a digit, two check characters), optionally with its two-digit
  issue number;
- biometric residence permits: two letters and seven digits near a "BRP" / "permit" word;
- police crime and incident references as partnerships write them: "crime ref
  42/123456/26", "CAD 1234 of 07/12", "incident 0456 07/12/26", "log 1234 of 07/12/2026",
  force-prefixed ("SX/12345/26", "CR/0123456/26"), Action Fraud ("NFRC2612345678").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SEP = r"[ \t\-.]?"
# Ten digits, each gap at most one separator; not part of a longer number or a +44 phone.
_NHS = re.compile(
    r"(?<![\d+/])(?<!\+44 )(?<!\(0\) )(?<!\(0\))"
    r"\d" + (_SEP + r"\d") * 9 + r"(?![\d/])"
)
_NHS_WORD = re.compile(r"(?i)\bnhs\b|\bhealth\s*(?:service\s*)?(?:no|number)\b|\bchi\b")

_NI = re.compile(
    r"(?i)(?<![A-Za-z0-9])"
    r"(?P<prefix>[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r"[ \t\-]?(?P<digits>\d{2}[ \t\-]?\d{2}[ \t\-]?\d{2})"
    r"(?:[ \t\-]?(?P<suffix>[A-D]))?(?![A-Za-z0-9])"
)
_NI_NEVER = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_NI_WORD = re.compile(r"(?i)\bn\.?\s?i\.?(?:\s?no|\s?number)?\b|\bnational\s+insurance\b|\bnino\b")

_PASSPORT = re.compile(r"(?<![\d/])\d(?:[ \t\-]?\d){8}(?![\d/])")
_PASSPORT_WORD = re.compile(r"(?i)\bpass\s?ports?\b|\bpp\s?(?:no|number)\b")

_LICENCE = re.compile(
    r"(?i)(?<![A-Za-z0-9])[A-Z9]{5}[ \t]?\d{6}[ \t]?[A-Z9]{2}\d[A-Z0-9]{2}(?:[ \t]?\d{2})?"
    r"(?![A-Za-z0-9])"
)

_BRP = re.compile(r"(?i)(?<![A-Za-z0-9])[A-Z]{2}[ \t]?\d{7}(?![A-Za-z0-9])")
_BRP_WORD = re.compile(
    r"(?i)\bbrp\b|\bresidence\s+(?:permit|card)\b|\bbiometric\b|\bpermit\b|\bvisa\b|"
    r"\bhome\s+office\b|\bimmigration\b"
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
)
# A police reference after its word: "crime ref 42/123456/26", "CAD 1234 of 07/12",
# "incident number 0456 07/12/26", "log no. 1234", "ref: SX/12345/26".
_POLICE_WORD = (
    r"(?:crime|incident|occurrence|police|case|log|cad|storm|action\s+fraud|report|"
    r"reference|ref|crn|urn)"
)
_POLICE_REF = re.compile(
    r"(?i)\b(?P<word>" + _POLICE_WORD + r")"
    r"(?:\s+(?:ref(?:erence)?|no|num|number|log|report|crime|incident|id))*\.?"
    r"(?:\s*(?:is|was|:|#|-|=))?\s*"
    r"(?P<ref>(?:(?-i:[A-Z]{1,5})[ \t]?[-/]?[ \t]?)?\d[\d]*(?:[-/ ]\d+)*"
    r"(?:\s+(?:of|on|dated)\s+(?:\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?|(?:the\s+)?\d{1,2}"
    r"(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:\s+\d{2,4})?))?)"
)
# Refs recognisable on their own: force/year style "42/123456/26", "CR/0123456/26",
# "SX-12345-26", Action Fraud "NFRC2612345678".
_POLICE_BARE = re.compile(
    r"(?i)(?<![\w/])(?:\d{2}/\d{5,8}/\d{2,4}|[A-Z]{2,5}[/-]\d{4,8}[/-]\d{2,4}"
    r"|NFRC\d{8,12})(?![\w/])"
)
_UNIT_AFTER = re.compile(
    r"(?i)\s*(?:am|pm|mph|times|people|miles|pounds|quid|%|minutes|mins|hours|hrs|days|weeks)\b"
)
_DATE_ONLY = re.compile(r"\d{1,2}[/.\-]\d{1,2}(?:[/.\-]\d{2,4})?")


def nhs_check_ok(digits: str) -> bool:
    """The modulus 11 check of a ten-digit NHS number."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def ni_prefix_ok(prefix: str) -> bool:
    """A National Insurance prefix that is issued."""
    p = prefix.upper()
    return len(p) == 2 and p[0] not in "DFIQUV" and p[1] not in "DFIOQUV" and p not in _NI_NEVER


def _near(text: str, start: int, end: int, pattern: re.Pattern, window: int = 40) -> bool:
    return bool(pattern.search(text[max(0, start - window) : start])) or bool(
        pattern.search(text[end : end + window // 2])
    )


def _police_spans(text: str) -> Iterator[tuple[int, int]]:
    for m in _POLICE_REF.finditer(text):
        ref = m.group("ref").rstrip(" -/")
        digits = sum(c.isdigit() for c in ref)
        word = m.group("word").lower()
        if digits < 3 or (digits < 4 and "/" not in ref):
            continue
        if _DATE_ONLY.fullmatch(ref) or re.fullmatch(r"\d{1,2}:\d{2}", ref):
            continue  # "incident on 07/12": a date, not a reference
        if re.fullmatch(r"(?:19|20)\d{2}", ref):
            continue  # "report 2024"
        if word in ("report", "police", "case", "reference", "ref") and digits < 5:
            continue  # "police 101", "report 3 times"
        start = m.start("word") if word == "cad" else m.start("ref")
        if _UNIT_AFTER.match(text, m.start("ref") + len(ref)):
            continue  # "incident 11 30 pm", "case 1000 people"
        yield start, m.start("ref") + len(ref)
    for m in _POLICE_BARE.finditer(text):
        yield m.start(), m.end()


def official_spans(text: str) -> list[tuple[int, int]]:
    """Official numbers in ``text``, as (start, end) offsets."""
    if not any(c.isdigit() for c in text):
        return []
    spans: list[tuple[int, int]] = []
    for m in _NHS.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if not nhs_check_ok(digits):
            continue
        if digits[0] == "0" and not _near(text, m.start(), m.end(), _NHS_WORD):
            continue
        spans.append((m.start(), m.end()))
    for m in _NI.finditer(text):
        if not ni_prefix_ok(m.group("prefix")):
            continue
        if m.group("suffix") is None and not _near(text, m.start(), m.end(), _NI_WORD):
            continue
        spans.append((m.start(), m.end()))
    for m in _PASSPORT.finditer(text):
        if _near(text, m.start(), m.end(), _PASSPORT_WORD):
            spans.append((m.start(), m.end()))
    for m in _LICENCE.finditer(text):
        s = m.group(0)
        if sum(c.isalpha() for c in s[:5]) >= 1:  # a surname, at least one letter
            spans.append((m.start(), m.end()))
    for m in _BRP.finditer(text):
        if _near(text, m.start(), m.end(), _BRP_WORD) or _near(
            text, m.start(), m.end(), _PASSPORT_WORD
        ):
            spans.append((m.start(), m.end()))
    spans.extend(_police_spans(text))
    return spans
