"""Places named in answers: found for the analyst, left out of what themes are made of.

Residents say where things happen ("drug dealing on the canal path", "speeding along London
Road"). Left in, a busy place pulls unrelated concerns into one theme ("Canal path": drugs
and speeding together). So the engine clusters the *concern*: ``strip_places`` removes a
prepositional place phrase before embedding, while labels and quotes keep the full answer,
and ``find_places`` lists the places so each theme can say where its concern is raised.

Only public-realm places are matched (roads, paths, parks, estates, stations, town centres,
the seafront...). Institutions whose mention changes the concern ("at school", "on the bus")
are kept, as is a place that is the subject of the answer ("the park needs lighting").
"""

from __future__ import annotations

import re

# Head nouns of public-realm places ("_" joins words), longest first.
_HEADS = sorted(
    """
    road roads rd street streets lane lanes avenue ave drive close crescent terrace
    path paths footpath footpaths towpath cycle_path cycleway alley alleys alleyway
    alleyways underpass subway bridge park parks playground playgrounds play_area
    play_park field fields green common woods estate estates station stations
    bus_station bus_stop bus_stops train_station high_street town_centre
    city_centre shopping_centre shops precinct parade seafront sea_front promenade
    prom beach pier canal river riverside car_park car_parks bypass roundabout
    recreation_ground rec square
    """.split(),
    key=len,
    reverse=True,
)
_HEAD_PATTERN = "|".join(h.replace("_", r"\s+") for h in _HEADS)
# One-word heads, for other modules that need to tell a place from a person ("Alice Park").
PLACE_HEAD_WORDS = frozenset(h for h in _HEADS if "_" not in h)
_PREPOSITIONS = (
    "on|in|at|near|along|around|round|about|by|outside|outside of|behind|down|up|through|"
    "across|opposite|beside|next to|near to|close to|off|over|under|into|within"
)
_DETERMINERS = "the|a|an|our|my|this|that|these|those|their|your|his|her"
# A place needs a determiner or a name before its head noun ("the park", "Mill Lane"), so
# "at Park House" or "the ladies in green" are not places. A place name is made of names and
# adjectives ("the old canal path"), never of these words.
_NOT_IN_NAME = (
    "the|a|an|and|or|but|of|to|in|on|at|by|for|with|from|is|are|was|were|be|been|it|they|"
    "them|we|us|you|he|she|i|me|my|our|their|who|which|that|this|there|when|where|not|no|"
    "all|some|any|kids|people|youths|cars|drivers|dealers|night|day"
)
_WORD = rf"(?!(?:{_NOT_IN_NAME})\b)[A-Za-z][\w'’.-]*"
_PHRASE = re.compile(
    rf"(?i)\b(?:{_PREPOSITIONS})\s+(?P<place>"
    rf"(?:(?:{_DETERMINERS})\s+(?:{_WORD}\s+){{0,3}}|(?:{_WORD}\s+){{1,3}})(?:{_HEAD_PATTERN}))\b"
)


def find_places(text: str) -> list[str]:
    """Place phrases in ``text``, as written but lower-cased: ["the canal path", "london road"]."""
    return [" ".join(m.group("place").lower().split()) for m in _PHRASE.finditer(text or "")]


def strip_places(text: str) -> str:
    """``text`` without its prepositional place phrases; unchanged if nothing else would be
    left (then the place is what the answer is about)."""
    stripped, found = _PHRASE.subn(" ", text or "")
    if not found:
        return text
    stripped = re.sub(r"\s+([,.;:!?])", r"\1", stripped)
    stripped = " ".join(stripped.split())
    return stripped if re.search(r"\w", stripped) else text


# -- place and organisation names --------------------------------------------------------
#
# "Bowling Green", "Warren County", "WKU": a name shared by many answers pulls them into one
# theme about the name, labelled with it, whatever each answer's concern. Such names are
# masked out of what is embedded and labelled (quotes keep them) and listed with the places.

