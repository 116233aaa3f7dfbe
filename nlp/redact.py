"""Redaction: personal data becomes typed placeholders before anything else sees the text.

Types and placeholders::

    NAME      [NAME]        spaCy named-entity recogniser (PERSON), titles ("Mr Patel"), and
                            common forenames in any case ("ask kev"), with a common surname
                            after them ("dave smith"): lists in nlp/data
    PHONE     [PHONE]       UK numbers: 07700 900123, +44 (0)20 7946 0958, 0113-496-0000 ...
    EMAIL     [EMAIL]
    POSTCODE  LS6 [POSTCODE]  full postcodes; the outward code is kept for area analysis
    ADDRESS   [ADDRESS]     a house number with a street name ("12 Acacia Avenue")
    VEHICLE   [VEHICLE]     UK registrations: current (AB12 CDE), prefix and suffix styles
    URL       [URL]         web addresses
    HANDLE    [HANDLE]      social media handles (@someone)
    DOB       [DOB]         a date given as a date of birth ("DOB 01/02/1990", "born on ...")

Emergency and non-emergency numbers (999, 101, 111) and street names without a house number
are not personal data and are kept: they matter to the analysis.

``redact(text)`` handles one answer; ``redact_many(texts)`` handles a batch with ``nlp.pipe``
and runs the (slow) recogniser only on answers that could hold a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .places import PLACE_HEAD_WORDS
from .settings import spacy_model_name
from .spacy_model import load_spacy

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
}
TYPES = tuple(PLACEHOLDERS)

# When two candidate spans overlap, the type earlier in this list wins.
_PRIORITY = ["EMAIL", "URL", "DOB", "PHONE", "POSTCODE", "VEHICLE", "ADDRESS", "HANDLE", "NAME"]


@dataclass
class Redaction:
    """A redacted answer: ``text`` with placeholders, ``spans`` as (type, start, end) offsets
    into the original text."""

    text: str
    spans: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def types(self) -> set[str]:
        return {t for t, _, _ in self.spans}

    def to_dict(self) -> dict:
        return {"text": self.text, "spans": [list(s) for s in self.spans]}


# --- patterns --------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+'-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"]+"
    r"|\b(?:[a-z0-9-]+\.)+(?:co\.uk|org\.uk|gov\.uk|ac\.uk|com|org|net|io|uk)(?:/[^\s<>\"]*)?"
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
# A phone candidate: an international or trunk prefix and digits with single separators.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(0|0)(?:\d(?:\)\s?|[ \-.])?){8,11}\d(?!\d)"
)
_POSTCODE = re.compile(
    r"(?i)\b((?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)|GIR)[ \t]*(\d[ABD-HJLNP-UW-Z]{2})\b"
)
_VEHICLE = re.compile(
    r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b"  # current style: AB12 CDE
    r"|(?i:\b[a-z]{2}\d{2}\s[a-z]{3}\b)"  # the same written in lower case, with the space
    r"|\b[A-Z]\d{1,3}\s?[A-Z]{3}\b"  # prefix style: P123 ABC
    r"|\b[A-Z]{3}\s?\d{1,3}[A-Z]\b"  # suffix style: ABC 123D
)
_STREET_TYPES = (
    "Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Cres|Place|Pl|Court|Ct|"
    "Grove|Gardens|Gdns|Terrace|Walk|Hill|Park|Square|Sq|Row|Mews|Rise|View|Parade|Green|Vale|"
    "Crossway|Approach|Broadway|Boulevard|Hollow|Wharf|Yard|Gate|End|Side"
)
_ADDRESS = re.compile(
    r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z'’]+\s+){1,3}(?:" + _STREET_TYPES + r")\b\.?"
    r"|(?i:\b\d{1,4}[a-z]?,?\s+(?:[a-z'’]+\s+){1,2}"
    r"(?:road|street|avenue|lane|crescent|terrace|gardens|mews)\b)"
)
# Street types that are rarely surnames (unlike Green, Hill, Park, Lane, Way).
_STREET_WORD = re.compile(r"Rd|Road|St|Street|Ave|Avenue|Ln|Close|Drive|Crescent|Cres|Terrace|"
                          r"Gardens|Gdns|Mews|Parade|Boulevard")
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTHS + r"\.?,?\s+\d{4}"
    r"|" + _MONTHS + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})"
)
_DOB = re.compile(
    r"(?i)(?:\bd\.?o\.?b\b\.?|\bdate\s+of\s+birth\b|\bborn(?:\s+on)?\b|\bbirthday\s+is\b)"
    r"\s*(?:is\s+)?[:\-–]?\s*(" + _DATE + r")"
)
_TITLE_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|PC|PCSO|Sgt|Cllr|Councillor|Officer)\.?\s+"
    r"[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+)?"
)
_CAPITALISED = re.compile(r"[A-Z][a-z'’]+")
_WORD = re.compile(r"[a-z'’]+")
_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# A forename followed by one of these is part of a place ("Victoria Road", "Alice Park"):
# the public places ``nlp.places`` knows, plus buildings and street-name endings.
_PLACE_WORDS = PLACE_HEAD_WORDS | frozenset(
    "st ln way court gardens place hill grove mews row walk school academy college centre "
    "center hospital church house ward".split()
)


def _word_list(name: str) -> frozenset[str]:
    text = (Path(__file__).with_name("data") / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return frozenset(word for line in lines for word in line.split())


_FORENAMES = _word_list("forenames.txt")
_SURNAMES = _word_list("surnames.txt")


def _listed_name_spans(text: str) -> Iterable[tuple[int, int]]:
    """Common forenames in any case ("ask kev", "Dave"), with a common surname straight
    after ("dave smith"); a possessive "'s" stays outside the span. Not before a place
    word ("Victoria Road"). This is what a recogniser misses in lower-case answers."""
    words = list(_NAME_WORD.finditer(text))
    for i, m in enumerate(words):
        word = m.group(0)
        base = _without_possessive(word)
        if base.lower() not in _FORENAMES:
            continue
        start, end = m.start(), m.start() + len(base)
        after = words[i + 1] if i + 1 < len(words) and base == word else None
        if after is not None and text[m.end() : after.start()] == " ":
            if after.group(0).lower() in _PLACE_WORDS:
                continue
            surname = _without_possessive(after.group(0))
            if surname.lower() in _SURNAMES:
                end = after.start() + len(surname)
        yield start, end


def _without_possessive(word: str) -> str:
    return word[:-2] if word.lower().endswith(("'s", "’s")) else word


def _phone_spans(text: str) -> Iterable[tuple[int, int]]:
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


def _regex_spans(text: str) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    for m in _EMAIL.finditer(text):
        spans.append(("EMAIL", m.start(), m.end()))
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)]}'\"":
            end -= 1
        spans.append(("URL", m.start(), end))
    for m in _DOB.finditer(text):
        spans.append(("DOB", m.start(1), m.end(1)))
    for start, end in _phone_spans(text):
        spans.append(("PHONE", start, end))
    for m in _POSTCODE.finditer(text):
        spans.append(("POSTCODE", m.start(), m.end()))
    for m in _VEHICLE.finditer(text):
        spans.append(("VEHICLE", m.start(), m.end()))
    for m in _ADDRESS.finditer(text):
        end = m.end()
        if text[end - 1] == ".":
            end -= 1
        spans.append(("ADDRESS", m.start(), end))
    for m in _HANDLE.finditer(text):
        spans.append(("HANDLE", m.start(), m.end()))
    for m in _TITLE_NAME.finditer(text):
        spans.append(("NAME", m.start(), m.end()))
    for start, end in _listed_name_spans(text):
        spans.append(("NAME", start, end))
    return spans


def _resolve(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Keep non-overlapping spans, preferring higher-priority types, then longer spans."""
    rank = {t: i for i, t in enumerate(_PRIORITY)}
    chosen: list[tuple[str, int, int]] = []
    for span in sorted(spans, key=lambda s: (rank[s[0]], -(s[2] - s[1]), s[1])):
        _, start, end = span
        if end <= start:
            continue
        if all(end <= c[1] or start >= c[2] for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s[1])


