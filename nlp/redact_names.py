"""Person names the recogniser misses: rules over a worldwide names list, decided by context.

``name_spans(text)`` returns (start, end) offsets of names found by these rules:

- a first name from the UK's communities in any case ("marek from the car wash", "ask
  agnieszka"), from ``data/world_names.txt`` (compiled from names-dataset by
  ``nlp/redact_names_build.py``) and the hand list ``data/forenames.txt``; with the surnames
  written after it ("harjit sandhu", "Jaswinder Kaur Dhillon");
- a first name that is also an English word ("Will", "Mark", "Rose", "Grace", "Bill", "Sue",
  "Patience") only where the sentence says it is a person: a person word before it ("my son
  Will", "a boy called mark", "me and will", "tell Frank"), a surname after it ("Will
  Thompson"), or what people do after it ("Grace from number 8", "Rose next door", "Sue at
  the post office");
- titles and ranks in any case with the surname after them ("mr jenkins", "sgt harris",
  "Det Sgt Morris", "ms kaur");
- initials with a surname ("J. Kowalski", "A.J. Mensah", "k smith");
- hyphenated names with a listed part ("Mary-Jane", "Owusu-Ansah", "lily-mae").

Never a name: a name-like word before a place or street word ("Grace Close", "Mark Lane",
"Victoria Park", "Rose Cottage Lane"), after "St" ("St Mary"), or in a pub's or shop's name
("the Rose and Crown", "Marks and Spencer").

The word lists and the names lexicon are in ``nlp.redact_name_lists``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .redact_name_lists import (
    IS_AFTER,
    NOT_NAMES,
    PAIR_NOT_PERSON,
    PERSON_AFTER,
    PERSON_BEFORE,
    PERSON_BEFORE_PAIRS,
    PERSON_VERB,
    PLACE_WORDS,
    TITLES,
    TITLES_STRONG,
    TITLES_WEAK,
    VIRTUES,
    any_name,
    first_or_ambiguous,
    lexicon,
    stop_words,
)

# A word: letters with inner apostrophes or hyphens ("O'Reilly", "Owusu-Ansah").
WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’](?=[^\W\d_])|-(?=[^\W\d_]))*")


def _base(word: str) -> str:
    """Without a possessive "'s" ("kev's" -> "kev")."""
    return word[:-2] if word.lower().endswith(("'s", "’s")) and len(word) > 3 else word


def _is_capitalised(word: str, all_caps_text: bool) -> bool:
    if all_caps_text:
        return False  # in a shouted answer capitals say nothing
    return word[0].isupper() and not word.isupper() or (len(word) == 1 and word.isupper())


_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")


class _Words:
    """Words of one text with their offsets and lower-case forms."""

    def __init__(self, text: str):
        self.text = text
        self.matches = list(WORD.finditer(text))
        self.lower = [_base(m.group(0)).lower() for m in self.matches]
        upper = len(_UPPER.findall(text))
        self.all_caps = upper > 0.8 * (upper + len(_LOWER.findall(text)))

    def __len__(self):
        return len(self.matches)

    def joined(self, i: int, j: int) -> bool:
        """Words i and j (= i + 1) are separated by spaces only."""
        gap = self.text[self.matches[i].end() : self.matches[j].start()]
        return 0 < len(gap) <= 2 and gap.strip() == ""

    def capitalised(self, i: int) -> bool:
        return _is_capitalised(self.matches[i].group(0), self.all_caps)

    def end(self, i: int) -> int:
        m = self.matches[i]
        return m.start() + len(_base(m.group(0)))

    def sentence_start(self, i: int) -> bool:
        k = self.matches[i].start() - 1
        while k >= 0 and self.text[k].isspace():
            k -= 1
        return k < 0 or self.text[k] in '.!?\n:;"(-'


@lru_cache(maxsize=16)
def _words(text: str) -> _Words:
    """The words of ``text``, kept for the recogniser's spans in the same answer."""
    return _Words(text)


def _parts(word: str) -> list[str]:
    return [p for p in word.split("-") if p]


def _acronym(w: _Words, i: int) -> bool:
    """ "ICU", "TED", "DESMOND" in an answer not written in capitals: a team or a service."""
    raw = w.matches[i].group(0)
    return not w.all_caps and len(raw) > 1 and raw.isupper()


def _place_follows(w: _Words, i: int) -> bool:
    j = i + 1
    raw = w.matches[i].group(0)
    return (
        j < len(w)
        and w.joined(i, j)
        and w.lower[j] in PLACE_WORDS
        and raw == _base(raw)  # "Marek's house" is a person's
    )


