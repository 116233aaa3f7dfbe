"""Phones, dates of birth and addresses as people write them (issue 27), beside the tidy
patterns of ``nlp.redact``:

- phones split by spaces, dashes and filler words ("07700 900 erm 319", "07700 - 900 - 319")
  or said in words ("oh seven seven double oh nine hundred ...": "oh seven seven double oh
  nine oh oh three one nine"), mixed with digits ("o7 seven 7 double 0");
- dates of birth in digits or words after a birth word ("born on the twenty first of april two
  thousand and eleven", "dob 21.4.11", "date of birth is 3/3/2010"), and birthdays without
  a year ("my birthday is 3rd march", "its my bday on the 12th of june");
- addresses with a house name and a road ("Rose Cottage, Mill Lane", "the willows, church
  road", "lives at hillcrest, park road"), and a flat number on its own after a live word
  ("I live in flat 3b"). "The corner of X and Y" is a place, not an address, and is left.

Each function returns (start, end) offsets into the text.
"""

from __future__ import annotations

import re

# --- phones ---------------------------------------------------------------------------------

_FILLER = r"(?:erm+|um+|uh+|er+|ah+|hmm+|like|sorry|i\s+mean|wait|then|no|actually)"
_GAP = r"(?:[ \t]*[\-.]?[ \t]*(?:" + _FILLER + r"[ \t]*[,.\-]?[ \t]*)*)"
# A prefix, then digit groups with any gap between them (extra spaces, dashes, fillers); a
# trunk 0 starts a group of three or more digits ("01273", "0800"), not a date's "07/12".
_PHONE_LOOSE = re.compile(
    r"(?<![\w+/.:])(?:(?:\+|00)[ \t]?44[ \t]*(?:\(0\)[ \t]*)?\d*|\(?0\d{2,})"
    r"\)?(?:" + _GAP + r"\d+){1,8}(?![\d/:])"
)

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "nil": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_TOKEN = re.compile(r"(?i)\+|\d+|double|treble|triple|[a-z]+")
_SKIPPABLE = frozenset("erm um uh er ah hmm like and then".split())


def _spoken_runs(text: str):
    """Runs of digit words and digits: (start, end, digits)."""
    start = end = last = 0
    digits = ""
    repeat, skipped = 1, 0
    for m in _TOKEN.finditer(text):
        tok = m.group(0).lower()
        if digits and (m.start() - last > 4 or re.search(r"[^\s,\-.]", text[last : m.start()])):
            if len(digits) >= 10:
                yield start, end, digits
            digits, repeat, skipped = "", 1, 0
        if tok in ("double", "treble", "triple"):
            if not digits:
                start, digits = m.start(), " "  # a run begins; the space is dropped below
            repeat = 2 if tok == "double" else 3
            last = m.end()
            continue
        value = tok if tok.isdigit() else _DIGIT_WORDS.get(tok)
        if tok in ("+", "plus") and not digits.strip():
            start, end, last, digits = m.start(), m.end(), m.end(), "+"
            continue
        if value is None:
            if digits.strip() and tok in _SKIPPABLE and skipped < 2:
                skipped += 1
                last = m.end()
                continue  # "erm" inside a number: the run goes on
            if len(digits.strip()) >= 10:
                yield start, end, digits.strip()
            digits, repeat, skipped = "", 1, 0
            continue
        if not digits:
            start = m.start()
        digits += value[0] * repeat + value[1:]
        repeat, skipped = 1, 0
        end = last = m.end()
    if len(digits.strip()) >= 10:
        yield start, end, digits.strip()


_SPOKEN = re.compile(
    r"(?i)(?:\b(?:zero|oh|o|nought|one|two|three|four|five|six|seven|eight|nine|double|"
    r"treble|triple|\d+)\b[\s,.\-]*){4}"
)


def spoken_digits_possible(text: str) -> bool:
    """Cheap test: four digit words in a row ("oh seven seven double ...")."""
    return bool(_SPOKEN.search(text))


def _uk_number(digits: str) -> bool:
    if digits.startswith("+44"):
        national = digits[3:].removeprefix("0")
        return len(national) in (9, 10)
    if digits.startswith("44") and len(digits) in (12, 13):
        return True
    return digits.startswith("0") and len(digits) in (10, 11)


