"""Non-answers: "nothing", "n/a", "don't know", "no comment", "see above" and the like.

They are counted, never themed: left in, they form large meaningless themes. So are answers
that only describe the person ("I am a 45 year old white female", "retired", "student",
"Christian"): demographics belong in the demographic questions, not in a theme.
``classify_non_answer`` says which kind a non-answer is (for the counts); ``is_non_answer``
is the yes/no form. Matching is on the whole answer after normalising case, punctuation
and spacing, so "Nothing to add, thanks." is a non-answer but "Nothing is done about the
drug dealing" is not.
"""

from __future__ import annotations

import re
import unicodedata

KINDS = (
    "empty", "nothing", "dont_know", "no_comment", "not_applicable", "see_above",
    "self_description",
)

_FILLER = (
    r"(?:\s+(?:really|at all|whatsoever|else|more|further|much|in particular|"
    r"specific|specifically|that i can think of|i can think of|to add|to say|to report|"
    r"to mention|to comment|to improve|to be improved|to change|comes to mind|springs to mind|"
    r"for now|at the moment|at present|thanks|thank you|sorry|i think|as such|"
    r"(?:i(?:'m| am)? )?(?:happy|content|satisfied|fine)(?: with (?:everything|it all|it))?|"
    r"(?:(?:it|everything|all|they|you)(?:'s| (?:was|were|is|are|has been|have been|been))? "
    r"(?:all )?(?:good|fine|ok|okay|great|brilliant|perfect|excellent|lovely|amazing))|"
    r"(?:(?:i(?:'ve| have)? )?been )?(?:very )?happy with (?:everything|it all|the service)))*"
)

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "not_applicable",
        re.compile(r"^(?:n ?a|n/a|na|not applicable|nil|nil return|blank|pass|skip|\?+)$"),
    ),
    (
        "see_above",
        re.compile(
            r"^(?:see|as|same as|as per|as i said|as stated|as mentioned|refer to)"
            r"(?: (?:my|the))? (?:above|previous|before|earlier|answer|answers|comments?)"
            r"(?: (?:answer|answers|comments?|question))?$|^ditto$|^same(?: again)?$"
        ),
    ),
    (
        "dont_know",
        re.compile(
            r"^(?:i )?(?:(?:do not|don't|dont|didn't|do nt) know|dunno|not sure|unsure|"
            r"no idea|no clue|not certain|cannot say|can't say|cant say|dk|<dk>|"
            r"no opinion|undecided|i'm not sure|im not sure|i am not sure)"
            + _FILLER
            + r"$"
        ),
    ),
    (
        "no_comment",
        re.compile(
            r"^(?:no comments?|no further comments?|none to make|nothing to comment|"
            r"no answer|prefer not to say|rather not say|refused|<rf>|no response|"
            r"no thanks|no thank you|no views?|no opinion to give|"
            r"(?:i )?(?:have |hold |got )?no (?:strong |real |particular |firm )?"
            r"(?:opinions?|views?|comments?)(?: either way| on (?:this|that|it|the matter))?|"
            r"(?:that's |that is |this is |just )?(?:my|an) opinion)" + _FILLER + r"$"
        ),
    ),
    (
        "nothing",
        re.compile(
            r"^(?:(?:no|nope|nah)(?: ,)?(?: nothing| none)?|none|nothing|nothin|not a thing|"
            r"not anything|no concerns?|no issues?|no problems?|none at all|nothing at all|"
            r"absolutely nothing|nothing really|no not really|not really|"
            r"can't think of anything|cant think of anything|cannot think of anything|"
            r"can't think of any|i can't think of anything|i cannot think of anything|"
            r"nothing i can think of|nothing comes to mind|all good|all fine|all ok|"
            r"everything is fine|everything is ok|everything is good|everything fine|"
            r"no complaints?|nothing to complain about|no improvements? (?:needed|necessary)|"
            r"nothing (?:needs|need) (?:changing|to change|improving)|"
            r"nothing (?:could|can|would) (?:be|have been|of been) (?:done )?(?:any )?better|"
            r"(?:it )?(?:could|can)(?:n't| not|nt) (?:be|have been) (?:any )?better|"
            r"(?:i'm |i am |we are |we're )?(?:very |completely |totally |really )?"
            r"(?:happy|satisfied|content)(?: with (?:everything|the service|it all|it))?|"
            r"faultless|perfect|no concerns? (?:here|at all)|i feel (?:very )?safe)"
            + _FILLER
            + r"$"
        ),
    ),
]

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes, turn punctuation into spaces and collapse spacing."""
    text = unicodedata.normalize("NFKC", text or "").translate(_APOSTROPHES).lower()
    text = re.sub(r"[^\w'<>/?\s]", " ", text)
    text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# Self-descriptions: every word describes the person (age, gender, ethnicity, religion,
# work, family), with at least one word that can only be a description of someone.
_DESCRIBING = frozenset(
    """
    male female man woman gentleman lady boy girl transgender trans nonbinary non binary
    gay lesbian bisexual straight heterosexual
    white black asian british english scottish welsh irish mixed caucasian african caribbean
    indian pakistani bangladeshi chinese polish european hispanic latino latina arab gypsy
    traveller roma bame ethnicity ethnic race heritage religion religious
    christian muslim jewish hindu sikh buddhist atheist catholic protestant agnostic
    retired pensioner student unemployed employed homemaker housewife
    mum mom mother dad father parent grandparent grandmother grandfather nan nana grandad
    carer married single divorced widow widowed widower homeowner tenant
    aged yo yrs
    """.split()
)
_DESCRIPTION_FILLER = frozenset(
    """
    i i'm im am a an me myself and of with the as who is was been being my in from by
    year years old age over under early mid late twenties thirties forties fifties sixties
    seventies eighties nineties teens teen teenager person resident local full part time
    working worker living lived live here for two three four five one kids children child
    son sons daughter daughters grandchildren other background origin british-born
    young older elderly disabled disability no none alone self 's s
    """.split()
)


def _is_self_description(norm: str) -> bool:
    words = norm.split()
    if not words or len(words) > 16:
        return False
    has_age = any(re.fullmatch(r"\d{1,3}(?:yo|yrs?)?", w) for w in words) and any(
        w in ("year", "years", "yo", "yrs", "old", "aged", "age") for w in words
    )
    if not (has_age or any(w in _DESCRIBING for w in words)):
        return False
    return all(
        w in _DESCRIBING or w in _DESCRIPTION_FILLER or re.fullmatch(r"\d{1,3}(?:yo|yrs?|s)?", w)
        for w in words
    )


def classify_non_answer(text: str | None) -> str | None:
    """The kind of non-answer ``text`` is (one of ``KINDS``), or None for a real answer."""
    if text is None or not re.search(r"[A-Za-z0-9]", text):
        return "empty"
    norm = normalise(text)
    if not norm:
        return "empty"
    if norm.strip("?"):
        norm = norm.rstrip("? ").strip()
    if len(norm) > 120:
        return None
    for kind, pattern in _PATTERNS:
        if pattern.match(norm):
            return kind
    if _is_self_description(norm):
        return "self_description"
    return None


def is_non_answer(text: str | None) -> bool:
    """True when ``text`` says nothing to theme ("nothing", "n/a", "don't know", ...)."""
    return classify_non_answer(text) is not None