def _saint_before(w: _Words, i: int) -> bool:
    return (
        i > 0
        and w.lower[i - 1] in ("st", "saint")
        and w.joined(i - 1, i)
        or (i > 0 and w.lower[i - 1] == "st" and w.text[w.matches[i - 1].end()] == ".")
    )


def _of_before(w: _Words, i: int) -> bool:
    """ "Duke of York", "Church of St Mary": a title of a place or thing, not a person."""
    return i > 1 and w.lower[i - 1] == "of" and w.capitalised(i - 2) and w.capitalised(i)


def _and_name_follows(w: _Words, i: int) -> bool:
    """ "Holly and Rose got chased": capitalised, then "and" and another first name."""
    return (
        i + 2 < len(w)
        and w.lower[i + 1] == "and"
        and w.capitalised(i)
        and w.capitalised(i + 2)
        and w.lower[i + 2] in first_or_ambiguous()
        and not _place_follows(w, i + 2)
    )


def _person_before(w: _Words, i: int) -> bool:
    if i == 0:
        return False
    prev = w.lower[i - 1]
    if w.lower[i] in VIRTUES and not w.capitalised(i):
        return False  # "my daughter happy with the care"
    if prev in PERSON_BEFORE or prev in TITLES_STRONG:
        return True
    if prev in TITLES_WEAK and w.capitalised(i) and not (i > 1 and w.lower[i - 2] == "the"):
        return True
    if i > 1 and (w.lower[i - 2], prev) in PERSON_BEFORE_PAIRS:
        return True
    # "Holly and Rose": another name, then "and"
    return (
        prev == "and"
        and i > 1
        and w.capitalised(i)
        and w.capitalised(i - 2)
        and w.lower[i - 2] in any_name()
    )


def _surname_follows(w: _Words, i: int) -> bool:
    j = i + 1
    if j >= len(w) or not w.joined(i, j):
        return False
    first, last, _ = lexicon()
    word = w.lower[j]
    if word in stop_words() or word in PLACE_WORDS:
        return False
    if word in last or any(p in last for p in _parts(word)):
        return w.capitalised(j) or not w.capitalised(i)
    return False


def _person_after(w: _Words, i: int) -> bool:
    text, end = w.text, w.end(i)  # patterns match at ``end``, without copying the rest
    if PERSON_AFTER.match(text, end) or PERSON_VERB.match(text, end):
        return True
    # "Mark is amazing", "Rob was great": a person, unless the word is a virtue or a thing
    # that can be ("Patience is running out", "Hope is all we have")
    return w.lower[i] not in VIRTUES and bool(IS_AFTER.match(text, end))


def _ambiguous_is_person(w: _Words, i: int) -> bool:
    """Context says this first name that is also a word ("Will", "Grace") is a person."""
    return (
        _person_before(w, i)
        or _surname_follows(w, i)
        or (w.capitalised(i) or w.all_caps)
        and (_person_after(w, i) or _and_name_follows(w, i))
    )


def _name_like(word: str) -> bool:
    """A listed first name or surname, or a hyphenated word with a listed part."""
    first, last, ambiguous = lexicon()
    if word in first or word in last:
        return True
    parts = _parts(word)
    return (
        len(parts) > 1
        and any(p in first or p in last for p in parts)
        and not any(p in stop_words() for p in parts)
        and not all(p in NOT_NAMES for p in parts)  # "Mon-Fri"
    )


def _extend(w: _Words, i: int, limit: int = 2) -> int:
    """Index of the last word of the name starting at ``i``: surnames after it."""
    first, last, ambiguous = lexicon()
    j = i
    while j + 1 < len(w) and j - i < limit and w.joined(j, j + 1):
        nxt = w.lower[j + 1]
        if nxt in stop_words() or nxt in PLACE_WORDS or nxt in TITLES or nxt in NOT_NAMES:
            break
        if w.matches[j].group(0) != _base(w.matches[j].group(0)):
            break  # "kev's dog": the name ended at the possessive
        listed = _name_like(nxt) or nxt in ambiguous
        if (
            w.capitalised(j)
            and w.capitalised(j + 1)
            or listed
            and not (w.capitalised(j) and not w.capitalised(j + 1) and not w.all_caps)
        ):
            if _place_follows(w, j + 1):
                return -1  # "Lynn Jarrett Ward", "Victoria Cross pub": a place's name
            j += 1
        else:
            break
    return j


