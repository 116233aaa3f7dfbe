"""The word lists behind the names rules (``nlp.redact_names``, ``nlp.redact_context``):
first names, surnames and first names that are also English words (``lexicon()``, read from
``data/`` on first use), titles and ranks, place and street words, the words around a name that
say a person is meant, words that are never names, and spaCy's stop words (``stop_words()``,
read on first use so that importing ``nlp`` does not load spaCy)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .places import PLACE_HEAD_WORDS

DATA = Path(__file__).with_name("data")

# Street and place words: a name-like word before one is part of a place.
PLACE_WORDS = PLACE_HEAD_WORDS | frozenset(
    """
    st ln way court ct gardens gdns place pl hill grove mews row walk rise view vale wharf
    boulevard blvd pde highway hwy parkway pkwy sq esplanade embankment
    yard gate end side cottage cottages farm lodge barn manor hall house houses tower towers
    flats court school schools academy college centre center hospital church chapel mosque
    temple gurdwara surgery ward library museum theatre cinema stadium ground arms inn
    tavern hotel bar pub club festival market memorial primary junior infants nursery
    university campus shopping retail industrial business way's quay dock docks marina
    bay island valley heath moor down downs wood forest lake pond reservoir
    """.split()
)
# Second words of pubs and shops: "the Rose and Crown", "Marks and Spencer".
PAIR_NOT_PERSON = re.compile(
    r"(?i)\b[a-z]+s?\s+(?:and|&)\s+(?:crown|anchor|lion|castle|swan|bell|horses?|hounds?|"
    r"feathers|thistle|sceptre|dragon|spencers?|garter|compasses|mitre|cross|plough|sheaf|"
    r"harrow|kettle|punchbowl|greyhound|partridge|pheasant|ship|boat|whistle)\b"
)

TITLES_STRONG = frozenset("mr mrs ms mx dr sgt pcso cllr dc ds di insp".split())
TITLES_WEAK = frozenset(
    """
    miss pc sergeant inspector detective det constable officer councillor father fr rev
    reverend sir nana doctor professor prof imam pastor
    """.split()
)
TITLES = TITLES_STRONG | TITLES_WEAK

# Words before a name that say a person follows ("my son Will", "a boy called mark").
PERSON_BEFORE = frozenset(
    """
    called named name's calls nicknamed son daughter husband wife partner mum mom mam dad nan
    nanna gran granny grandad grandma grandpa brother sister friend mate neighbour neighbor
    cousin uncle aunt aunty auntie boyfriend girlfriend ex colleague stepdad stepmum nephew
    niece carer landlord landlady tell told ask asked miss sir lad boy girl man woman bloke
    guy kid
    """.split()
)
PERSON_BEFORE_PAIRS = frozenset({("me", "and"), ("step", "dad"), ("step", "mum")})
# What follows a person's name ("Grace from number 8", "Rose next door", "Dawn at number 3").
PERSON_AFTER = re.compile(
    r"(?i)(?:'s\b|’s\b|\s*,|\s+(?:from|who|whose|next\s+door|at\s+(?:the|number|no)\b|"
    r"and\s+(?:her|his|their|me|i)\b|says|said|told|keeps|got|gets|had|has\s+been|lives|"
    r"was\s+(?:jumped|mugged|robbed|attacked|stabbed|threatened|followed|assaulted|hit)|"
    r"is\s+being|is\s+\d+|saw|sees|runs|works|drives|rides))"
)
# What a person does, straight after their name: "Grace listened to me", "Rob always helps".
PERSON_VERB = re.compile(
    r"(?i)\s+(?:always\s+|really\s+|never\s+|just\s+)?(?:listened|listens|helped|helps|"
    r"explained|explains|made|makes|gave|gives|came|comes|took|takes|showed|shows|went|knew|"
    r"knows|kept|rang|rings|spoke|speaks|sorted|cared|cares|understood|understands|supported|"
    r"supports|treated|visited|phoned|texted|shouted|screamed|threatened|hit|punched|kicked|"
    r"stole|nicked|smashed|sells|deals|dealt)\b"
)
IS_AFTER = re.compile(r"(?i)\s+(?:is|was|has|had|as\s+been|have\s+been)\b")
# Ambiguous first names that are also things that "are": "is" after them says nothing.
VIRTUES = frozenset(
    """
    patience hope faith grace justice peace joy mercy charity glory comfort favour gift
    happiness wisdom promise unique divine innocent lucky happy precious blessing princess
    prince king queen young brown bright champion sunny pretty bless given perpetual rejoice
    prosper truth honour liberty unity harmony may june april august
    """.split()
)
# Words that are never names however written (chat, slang, capitalised common words).
NOT_NAMES = frozenset(
    """
    i im ive id ill dont wont cant didnt doesnt isnt wasnt u ur ya yeah nah lol omg idk tbh
    pls ok okay bruv bro fam innit mum mam nan dad gran mate mates lads lad police council
    staff kids children people youth youths year years estate area town city street road
    shop shops park station school church mosque temple reg monday tuesday wednesday
    thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
    jan feb mar apr jun jul aug sep sept oct nov dec fab mis
    nurse nurses doctor doctors matron team staff consultant ward carer carers lino
    """.split()
)
# Nationalities, ethnicities and faiths: how people describe themselves ("White British",
# "Muslim"), never names on their own.
IDENTITY_WORDS = frozenset(
    """
    british english irish scottish welsh european asian african caribbean arab arabic
    polish romanian nigerian ghanaian somali indian pakistani bangladeshi chinese turkish
    muslim hindu sikh jewish buddhist catholic protestant anglican atheist agnostic
    """.split()
)
# Months, and faiths that are also first names: names only where the sentence says so
# ("2nd June", "my son Christian").
MONTH_NAMES = frozenset("january april may june july august".split())
FAITH_NAMES = frozenset(["christian"])


def _read_sections(path: Path) -> dict[str, frozenset[str]]:
    sections: dict[str, set[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], set())
        elif current is not None:
            current.update(line.split())
    return {k: frozenset(v) for k, v in sections.items()}


def _word_list(name: str) -> frozenset[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return frozenset(word for line in lines for word in line.split())


@lru_cache(maxsize=1)
def lexicon() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(first names, surnames, ambiguous first names), lower case."""
    world = _read_sections(DATA / "world_names.txt")
    young = _read_sections(DATA / "forenames_young.txt")
    uk_first = _word_list("forenames.txt") | young["forenames"]
    uk_last = _word_list("surnames.txt")
    never = NOT_NAMES | IDENTITY_WORDS
    first = (world["forenames"] | uk_first) - never - TITLES - MONTH_NAMES - FAITH_NAMES
    ambiguous = (
        (world["ambiguous"] - uk_first) | young["ambiguous"] | MONTH_NAMES | FAITH_NAMES
    ) - never
    last = (world["surnames"] | uk_last) - never - TITLES - PLACE_WORDS
    return first, last - ambiguous, ambiguous


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's English stop words, read on first use: importing spaCy at import time would
    load PyTorch into every process that imports ``nlp``."""
    try:
        from spacy.lang.en.stop_words import STOP_WORDS
    except ImportError:  # pragma: no cover
        STOP_WORDS = set()
    return frozenset(STOP_WORDS)


@lru_cache(maxsize=1)
def first_or_ambiguous() -> frozenset[str]:
    first, _, ambiguous = lexicon()
    return first | ambiguous


@lru_cache(maxsize=1)
def any_name() -> frozenset[str]:
    first, last, ambiguous = lexicon()
    return first | last | ambiguous
