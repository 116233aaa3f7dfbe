"""The recogniser's side of redaction (``nlp.redact``): which answers are worth running
spaCy's named-entity recogniser on (the batch's ordinary words, a capitalised word that is not
one), which pipeline components it can skip, and which of its PERSON entities are kept."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .redact_name_lists import PLACE_WORDS

# Street types that are rarely surnames (unlike Green, Hill, Park, Lane, Way).
_STREET_WORD = re.compile(
    r"Rd|Road|St|Street|Ave|Avenue|Ln|Close|Drive|Crescent|Cres|Terrace|"
    r"Gardens|Gdns|Mews|Parade|Pde|Boulevard|Blvd|Highway|Hwy|Parkway|Pkwy|Square|Sq|"
    r"Esplanade|Embankment"
)
_CAPITALISED = re.compile(r"[A-Z][a-z'’]+")
_WORD = re.compile(r"[a-z'’]+")


def not_needed_for_ner(nlp) -> list[str]:
    """Components the recogniser does without. In the small English pipelines it has its
    own token vectors, so the shared ``tok2vec`` (which feeds the tagger and parser) is
    skipped: the same entities in about 60% of the time (measured on 1,973 NHS comments).
    A shared encoder is kept where the recogniser listens to it (larger pipelines)."""
    keep = {"ner"}
    for name in nlp.pipe_names:
        if "ner" in getattr(nlp.get_pipe(name), "listening_components", ()):
            keep.add(name)
    return [p for p in nlp.pipe_names if p not in keep]


_ORG_WORDS = frozenset(
    "ambulance brigade service services trust council police cross bank society fund "
    "association foundation charity group partnership".split()
)
_COMMON = frozenset(
    "the a an and or but if so i we you he she they it this that there these those my our your "
    "their his her its me us them what when where why how who which not no nothing none more "
    "less very too also just please people police council staff kids children young youth "
    "car cars drugs drug crime speeding anti-social antisocial parking email e-mail ring call "
    "phone text contact tel mobile please thanks thank hello hi dear".split()
)


def known_lowercase(texts: Sequence[str]) -> frozenset[str]:
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


def may_hold_name(text: str, known: frozenset[str]) -> bool:
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


def looks_like_name(span: str, known: frozenset[str] = frozenset()) -> bool:
    # The small English model sometimes tags placeholders or common words ("Email") as people.
    if "[" in span:
        return False
    words = span.split()
    if len(words) > 1 and _STREET_WORD.fullmatch(words[-1].rstrip(".")):
        return False  # a street ("Smallhouse Rd"), which the small model takes for a person
    if len(words) > 1 and words[-1].lower().rstrip(".") in PLACE_WORDS | _ORG_WORDS:
        return False  # "Mill Lane", "St Johns Ambulance"... a place, not a person
    if len(words) > 1 and words[0].lower().rstrip(".") in ("st", "saint"):
        return False
    return span.lower() not in _COMMON