def phone_spans(text: str) -> list[tuple[int, int]]:
    """Phone numbers with fillers, odd spacing or said in words."""
    spans = []
    if any(c.isdigit() for c in text):
        for m in _PHONE_LOOSE.finditer(text):
            if _all_one_group(m.group(0)):
                continue
            end = _complete_at(m.group(0))
            if end is not None:
                spans.append((m.start(), m.start() + end))
    if not spoken_digits_possible(text):
        return spans
    for start, end, digits in _spoken_runs(text):
        words = text[start:end]
        mobile = len(digits) == 10 and digits.startswith("7")  # "seven seven oh oh ..."
        if re.search(r"(?i)[a-z]", words) and (_uk_number(digits) or mobile):
            spans.append((start, end))
    return spans


def _complete_at(s: str) -> int | None:
    """Where the UK number at the start of ``s`` is complete (10 national digits, else 9
    at the end), at the end of a digit group."""
    groups = list(re.finditer(r"\d+", s))
    intl = s.startswith(("+", "00"))
    digits = ""
    best = None
    for g in groups:
        digits += g.group(0)
        national = digits
        if intl:
            national = national.removeprefix("00").removeprefix("44")
            national = national.removeprefix("0")
        else:
            national = national[1:]
        if len(national) == 10:
            return g.end()
        if len(national) == 9:
            best = g.end()
        if len(national) > 10:
            break
    return best if best == len(s) or (best and len(digits) == len(re.sub(r"\D", "", s))) else None


def _all_one_group(s: str) -> bool:
    return bool(re.fullmatch(r"\+?\d+", s))


# --- dates of birth -------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_UNIT = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_ORD_UNIT = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
_ORDINAL_WORDS = (
    r"(?:(?:twenty|thirty)[\s-]?" + _ORD_UNIT + r"|twentieth|thirtieth|tenth|eleventh|"
    r"twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|"
    + _ORD_UNIT
    + r")"
)
_DAY = r"(?:\d{1,2}(?:st|nd|rd|th)?|" + _ORDINAL_WORDS + r")"
_TEENS = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_UPTO99 = r"(?:" + _TENS + r"(?:[\s-]?" + _UNIT + r")?|" + _TEENS + r"|" + _UNIT + r")"
_YEAR = (
    r"(?:\d{4}|'?\d{2}|two\s+thousand(?:\s+and)?(?:\s+" + _UPTO99 + r")?|"
    r"(?:nineteen|twenty)\s+(?:oh\s+" + _UNIT + r"|" + _UPTO99 + r"))"
)
_DATE_WORDS = (
    r"(?:(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+" + _YEAR + r")?"
    r"|" + _MONTH + r"\s+(?:the\s+)?" + _DAY + r"(?:,?\s+" + _YEAR + r")?"
    r"|\d{1,2}[/.\-]\d{1,2}(?:[/.\-](?:\d{4}|\d{2}))?|\d{1,2}\s\d{1,2}\s(?:19|20)\d{2}"
    r"|(?<=in\s)" + _MONTH + r"\s+(?:\d{4}|" + _YEAR + r"))"
)
_BIRTH_WORD = (
    r"(?:\bd\.?o\.?b(?:['’]?s)?\b\.?|\bdate\s+of\s+birth\b|\bborn\b(?:\s+on|\s+in)?|"
    r"\b(?:birthday|bday|b'day|b-day|b\.day|birthdate|birth\s+date)\b(?:'s|’s|\s+is|\s+was)?"
    r"(?:\s+on)?(?:\s+is)?)"
)
_DOB_WRITTEN = re.compile(
    r"(?i)" + _BIRTH_WORD + r"\s*(?:[:\-–]\s*)?(?:is\s+|on\s+)?(?P<date>" + _DATE_WORDS + r")\b"
)


def dob_spans(text: str) -> list[tuple[int, int]]:
    """Dates of birth in words or digits, and birthdays without a year."""
    out = []
    for m in _DOB_WRITTEN.finditer(text):
        date = m.group("date")
        if re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}", date) and "." in date:
            continue  # "born 3.5": a decimal
        out.append((m.start("date"), m.end("date")))
    return out


# --- addresses ------------------------------------------------------------------------------