# Last words that make a capitalised name a place or organisation without asking spaCy.
_NAME_HEADS = frozenset(
    """
    road rd rds roads street st streets lane ln lanes avenue ave drive dr way close crescent
    terrace boulevard blvd pde
    parkway pkwy highway hwy park square sq green common estate mall centre center river
    county district borough council city town village campus university college school
    academy hospital station airport bridge
    """.split()
)
_NAME_WORD = r"(?:[A-Z][a-z'’]*[A-Za-z]|[A-Z]{2,}|[A-Z]\d+[A-Z]?)"
_NAME_RUN = re.compile(rf"\b{_NAME_WORD}(?:[ \t]+(?:of[ \t]+)?{_NAME_WORD}){{0,5}}\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n(\"]\s*|\s-\s)$")
# Capitalised words that are not names (the pronoun, shouting, units, titles).
_NOT_NAMES = frozenset(
    "i i'm i've i'd i'll ok tv uk us usa am pm mr mrs ms dr asap lol omg etc na".split()
)
_ENTITY_TYPES = ("GPE", "LOC", "FAC", "ORG")


def _key(name: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", name.lower()))


class PlaceNameFinder:
    """Finds the place and organisation names that recur across a set of answers.

    A name counts when it is configured (``configured``: the districts a deployment serves),
    or when it is a run of capitalised words found in at least ``min_answers`` answers
    (and ``min_share`` of them), written capitalised in at least ``capitalised_share`` of
    the answers naming it, and either ends in a place word ("Warren County", "Scottsville
    Road") or is tagged a place or organisation (GPE, LOC, FAC, ORG) by spaCy's entity
    recogniser in at least ``entity_share`` of up to ``samples`` answers naming it. Only
    recurring names are checked: a name in two answers cannot define a theme.

    ``fit(texts)`` learns ``names_`` (lower-case, longest first); ``mask(text)`` removes
    them (with a preposition before them: "in Bowling Green"); ``find(text)`` lists them.
    """

    def __init__(
        self,
        configured: tuple[str, ...] | list[str] = (),
        use_ner: bool = True,
        spacy_model: str | None = None,
        min_answers: int = 2,
        min_share: float = 0.002,
        capitalised_share: float = 0.6,
        entity_share: float = 0.5,
        samples: int = 8,
    ):
        self.configured = configured
        self.use_ner = use_ner
        self.spacy_model = spacy_model
        self.min_answers = min_answers
        self.min_share = min_share
        self.capitalised_share = capitalised_share
        self.entity_share = entity_share
        self.samples = samples

    def fit(self, texts: list[str]) -> PlaceNameFinder:
        configured = {_key(c) for c in self.configured if _key(c)}
        need = max(self.min_answers, int(round(self.min_share * len(texts))))
        # Answers naming each capitalised run; runs at the start of a sentence are counted
        # only where the same run is also seen mid-sentence ("Bowling Green needs...").
        where: dict[str, set[int]] = {}
        initial: dict[str, set[int]] = {}
        acronyms: set[str] = set()
        for i, text in enumerate(texts):
            for m in _NAME_RUN.finditer(text or ""):
                key = _key(m.group(0))
                if not key or key in _NOT_NAMES or text[max(0, m.start() - 1):m.start()] == "[":
                    continue  # "[NAME]": a redaction placeholder
                if m.group(0).isupper():
                    acronyms.add(key)
                at_start = bool(_SENTENCE_START.search(text[: m.start()]))
                (initial if at_start else where).setdefault(key, set()).add(i)
        # A longer run counts for the shorter runs seen on their own that it holds ("The
        # Bowling Green Daily News" for "Daily News"; "Make Bowling Green" for "Bowling Green").
        seen_alone = set(where)

        def named_by_head(parts: list[str], word: str | None) -> bool:
            """A run of a name and place words ("Brighton Council" for "Brighton")."""
            rest = [w for w in parts if w != word]
            return len(parts) > 1 and parts[-1] in _NAME_HEADS and all(
                w in _NAME_HEADS for w in rest[1 if word is None else 0:]
            )

        for runs in (dict(where), initial):
            for key, rows in runs.items():
                parts = key.split()
                for size in range(1, len(parts) + (key not in seen_alone)):
                    for at in range(len(parts) - size + 1):
                        sub = " ".join(parts[at : at + size])
                        # Single words only when an acronym ("WKU" in "WKU Nursing"):
                        # "News" of "Daily News" is not a name on its own.
                        if sub != key and sub in seen_alone and (
                            size > 1 or sub in acronyms or named_by_head(parts, sub)
                        ):
                            where[sub] = where[sub] | rows
                # Seen mid-sentence, or a name by its place word ("Brighton Council: ...").
                if runs is initial and (key in seen_alone or named_by_head(parts, None)):
                    where[key] = where.get(key, set()) | rows
        candidates = [
            k for k, rows in where.items()
            if len(rows) >= need and k not in configured
            and not all(w in _NAME_HEADS for w in k.split())  # "Road", "County" alone
        ]
        if candidates:
            lowered = [" ".join(re.findall(r"[a-z0-9]+", (t or "").lower())) for t in texts]
            candidates = [
                k for k in candidates
                if len(where[k]) >= self.capitalised_share
                * sum(f" {k} " in f" {low} " for low in lowered)
            ]
        names = set(configured)
        unsure = []
        for key in candidates:
            if key.split()[-1] in _NAME_HEADS:
                names.add(key)
            else:
                unsure.append(key)
        # "my GP", "a CPN", "some CBT": a role or a service named like an organisation.
        unsure = [k for k in unsure if not _common_noun(k, [texts[i] for i in where[k]])]
        if unsure and self.use_ner:
            names |= self._entities(texts, unsure, where)
        # The key form of a possessive or plural ("wku's") is matched by the mask anyway.
        self.names_ = sorted(names, key=lambda n: (-len(n), n))
        self._pattern = _names_pattern(self.names_)
        return self

    def _entities(self, texts, unsure: list[str], where: dict[str, set[int]]) -> set[str]:
        """The unsure names spaCy tags as a place or organisation often enough."""
        import json

        from .embeddings import text_key

        sample = {k: sorted(where[k])[: self.samples] for k in unsure}
        rows = sorted({i for idx in sample.values() for i in idx})
        cache = getattr(self, "cache_", None)
        prefix = f"ents-v1:{self.spacy_model or _spacy_model_name()}"
        keys = {i: text_key(prefix, texts[i]) for i in rows}
        found = cache.get_texts(list(dict.fromkeys(keys.values()))) if cache is not None else {}
        todo = [i for i in rows if keys[i] not in found]
        if todo:
            from .spacy_model import load_spacy

            nlp = load_spacy(self.spacy_model)
            keep = [p for p in nlp.pipe_names if p in ("tok2vec", "ner")]
            new = {}
            with nlp.select_pipes(enable=keep):
                for i, doc in zip(todo, nlp.pipe([texts[i] for i in todo], batch_size=64),
                                  strict=True):
                    ents = [_key(e.text) for e in doc.ents if e.label_ in _ENTITY_TYPES]
                    new[keys[i]] = json.dumps(ents)
            if cache is not None:
                cache.put_texts(new)
            found.update(new)
        out = set()
        for key, idx in sample.items():
            hits = sum(
                any(key == e or f" {key} " in f" {e} " for e in json.loads(found[keys[i]]))
                for i in idx
            )
            if hits >= max(1, self.entity_share * len(idx)):
                out.add(key)
        return out

    def mask(self, text: str) -> str:
        """``text`` without the names (and a preposition or "the" before them); unchanged
        when nothing else would be left."""
        pattern = getattr(self, "_pattern", None)
        if pattern is None or not text:
            return text
        masked, n = pattern.subn(" ", text)
        if not n:
            return text
        masked = re.sub(r"\s+([,.;:!?'’])", r"\1", masked)
        masked = " ".join(masked.split())
        return masked if re.search(r"[A-Za-z]{2}", masked) else text

    def find(self, text: str) -> list[str]:
        """The names in ``text``, lower-case, in order."""
        pattern = getattr(self, "_pattern", None)
        if pattern is None or not text:
            return []
        return [_key(m.group("name")) for m in pattern.finditer(text)]


def _common_noun(key: str, texts: list[str], share: float = 0.1) -> bool:
    """True when at least ``share`` of the answers naming ``key`` use it after an article,
    a possessive or a quantity ("my GP", "an OT", "more CBT"), as one does a common noun."""
    body = r"[\s\-./&]+".join(map(re.escape, key.split()))
    used = re.compile(rf"(?i)\b(?:a|an|my|your|his|her|their|our|some|more|any|no)\s+{body}\b")
    return sum(bool(used.search(t or "")) for t in texts) >= max(1, share * len(texts))


def _names_pattern(names: list[str]) -> re.Pattern[str] | None:
    if not names:
        return None
    alternatives = "|".join(r"[\s\-./&]+".join(map(re.escape, n.split())) for n in names)
    return re.compile(
        rf"(?i)(?:\b(?:{_PREPOSITIONS}|of|for|to|from|throughout)\s+)?(?:the\s+)?"
        rf"\b(?P<name>{alternatives})(?:'s|’s|s)?\b"
    )


def _spacy_model_name() -> str:
    from .settings import spacy_model_name

    return spacy_model_name()
