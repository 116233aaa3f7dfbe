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