def _apply(text: str, spans: list[tuple[str, int, int]]) -> str:
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


class Redactor:
    """Replaces personal data with typed placeholders.

    ``spacy_model`` names the spaCy pipeline used for person names (default: the configured
    model); ``use_ner=False`` keeps only the pattern-based types (no spaCy needed).
    ``batch_size`` is passed to ``nlp.pipe``.

    ``prefilter`` (default on) runs the slow recogniser only on answers with a capitalised
    word that is not an ordinary word of the batch (see ``_may_hold_name``): about a fifth of
    survey answers. It cannot see names written entirely in lower case, which the
    recogniser sometimes finds; common forenames are caught in any case without it (the
    lists in ``nlp/data``), and ``prefilter=False`` runs the recogniser on every answer
    (about 450 answers/s on one core instead of several thousand).
    """

    def __init__(
        self,
        spacy_model: str | None = None,
        use_ner: bool = True,
        batch_size: int = 256,
        prefilter: bool = True,
    ):
        self.spacy_model = spacy_model
        self.use_ner = use_ner
        self.batch_size = batch_size
        self.prefilter = prefilter

    @property
    def cache_key(self) -> str:
        """Identifies this redactor's behaviour, for caching its output by text hash."""
        model = self.spacy_model or spacy_model_name()
        return f"redact-v3:{model}:{self.use_ner}:{self.prefilter}"

    def _nlp(self):
        nlp = load_spacy(self.spacy_model)
        return nlp

    def redact(self, text: str) -> Redaction:
        return self.redact_many([text])[0]

    def redact_many(self, texts: Sequence[str]) -> list[Redaction]:
        texts = ["" if t is None else str(t) for t in texts]
        regex = [_regex_spans(t) for t in texts]
        ner: list[list[tuple[str, int, int]]] = [[] for _ in texts]
        if self.use_ner:
            known = _known_lowercase(texts)
            todo = [
                i for i, t in enumerate(texts) if not self.prefilter or _may_hold_name(t, known)
            ]
            if todo:
                nlp = self._nlp()
                with nlp.select_pipes(disable=_not_needed_for_ner(nlp)):
                    docs = nlp.pipe((texts[i] for i in todo), batch_size=self.batch_size)
                    for i, doc in zip(todo, docs, strict=True):
                        ner[i] = [
                            ("NAME", e.start_char, e.end_char)
                            for e in doc.ents
                            if e.label_ == "PERSON" and _looks_like_name(e.text, known)
                        ]
        out = []
        for text, r, n in zip(texts, regex, ner, strict=True):
            spans = _resolve(r + n)
            out.append(Redaction(text=_apply(text, spans), spans=spans))
        return out


