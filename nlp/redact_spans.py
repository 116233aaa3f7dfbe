"""The pattern side of redaction (``nlp.redact``): the placeholders and their priority, the
regular expressions and span finders for every type (names from ``nlp.redact_names`` and
``nlp.redact_context``, official numbers from ``nlp.redact_official``, numbers and addresses as
people write them from ``nlp.redact_written``), and the resolution of overlapping candidates
into the spans that are replaced."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from .redact_context import context_name_spans
from .redact_name_lists import stop_words
from .redact_names import name_spans
from .redact_official import official_spans
from .redact_written import address_spans, dob_spans, phone_spans, spoken_digits_possible

PLACEHOLDERS = {
    "NAME": "[NAME]",
    "PHONE": "[PHONE]",
    "EMAIL": "[EMAIL]",
    "POSTCODE": "[POSTCODE]",
    "ADDRESS": "[ADDRESS]",
    "VEHICLE": "[VEHICLE]",
    "URL": "[URL]",
    "HANDLE": "[HANDLE]",
    "DOB": "[DOB]",
    "OFFICIAL": "[OFFICIAL]",
}
TYPES = tuple(PLACEHOLDERS)


# When two candidate spans overlap, the type earlier in this list wins.
_PRIORITY = [
    "EMAIL",
    "URL",
    "DOB",
    "OFFICIAL",
    "PHONE",
    "POSTCODE",
    "VEHICLE",
    "ADDRESS",
    "HANDLE",
    "NAME",
]


# --- patterns --------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+'-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# Written to dodge spam robots: "jo (at) example (dot) com", "jo[at]example[dot]co[dot]uk",
# "jo at example dot com", "jo.bloggs @ example . com".
_TLD = r"(?:com|co|uk|org|net|gov|ac|ie|io|info|me|biz|edu|nhs|sch|ltd|plc)"
_AT_BRACKETED = r"\s*[(\[{]\s*(?:at|@)\s*[)\]}]\s*"
_DOT_WORD = r"(?:\s*[(\[{]\s*dot\s*[)\]}]\s*|\s+dot\s+)"
_DOT_ANY = rf"(?:{_DOT_WORD}|\s?\.\s?)"
_LOCAL = r"[A-Za-z0-9_%+'-]+(?:(?:\s+dot\s+|[._])[A-Za-z0-9_%+'-]+)*"
_EMAIL_OBFUSCATED = re.compile(
    rf"(?i)(?<![\w.@-])(?:{_LOCAL}(?:{_AT_BRACKETED}|\s@\s|@\s|\s@)"
    rf"[A-Za-z0-9-]+(?:{_DOT_ANY}[A-Za-z0-9-]+)*{_DOT_ANY}{_TLD}"
    rf"|(?P<plain>{_LOCAL})\s+at\s+[A-Za-z0-9-]+(?:{_DOT_ANY}[A-Za-z0-9-]+)*{_DOT_ANY}{_TLD})"
    r"(?![\w-])"
)
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"]+"
    r"|\b(?:[a-z0-9-]+\.)+(?:co\.uk|org\.uk|gov\.uk|ac\.uk|com|org|net|io|uk)(?:/[^\s<>\"]*)?"
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
# A handle written without its @ ("a guy on snap called big.t.worthing"): a user-name-like
# token (with "_", an inner ".", or letters then digits) near a social-media word.
_HANDLE_BARE = re.compile(
    r"(?<![\w@./-])(?=[A-Za-z0-9_.]*(?:_|[A-Za-z]\.[A-Za-z0-9]|[A-Za-z]{2}\d))"
    r"[A-Za-z_][A-Za-z0-9_.]{2,29}(?<![._])(?![\w@/-]|\.[A-Za-z])"
)
_SOCIAL = re.compile(
    r"(?i)\b(?:snap|snapchat|sc|insta|instagram|ig|tiktok|tik\s+tok|twitter|facebook|fb|"
    r"account|page|user\s*name|handle|profile|whatsapp|telegram|discord|youtube|add)\b"
)
# A phone candidate: an international or trunk prefix and digits with single separators.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(0|0[ \-.]?)"
    r"(?:\d(?:\)\s?|[ \-.])?){8,11}\d(?!\d)"
)
_POSTCODE = re.compile(
    r"(?i)\b((?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)|GIR)[ \t]*(\d[ABD-HJLNP-UW-Z]{2})\b"
)
_VEHICLE = re.compile(
    r"\b[A-Z]{2}\s?\d{2}\s?[A-Z]{3}\b"  # current style: AB12 CDE, AB 12 CDE
    r"|\b[A-Z]{3}\s?\d{1,3}[A-Z]\b"  # suffix style: ABC 123D
)
# The current style in lower case ("ld68 vbn", "wu 17 lkn"), unless its letters are a word
# ("bn11 and").
_VEHICLE_LOWER = re.compile(r"(?i)\b[a-z]{2}\s?\d{2}\s?(?P<letters>[a-z]{3})\b")
# Forms that postcode districts, road numbers and acronyms share ("B33 ASB", "W12 CID",
# "NHS 111"): a registration only near a vehicle word. Prefix style (P123 ABC) and
# personalised plates (KAZ 1, B16 BOY, DAN 55Y), in any case.
_VEHICLE_LOOSE = re.compile(
    r"(?i)\b(?:[a-z]\d{1,3}\s?[a-z]{3}|[a-z]{1,3}\s?\d{1,4}|\d{1,4}\s?[a-z]{1,3}"
    r"|[a-z]{3}\s?\d{1,3}[a-z]|[a-z]\d{1,3}\s?[a-z]{1,3}|[a-z]{2}\d{2}\s?[a-z]{3})\b"
)
_VEHICLE_WORD = re.compile(
    r"(?i)\b(?:reg|registration|plates?|number\s+plate|car|cars|van|vehicle|motor|motorbike|"
    r"bike|moped|scooter|quad|taxi|cab|lorry|truck|4x4|jeep|bmw|beemer|audi|merc|mercedes|"
    r"range\s+rover|golf|fiesta|corsa|vauxhall|ford|transit|vw|volkswagen|toyota|nissan|"
    r"honda|kia|hyundai|peugeot|renault|skoda|seat|mini|astra|polo|clio|focus|tesla|volvo|"
    r"land\s+rover|evoque|subaru|mitsubishi|lexus|jag|jaguar|porsche|fiat|citroen)\b"
)
_STREET_TYPES = (
    "Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Place|Pl|Court|Ct|"
    "Grove|Gardens|Gdns|Terrace|Walk|Hill|Park|Square|Sq|Row|Mews|Rise|View|Parade|Green|Vale|"
    "Crossway|Approach|Broadway|Boulevard|Blvd|Hollow|Wharf|Yard|Gate|End|Side|Pde|"
    "Highway|Hwy|Parkway|Pkwy"
)
_ADDRESS = re.compile(
    r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z'’]+\s+){1,3}(?:" + _STREET_TYPES + r")\b\.?"
    r"|(?i:\b\d{1,4}[a-z]?,?\s+(?!(?:mph|miles?|mins?|minutes?|km|yards?|metres?)\b)"
    r"(?:[a-z'’]+\s+){1,2}"
    r"(?:road|street|avenue|lane|crescent|terrace|gardens|mews)\b)"
)
# Any case, with "st"/"rd"/"ave", "2a", "Flat 4, ...", "12 The Strand", "15 the green":
# a house number, then one to three street-name words that are not little words, then a
# street type; or "the" and a street word that names a street on its own.
_STREET_TYPES_ANY = _STREET_TYPES + "|Strand|Broadway|Circus|Cl|Ter|Embankment|Esplanade"
_ADDRESS_ANY = re.compile(
    r"(?i)(?:\b(?:flat|apartment|apt|unit)\s+\d{1,4}[a-z]?,?\s+"
    r"|\bthe\s+old\s+[a-z]+,\s+|\b[a-z]+\s+(?:cottage|farm|lodge|barn),\s+)?"
    r"\b\d{1,4}[a-z]?,?\s+"
    r"(?:the\s+(?:" + _STREET_TYPES_ANY + r"|strand|broadway|parade|green|crescent|circus)"
    r"|(?:(?!(?:the|a|an|and|or|of|on|in|at|to|by|from|for|with|is|are|was|were|times|"
    r"minutes|hours|days|weeks|months|years|mph|miles|cars|kids|people|houses|lads)\b)"
    r"[a-z][a-z'’]*\s+){1,3}(?:" + _STREET_TYPES_ANY + r"))\b"
)
# A named house on its own: "Rose Cottage", "Ivy Cottage" (not "Rose Cottage Lane").
_NAMED_HOUSE = re.compile(
    r"\b(?:The\s+Old\s+[A-Z][a-z]+|[A-Z][a-z]+\s+(?:Cottage|Farmhouse|Lodge|Barn))\b"
    r"(?!\s+(?:" + _STREET_TYPES + r"|Lane|Road)\b)"
)
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}"
    r"|(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTHS + r"\.?,?\s+\d{4}"
    r"|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTHS + r"\.?,?\s+\d{4}"
    r"|" + _MONTHS + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})"
)
_DOB = re.compile(
    r"(?i)(?:\bd\.?o\.?b\b\.?|\bdate\s+of\s+birth\b|\bborn(?:\s+on)?\b|\bbirthday\s+is\b)"
    r"\s*(?:is\s+)?[:\-–]?\s*(" + _DATE + r")"
)
_O_FOR_ZERO = re.compile(r"(?<![A-Za-z])[0-9oO][0-9oO \-.]{8,}[0-9oO](?![A-Za-z])")
# A name in brackets after a phone number: "07700 900123 (Tomasz)", "(ask for Bola)".
_BRACKETED_AFTER_PHONE = re.compile(
    r"\s*\(\s*(?:(?:ask|speak|talk)\s+(?:for|to)\s+|aunty\s+|auntie\s+|uncle\s+|its\s+|"
    r"it's\s+)?(?P<name>[A-Za-z][A-Za-z'’.-]*(?:\s+[A-Za-z][A-Za-z'’-]*){0,2})\s*\)"
)
_PHONE_LABELS = frozenset(
    "mobile mob home work landline evenings evening daytime days nights anytime whatsapp "
    "text texts office me mine mum dad mums dads wife husband partner only please calls "
    "after before weekends weekdays mon tue tues wed thu thur thurs fri sat sun am pm".split()
)


def _zeros_for_os(text: str) -> str:
    """``text`` with a letter o read as a zero inside runs of digits ("o77oo 9oo 345"),
    offsets unchanged."""
    if "o" not in text and "O" not in text:
        return text
    return _O_FOR_ZERO.sub(
        lambda m: re.sub("[oO]", "0", m.group(0)) if re.search(r"\d", m.group(0)) else m.group(0),
        text,
    )


def _phone_spans(text: str) -> Iterable[tuple[int, int]]:
    text = _zeros_for_os(text)
    for m in _PHONE.finditer(text):
        s = m.group(0)
        # Skip the prefix (+44, 0044, "(0)" or the trunk 0), then count national digits:
        # a UK number has 10 (a few older ones 9). Trim anything after the tenth.
        if s.startswith(("+", "00")):
            i = s.index("44", 1) + 2
            rest = s[i:].lstrip()
            if rest.startswith("(0)"):
                i = len(s) - len(rest) + 3
        else:
            i = s.index("0") + 1
        national = 0
        end = None
        for j in range(i, len(s)):
            if s[j].isdigit():
                national += 1
                if national == 10:
                    end = j + 1
                    break
        if end is None:
            if national != 9:
                continue
            end = len(s)
        yield m.start(), m.start() + end


def regex_spans(text: str) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    spans.extend(("NAME", start, end) for start, end in name_spans(text))
    spans.extend(("NAME", start, end) for start, end in context_name_spans(text))
    spans.extend(_written_spans(text))
    if not _DIGIT.search(text) and "@" not in text and not _AT_WORD.search(text):
        # every other type needs a digit ("Rose Cottage" aside), an @ or an " at "
        spans.extend(("ADDRESS", m.start(), m.end()) for m in _NAMED_HOUSE.finditer(text))
        if "." in text or "_" in text:
            spans.extend(_url_spans(text))
            if _SOCIAL.search(text):
                spans.extend(_bare_handle_spans(text))
        return spans
    for m in _EMAIL.finditer(text):
        spans.append(("EMAIL", m.start(), m.end()))
    if " at " in text or "(" in text or "[" in text or "@" in text:
        for m in _EMAIL_OBFUSCATED.finditer(text):
            plain = m.group("plain")
            # "jo at example dot com" needs a "dot" or a user-name-like part before "at"
            if (
                plain is not None
                and " dot " not in m.group(0).lower()
                and not re.search(r"[._\d]", plain)
            ):
                continue
            spans.append(("EMAIL", m.start(), m.end()))
    spans.extend(_url_spans(text))
    spans.extend(("OFFICIAL", start, end) for start, end in official_spans(text))
    for m in _DOB.finditer(text):
        spans.append(("DOB", m.start(1), m.end(1)))
    for start, end in _phone_spans(text):
        spans.append(("PHONE", start, end))
        b = _BRACKETED_AFTER_PHONE.match(text, end)
        if b:
            words = re.split(r"[\s/-]+", b.group("name").lower())
            if not any(w.strip(".") in _PHONE_LABELS for w in words):
                spans.append(("NAME", b.start("name"), b.end("name")))
    for m in _POSTCODE.finditer(text):
        spans.append(("POSTCODE", m.start(), m.end()))
    for m in _VEHICLE.finditer(text):
        spans.append(("VEHICLE", m.start(), m.end()))
    for m in _VEHICLE_LOWER.finditer(text):
        if m.group("letters").lower() in stop_words():
            continue  # "bn11 and"
        if " " in m.group(0)[:3] and not _near(text, m.start(), m.end(), _VEHICLE_WORD, 40, 25):
            continue  # "is 12 elm (road)": spaced letters and digits need a vehicle word
        spans.append(("VEHICLE", m.start(), m.end()))
    if _VEHICLE_WORD.search(text):
        spans.extend(_loose_vehicle_spans(text))
    for m in _ADDRESS.finditer(text):
        end = m.end()
        if text[end - 1] == ".":
            end -= 1
        spans.append(("ADDRESS", m.start(), end))
    for m in _ADDRESS_ANY.finditer(text):
        spans.append(("ADDRESS", m.start(), m.end()))
    for m in _NAMED_HOUSE.finditer(text):
        spans.append(("ADDRESS", m.start(), m.end()))
    for m in _HANDLE.finditer(text):
        spans.append(("HANDLE", m.start(), m.end()))
    if _SOCIAL.search(text):
        spans.extend(_bare_handle_spans(text))
    return spans


_DIGIT = re.compile(r"\d")
_BIRTH = re.compile(r"(?i)born|birth|b['.-]?day|d\.?o\.?b")


def _written_spans(text: str) -> Iterable[tuple[str, int, int]]:
    """Phones, dates of birth and addresses as people write them (``nlp.redact_written``)."""
    if _DIGIT.search(text) or spoken_digits_possible(text):
        yield from (("PHONE", s, e) for s, e in phone_spans(text))
    if _BIRTH.search(text):
        yield from (("DOB", s, e) for s, e in dob_spans(text))
    yield from (("ADDRESS", s, e) for s, e in address_spans(text))


_AT_WORD = re.compile(r"(?i)[\s(\[{]at[\s)\]}]")


def _url_spans(text: str) -> Iterable[tuple[str, int, int]]:
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)]}'\"":
            end -= 1
        yield ("URL", m.start(), end)


def _near(text: str, start: int, end: int, pattern: re.Pattern, before: int, after: int) -> bool:
    """``pattern`` occurs within ``before`` characters before or ``after`` after the span."""
    return bool(pattern.search(text[max(0, start - before) : start])) or bool(
        pattern.search(text[end : end + after])
    )


def _loose_vehicle_spans(text: str) -> Iterable[tuple[str, int, int]]:
    for m in _VEHICLE_LOOSE.finditer(text):
        s = m.group(0)
        letters = "".join(c for c in s if c.isalpha()).lower()
        digits = sum(c.isdigit() for c in s)
        if not letters or letters in stop_words() or letters in _NOT_PLATE or digits == len(s):
            continue
        if not any(c.isspace() for c in s) and not (s.isupper() or len(s) >= 5):
            continue  # "4x4", "m4", "a27": glued and short, not a plate
        if re.fullmatch(r"(?i)\d{1,2}\s?(?:am|pm|st|nd|rd|th|s|mph|k|mm|ft|hr|hrs|min|mins)", s):
            continue
        if _near(text, m.start(), m.end(), _VEHICLE_WORD, 40, 25):
            yield ("VEHICLE", m.start(), m.end())


# Letters of acronyms and units that look like a personalised plate ("NHS 111", "A 27").
_NOT_PLATE = frozenset(
    "nhs asb cid pc pcso gp am pm mph km cc bus no yr yrs ft mm st nd rd th min hr "
    "hrs mins x a i s k m b".split()
)


def _bare_handle_spans(text: str) -> Iterable[tuple[str, int, int]]:
    for m in _HANDLE_BARE.finditer(text):
        token = m.group(0)
        if re.fullmatch(r"(?i)(?:[a-z]+\.)+(?:com|co|uk|org|net|io)", token):
            continue  # a web address
        if re.fullmatch(r"(?i)[a-z]{1,3}\d{1,4}[a-z]?", token):
            continue  # a postcode district or a road: "add BN11 to the patrols", "the A259"
        if _near(text, m.start(), m.end(), _SOCIAL, 45, 30):
            yield ("HANDLE", m.start(), m.end())


def resolve(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Keep non-overlapping spans, preferring higher-priority types, then longer spans."""
    rank = {t: i for i, t in enumerate(_PRIORITY)}
    # chosen spans kept sorted by start: a new span can only overlap its two neighbours
    # (a long pasted answer has thousands of candidates)
    chosen: list[tuple[str, int, int]] = []
    starts: list[int] = []
    for span in sorted(spans, key=lambda s: (rank[s[0]], -(s[2] - s[1]), s[1])):
        _, start, end = span
        if end <= start:
            continue
        k = bisect.bisect_right(starts, start)
        if k > 0 and chosen[k - 1][2] > start or k < len(starts) and starts[k] < end:
            continue
        starts.insert(k, start)
        chosen.insert(k, span)
    return chosen


def apply_placeholders(text: str, spans: list[tuple[str, int, int]]) -> str:
    out = []
    last = 0
    for kind, start, end in spans:
        out.append(text[last:start])
        if kind == "POSTCODE":
            m = _POSTCODE.match(text, start)
            outward = m.group(1).upper() if m else ""
            out.append(f"{outward} {PLACEHOLDERS['POSTCODE']}".strip())
        else:
            out.append(PLACEHOLDERS[kind])
        last = end
    out.append(text[last:])
    return "".join(out)