_STREET = (
    r"(?:road|rd|street|st|avenue|ave|lane|ln|close|cl|drive|dr|way|crescent|cres|place|"
    r"court|grove|gardens|gdns|terrace|walk|hill|park|square|row|mews|rise|view|parade|"
    r"green|vale)"
)
_HOUSE_WORD = (
    r"(?:cottage|cottages|house|farm|farmhouse|lodge|barn|villa|bungalow|manor|grange|"
    r"croft|rectory|vicarage|mill|chalet)"
)
_LITTLE = (
    r"(?!(?:the|a|an|and|or|of|on|in|at|to|by|from|for|with|near|my|our|his|her|their|"
    r"corner|end|top|bottom|back|front|side|shops?|school|park|bus|stop|station)\b)"
)
_LITTLE_STREET = r"(?!(?:the|a|an|and|or|of|on|in|at|to|by|from|for|with|near|my|our)\b)"
# "Rose Cottage, Mill Lane", "ivy house on station rd".
_HOUSE_AND_ROAD = re.compile(
    r"(?i)\b(?:the\s+)?" + _LITTLE + r"[a-z'’]+\s+" + _HOUSE_WORD + r"\s*(?:,|\s+on|\s+off)\s*"
    r"(?:" + _LITTLE_STREET + r"[a-z'’]+\s+){1,2}" + _STREET + r"\b"
)
# "The Willows, Church Road": a capitalised house name, a comma, a capitalised road.
_NAMED_AND_ROAD = re.compile(
    r"\bThe\s+[A-Z][a-z'’]+(?:\s+[A-Z][a-z'’]+)?,\s*(?:[A-Z][a-z'’]+\s+){1,2}"
    r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Way|Crescent|Terrace|Gardens|Grove|"
    r"Mews|Rise|View|Row)\b"
)
# After a live word, a house name and a road in any case: "lives at the willows, church rd".
_LIVE_AT = re.compile(
    r"(?i)\b(?:live|lives|living|lived|stay|stays|staying|address\s+is|moved\s+to)\s+"
    r"(?:at|in|to)?\s*(?P<addr>(?:the\s+)?" + _LITTLE + r"[a-z'’]+(?:\s+[a-z'’]+)?,\s*"
    r"(?:" + _LITTLE_STREET + r"[a-z'’]+\s+){1,2}" + _STREET + r")\b"
)
# "I live in flat 3b", "she's at flat 12": a flat on its own after a live word.
_FLAT_ALONE = re.compile(
    r"(?i)\b(?:live|lives|living|stay|stays|staying|at|in|from)\s+(?P<addr>(?:flat|apartment|"
    r"apt|unit)\s+\d{1,4}[a-z]?)\b"
)
# Every form above has a street word or a flat word: the cheap test first.
_ADDRESS_WORD = re.compile(
    r"(?i)(?:road|rd|street|st|avenue|ave|lane|ln|close|cl|drive|dr|way|crescent|cres|place|"
    r"court|grove|gardens|gdns|terrace|walk|hill|park|square|row|mews|rise|view|parade|green|"
    r"vale|flat|apartment|apt|unit)\b"
)
_HOUSE_WORD_RE = re.compile(r"(?i)" + _HOUSE_WORD + r"\b")
_FLAT_WORD = re.compile(r"(?i)\b(?:flat|apartment|apt|unit)\b")
_NOT_HOUSE = re.compile(r"(?i)^(?:the\s+)?(?:corner|end|top|bottom)\b")


def address_spans(text: str) -> list[tuple[int, int]]:
    """House names with a road, and flats named after a live word."""
    out: list[tuple[int, int]] = []
    if not _ADDRESS_WORD.search(text):
        return out
    # the road forms need a comma ("Rose Cottage, Mill Lane") or a house word ("ivy house
    # on station rd"); a flat alone needs a flat word
    if "," in text or _HOUSE_WORD_RE.search(text):
        for m in _HOUSE_AND_ROAD.finditer(text):
            out.append((m.start(), m.end()))
        if "," in text:
            for m in _NAMED_AND_ROAD.finditer(text):
                if not _NOT_HOUSE.match(m.group(0)):
                    out.append((m.start(), m.end()))
            for m in _LIVE_AT.finditer(text):
                out.append((m.start("addr"), m.end("addr")))
    if _FLAT_WORD.search(text):
        for m in _FLAT_ALONE.finditer(text):
            out.append((m.start("addr"), m.end("addr")))
    return out