def _not_needed_for_ner(nlp) -> list[str]:
    """Components the recogniser does without. In the small English pipelines it has its
    own token vectors, so the shared ``tok2vec`` (which feeds the tagger and parser) is
    skipped: the same entities in about 60% of the time (measured on 1,973 NHS comments).
    A shared encoder is kept where the recogniser listens to it (larger pipelines)."""
    keep = {"ner"}
    for name in nlp.pipe_names:
        if "ner" in getattr(nlp.get_pipe(name), "listening_components", ()):
            keep.add(name)
    return [p for p in nlp.pipe_names if p not in keep]


_COMMON = frozenset(
    "the a an and or but if so i we you he she they it this that there these those my our your "
    "their his her its me us them what when where why how who which not no nothing none more "
    "less very too also just please people police council staff kids children young youth "
    "car cars drugs drug crime speeding anti-social antisocial parking email e-mail ring call "
    "phone text contact tel mobile please thanks thank hello hi dear".split()
)


def _known_lowercase(texts: Sequence[str]) -> frozenset[str]:
    try:
        from spacy.lang.en.stop_words import STOP_WORDS
    except ImportError:  # pragma: no cover
        STOP_WORDS = set()
    from collections import Counter

    lower: Counter = Counter()
    capital: Counter = Counter()
    for t in texts:
        lower.update(_WORD.findall(t))
        for m in _CAPITALISED.finditer(t):
            before = t[: m.start()].rstrip()
            if before and before[-1] not in ".!?":  # mid-sentence capitals only
                capital[m.group(0).lower()] += 1
    # An ordinary word is written in lower case, in a large batch at least twice, and far
    # more often than with a capital mid-sentence ("staff" yes; "obama", "smith" no).
    least = 2 if len(texts) >= 50 else 1
    ordinary = {w for w, c in lower.items() if c >= least and c >= 3 * capital[w]}
    return frozenset(set(STOP_WORDS) | _COMMON | ordinary)


def _may_hold_name(text: str, known: frozenset[str]) -> bool:
    """Cheap test: could ``text`` contain a person's name? A capitalised word says it might,
    unless it is "I" or a word the batch also uses in lower case ("Staff", "Police"), and
    is not next to another capitalised word ("Will Jones")."""
    matches = list(_CAPITALISED.finditer(text))
    for i, m in enumerate(matches):
        word = m.group(0)
        if word == "I" or word.startswith(("I'", "I’")):
            continue
        if word.lower() not in known:
            return True
        after = matches[i + 1] if i + 1 < len(matches) else None
        if after is not None and text[m.end() : after.start()] == " ":
            if after.group(0).lower() not in known:
                return True
    return False


def _looks_like_name(span: str, known: frozenset[str] = frozenset()) -> bool:
    # The small English model sometimes tags placeholders or common words ("Email") as people.
    if "[" in span:
        return False
    words = span.split()
    if len(words) > 1 and _STREET_WORD.fullmatch(words[-1].rstrip(".")):
        return False  # a street ("Smallhouse Rd"), which the small model takes for a person
    return span.lower() not in _COMMON


_default = Redactor()


def redact(text: str) -> Redaction:
    """Redact one answer with the default redactor."""
    return _default.redact(text)


def redact_many(texts: Sequence[str]) -> list[Redaction]:
    """Redact a batch of answers with the default redactor (uses ``nlp.pipe``)."""
    return _default.redact_many(texts)