def name_spans(text: str) -> list[tuple[int, int]]:
    """Names found by the rules above, as (start, end) offsets into ``text``."""
    if not text:
        return []
    first, last, ambiguous = lexicon()
    w = _words(text)
    not_person = [(m.start(), m.end()) for m in PAIR_NOT_PERSON.finditer(text)]
    spans: list[tuple[int, int]] = []
    i = 0
    names = any_name()
    while i < len(w):
        word = w.lower[i]
        if (
            word not in names
            and word not in TITLES
            and len(word) > 1
            and "-" not in word
            and not (i > 0 and (w.lower[i - 1] in PERSON_BEFORE or w.lower[i - 1] == "and"))
        ):
            i += 1  # an ordinary word: most words, so this test comes first
            continue
        start = w.matches[i].start()
        if any(s <= start < e for s, e in not_person):
            i += 1
            continue
        # titles and ranks: "sgt harris", "Det Sgt Morris", "mrs kowalska"
        if word in TITLES and not (i > 0 and w.lower[i - 1] in ("the", "a", "an", "my")):
            j = i
            while j + 1 < len(w) and w.lower[j + 1] in TITLES and w.joined(j, j + 1):
                j += 1
            if j + 1 < len(w) and w.joined(j, j + 1):
                nxt_raw = w.matches[j + 1].group(0)
                nxt = w.lower[j + 1]
                strong = any(w.lower[k] in TITLES_STRONG for k in range(i, j + 1))
                ok = (
                    nxt not in stop_words()
                    and nxt not in NOT_NAMES
                    and not _place_follows(w, j + 1)
                )
                if ok and (
                    _name_like(nxt)
                    or (nxt in ambiguous and (strong or w.capitalised(j + 1)))
                    or (w.capitalised(j + 1) and not nxt_raw.isupper())
                    or (strong and len(nxt) > 2 and w.all_caps)
                ):
                    end = _extend(w, j + 1, limit=1)
                    if end >= 0:
                        spans.append((start, w.end(end)))
                        i = end + 1
                    else:
                        i += 1
                    continue
        # initials with a surname: "J. Kowalski", "A.J. Mensah", "k smith"
        m = _INITIALS.match(text, start)
        if m and (i == 0 or text[start - 1] in " \t\n(\"'"):
            k = next(
                (k for k in range(i, len(w)) if w.matches[k].start() == m.start("surname")), None
            )
            sur_low = w.lower[k] if k is not None else ""
            dotted = "." in m.group("initials")
            if (
                k is not None
                and sur_low not in stop_words()
                and sur_low not in PLACE_WORDS
                and (sur_low in last or sur_low in first or (dotted and w.capitalised(k)))
                and (dotted or m.group("initials")[0].lower() not in "aiurnycx")
            ):
                spans.append((start, w.end(k)))
                i = k + 1
                continue
        if _saint_before(w, i) or _place_follows(w, i) or _of_before(w, i):
            i += 1
            continue
        if _acronym(w, i):
            i += 1
            continue
        # a surname alone is not enough (unless after a title or initials, above)
        listed = word in first or ("-" in word and _name_like(word))
        if listed and w.sentence_start(i) and word in last and word not in first:
            i += 1
            continue
        if listed or (word in ambiguous and _ambiguous_is_person(w, i)):
            end = _extend(w, i)
            if end >= 0:
                spans.append((start, w.end(end)))
                i = end + 1
            else:
                i += 1
            continue
        # an unlisted capitalised word straight after a person word: "my mate Zbigniew"
        if (
            i > 0
            and w.capitalised(i)
            and not w.sentence_start(i)
            and (w.lower[i - 1] in PERSON_BEFORE or _person_before(w, i))
            and w.matches[i - 1].group(0).islower()
            and word not in stop_words()
            and word not in NOT_NAMES
            and word not in PLACE_WORDS
            and len(word) > 2
            and not word.startswith(("i'", "i’"))
        ):
            end = _extend(w, i)
            if end >= 0:
                spans.append((start, w.end(end)))
                i = end + 1
            else:
                i += 1
            continue
        i += 1
    return spans


_INITIALS = re.compile(
    r"(?P<initials>(?:[A-Z]\.\s?){1,3}|[A-Za-z]\.?\s)(?P<surname>[A-Za-z][A-Za-z'’-]+)"
)


def ambiguous_without_context(text: str, start: int, end: int) -> bool:
    """A recogniser's single-word PERSON that is an English word with nothing around it
    saying it is a person ("Bill posters", "Mark and Spencers"), after "St", before a place
    word, or inside a pub's name: not a name."""
    first, last, ambiguous = lexicon()
    w = _words(text)
    idx = [k for k, m in enumerate(w.matches) if start <= m.start() < end]
    if not idx:
        return False
    i, j = idx[0], idx[-1]
    if _saint_before(w, i) or _place_follows(w, j) or _of_before(w, i):
        return True
    if any(
        s <= start < e for s, e in ((m.start(), m.end()) for m in PAIR_NOT_PERSON.finditer(text))
    ):
        return True
    if i == j and w.lower[i] in ambiguous and w.lower[i] not in first:
        return not _ambiguous_is_person(w, i)
    return False
