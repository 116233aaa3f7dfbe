"""The screener's rules: loaded from ``data/screening_rules.yaml``, validated, applied.

The rules are data; this module owns reading them (once per process: ``load_rules()`` is
cached), refusing a malformed file (``RulesDataError`` names the file and the rule) and the
matching itself. ``nlp.screening`` combines the rules with embeddings and the second look.

*Normalisation* (``normalise``): lower case, apostrophes dropped, emoji and punctuation
removed, repeated letters squeezed, then the file's ``token_map`` (text-speak and
misspellings: "u"->"you", "kms"->"kill myself", "bruses"->"bruises") and ``phrase_map``
("step dad"->"stepdad", "i am"->"im"). Sentences are separated by " . ".

*Hard rules* (``rules``): regular expressions per category. A match is dropped when it is
negated ("my dad doesn't hit me"), hypothetical ("if someone threatened me ..."), after a
topic word ("lessons about self harm") or ordinarily explained ("bruises from football"),
as each rule's options say.

*Soft rules* (``soft_rules``): cues that are weak alone but telling together in one
sentence or two neighbouring ones (a person at home with a harm or fear word; first-person
distress with finality; an older or online person with gifts, secrecy or a meeting; being
followed or threatened; a weapon with carrying or protection; running away; unwanted
contact). They only add categories the hard rules did not find.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CATEGORIES: tuple[str, ...] = (
    "abuse_at_home",
    "sexual_abuse",
    "self_harm_suicide",
    "exploitation_grooming",
    "threatened",
    "weapons",
    "missing",
)

RULES_PATH = Path(__file__).with_name("data") / "screening_rules.yaml"

# The rules look at most this many characters (the cap only bounds the work done on pasted
# junk, at roughly 2 ms per 1,000 characters).
MAX_CHARS = 100_000
MAX_CONDITIONAL = 5

_SECTIONS = {"version", "fragments", "token_map", "phrase_map", "negators", "hypothetical",
             "topic", "rules", "soft_rules"}
_RULE_OPTIONS = {"pattern", "negatable", "conditional", "topical", "requires", "unless"}
_SOFT_KEYS = {"name", "category", "cues", "anchor", "unless"}
_FRAGMENT_REF = re.compile(r"\{([a-z_]+)\}")


class RulesDataError(ValueError):
    """The rules file is malformed (the message names the file and the rule)."""


@dataclass(frozen=True)
class Rule:
    category: str
    pattern: re.Pattern[str]
    negatable: bool = True
    conditional: int = 4
    topical: bool = False
    requires: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True)
class SoftRule:
    category: str
    #: each must have a cue in the window that is not negated, not hypothetical and does not
    #: overlap another group's cue
    groups: tuple[re.Pattern[str], ...]
    name: str
    anchor: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None


@dataclass(frozen=True)
class RuleSet:
    token_map: dict[str, str]
    phrase_map: tuple[tuple[re.Pattern[str], str], ...]
    negators: re.Pattern[str]
    if_before: dict[int, re.Pattern[str]]
    topic_before: re.Pattern[str]
    rules: tuple[Rule, ...]
    soft_rules: tuple[SoftRule, ...]
    #: every word written in the file (patterns, maps, fragments): what a stretched word
    #: ("daaaad", "killlll") is squeezed back to
    words: frozenset[str] = frozenset()


class _Reader:
    """Turns the file's text into compiled patterns; every error says where it is."""

    def __init__(self, path: Path, data: Any):
        self.path = path
        if not isinstance(data, dict):
            self.fail("the file", "must be a mapping of sections")
        missing = _SECTIONS - {"version"} - set(data)
        unknown = set(data) - _SECTIONS
        if missing or unknown:
            self.fail("the file", f"missing sections {sorted(missing)}, unknown {sorted(unknown)}")
        self.data = data
        frags = data["fragments"]
        if not isinstance(frags, dict):
            self.fail("fragments", "must be a mapping of name: pattern")
        self.fragments = {name: self.text(f"fragment {name!r}", v, expand=False)
                          for name, v in frags.items()}

    def fail(self, where: str, problem: str):
        raise RulesDataError(f"{self.path}: {where}: {problem}")

    def text(self, where: str, value: Any, expand: bool = True) -> str:
        """A pattern's text: a string, or a list of pieces joined; fragments inserted."""
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            value = "".join(value)
        if not isinstance(value, str) or not value:
            self.fail(where, "needs a pattern (a string or a list of strings)")
        if not expand:
            return value

        def insert(m: re.Match[str]) -> str:
            if m.group(1) not in self.fragments:
                self.fail(where, f"unknown fragment {{{m.group(1)}}}")
            return self.fragments[m.group(1)]

        return _FRAGMENT_REF.sub(insert, value)

    def compile(self, where: str, value: Any, wrap: bool = False) -> re.Pattern[str]:
        text = self.text(where, value)
        try:
            return re.compile(rf"\b(?:{text})\b" if wrap else text)
        except re.error as exc:
            self.fail(where, f"the pattern does not compile: {exc}")
            raise  # unreachable; for the type checker

    def category(self, where: str, value: Any) -> str:
        if value not in CATEGORIES:
            self.fail(where, f"unknown category {value!r} (one of {', '.join(CATEGORIES)})")
        return value

    def token_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        groups = self.data["token_map"]
        if not isinstance(groups, dict):
            self.fail("token_map", "must be a mapping of groups of word: replacement")
        for group, words in groups.items():
            if not isinstance(words, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in words.items()):
                self.fail(f"token_map {group!r}", "must map words to words (quote them)")
            for k in words.keys() & out.keys():
                self.fail(f"token_map {group!r}", f"{k!r} is mapped twice")
            out.update(words)
        return out

    def phrase_map(self) -> tuple[tuple[re.Pattern[str], str], ...]:
        pairs = self.data["phrase_map"]
        if not isinstance(pairs, list):
            self.fail("phrase_map", "must be a list of [pattern, replacement]")
        out = []
        for i, pair in enumerate(pairs):
            where = f"phrase_map[{i}]"
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], str)):
                self.fail(where, "must be [pattern, replacement]")
            out.append((self.compile(where, pair[0]), pair[1]))
        return tuple(out)

    def rules(self) -> tuple[Rule, ...]:
        by_category = self.data["rules"]
        if not isinstance(by_category, dict):
            self.fail("rules", "must be a mapping of category: list of rules")
        out = []
        for category, rules in by_category.items():
            self.category("rules", category)
            if not isinstance(rules, list):
                self.fail(f"rules.{category}", "must be a list of rules")
            for i, entry in enumerate(rules):
                out.append(self.rule(f"rules.{category}[{i}]", category, entry))
        return tuple(out)

    def rule(self, where: str, category: str, entry: Any) -> Rule:
        if not isinstance(entry, dict):
            entry = {"pattern": entry}
        if "pattern" not in entry:
            self.fail(where, "missing key 'pattern'")
        if set(entry) - _RULE_OPTIONS:
            self.fail(where, f"unknown keys {sorted(set(entry) - _RULE_OPTIONS)}")
        for key in ("negatable", "topical"):
            if not isinstance(entry.get(key, False), bool):
                self.fail(where, f"{key!r} must be true or false")
        conditional = entry.get("conditional", 4)
        if type(conditional) is not int or not 0 <= conditional <= MAX_CONDITIONAL:
            self.fail(where, f"'conditional' must be a whole number 0-{MAX_CONDITIONAL}")
        return Rule(
            category, self.compile(where, entry["pattern"]),
            negatable=entry.get("negatable", True), conditional=conditional,
            topical=entry.get("topical", False),
            requires=self.compile(f"{where} requires", entry["requires"])
            if "requires" in entry else None,
            unless=self.compile(f"{where} unless", entry["unless"])
            if "unless" in entry else None,
        )

    def soft_rules(self) -> tuple[SoftRule, ...]:
        entries = self.data["soft_rules"]
        if not isinstance(entries, list):
            self.fail("soft_rules", "must be a list")
        out = []
        for i, entry in enumerate(entries):
            where = f"soft_rules[{i}]"
            if not isinstance(entry, dict):
                self.fail(where, "must be a mapping")
            where = f"soft rule {entry.get('name', i)!r}"
            missing = {"name", "category", "cues"} - set(entry)
            if missing:
                self.fail(where, f"missing keys {sorted(missing)}")
            if set(entry) - _SOFT_KEYS:
                self.fail(where, f"unknown keys {sorted(set(entry) - _SOFT_KEYS)}")
            if not isinstance(entry["cues"], list) or not entry["cues"]:
                self.fail(where, "'cues' must be a non-empty list")
            out.append(SoftRule(
                self.category(where, entry["category"]),
                tuple(self.compile(f"{where} cue {j}", c, wrap=True)
                      for j, c in enumerate(entry["cues"])),
                str(entry["name"]),
                anchor=self.compile(f"{where} anchor", entry["anchor"], wrap=True)
                if "anchor" in entry else None,
                unless=self.compile(f"{where} unless", entry["unless"], wrap=True)
                if "unless" in entry else None,
            ))
        return tuple(out)

    def ruleset(self) -> RuleSet:
        words = self.text("hypothetical", self.data["hypothetical"])
        return RuleSet(
            token_map=self.token_map(),
            phrase_map=self.phrase_map(),
            negators=self.compile("negators", self.data["negators"], wrap=True),
            if_before={n: self.compile("hypothetical", rf"\b(?:{words})(?: \w+){{0,{n}}}$")
                       for n in range(1, MAX_CONDITIONAL + 1)},
            topic_before=self.compile(
                "topic", rf"\b(?:{self.text('topic', self.data['topic'])})(?: \w+){{0,1}}$"),
            rules=self.rules(),
            soft_rules=self.soft_rules(),
            words=frozenset(_words_in(self.data)),
        )


def _words_in(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(re.findall(r"[a-z]+", re.sub(r"\\[a-zA-Z]", " ", value).lower()))
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    if not isinstance(items, list):
        return set()
    found: set[str] = set()
    for item in items:
        found |= _words_in(item)
    return found


@functools.cache
def load_rules(path: str | None = None) -> RuleSet:
    """The rules in ``path`` (default ``data/screening_rules.yaml``), compiled; cached."""
    import yaml

    p = Path(path or RULES_PATH)
    try:
        with open(p, encoding="utf-8") as fh:
            # a safe loader, in C when PyYAML has it: ten times faster on this file
            safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(fh, Loader=safe_loader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise RulesDataError(f"{p}: not valid YAML: {exc}") from None
    return _Reader(p, data).ruleset()


# ---------------------------------------------------------------------------------------------
# Applying them
# ---------------------------------------------------------------------------------------------

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`\u00b4]")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_MAX_STRETCHES = 4
_SENTENCE_END = re.compile(r"[.!?;:\n\r]+|,(?=\s)")
_NON_WORD = re.compile(r"[^a-z0-9. ]+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, de-slanged text the rules run on. Sentences are separated by " . "."""
    rs = load_rules()
    t = unicodedata.normalize("NFKC", text or "")[:MAX_CHARS].lower()
    t = _APOSTROPHES.sub("", t)
    t = t.replace("&", " and ").replace("+", " and ")
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
        if _REPEATS.search(tok):
            tok = _unstretch(rs, tok)
        mapped = rs.token_map.get(tok, tok)
        if mapped:
            tokens.append(mapped)
    t = " ".join(tokens)
    for pattern, repl in rs.phrase_map:
        t = pattern.sub(repl, t)
    return _SPACES.sub(" ", t).strip(" .")


def _unstretch(rs: RuleSet, tok: str) -> str:
    """A stretched word ("meeee", "daaaad", "killlll") with each run of three or more letters
    squeezed to two or to one: the first spelling the rules know, else every run to two."""
    runs = list(_REPEATS.finditer(tok))
    if len(runs) <= _MAX_STRETCHES:
        for keep in itertools.product((2, 1), repeat=len(runs)):
            out, pos = [], 0
            for m, n in zip(runs, keep, strict=True):
                out.append(tok[pos : m.start()] + m.group(1) * n)
                pos = m.end()
            word = "".join(out) + tok[pos:]
            if word in rs.words or word in rs.token_map:
                return word
    return _REPEATS.sub(r"\1\1", tok)


def _sentence_of(norm: str, start: int, end: int) -> str:
    left = norm.rfind(" . ", 0, start)
    right = norm.find(" . ", end)
    return norm[left + 3 if left >= 0 else 0 : right if right >= 0 else len(norm)]


def _before(norm: str, start: int) -> str:
    left = norm.rfind(" . ", 0, start)
    return norm[left + 3 if left >= 0 else 0 : start].strip()


def _match_ok(rs: RuleSet, rule: Rule, norm: str, m: re.Match[str]) -> bool:
    start, end = m.span()
    before = _before(norm, start)
    if rule.negatable:
        # a negator inside the match or among the two words before it
        window = " ".join(before.split()[-2:] + [m.group(0)])
        if rs.negators.search(window):
            return False
    if rule.conditional and rs.if_before[rule.conditional].search(before):
        return False
    if rule.topical and rs.topic_before.search(before):
        return False
    return rule.unless is None or not rule.unless.search(_sentence_of(norm, start, end))


def _cue(rs: RuleSet, pattern: re.Pattern[str], window: str,
         taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The span of the first cue of ``pattern`` in ``window`` that is not negated, not
    hypothetical and does not overlap a ``taken`` span."""
    for m in pattern.finditer(window):
        if any(m.start() < end and start < m.end() for start, end in taken):
            continue
        before = window[: m.start()].split()
        # only the words before: some cues carry their own "not" ("not wake up")
        if rs.negators.search(" ".join(before[-2:])):
            continue
        if rs.if_before[3].search(" ".join(before)):
            continue
        return m.span()
    return None


def _soft_hits(rs: RuleSet, norm: str) -> list[tuple[str, str]]:
    hits: list[tuple[str, str]] = []
    sentences = [s for s in norm.split(" . ") if s]
    windows = sentences + [f"{a} {b}" for a, b in zip(sentences, sentences[1:], strict=False)]
    for rule in rs.soft_rules:
        if not all(group.search(norm) for group in rule.groups):
            continue  # cheap test first: a long answer is mostly skipped here
        for window in windows:
            if rule.unless is not None and rule.unless.search(window):
                continue
            if rule.anchor is not None and not rule.anchor.search(window):
                continue
            found: list[tuple[int, int]] = []
            for group in rule.groups:
                span = _cue(rs, group, window, found)
                if span is None:
                    break
                found.append(span)
            if len(found) == len(rule.groups):
                cues = " + ".join(window[a:b] for a, b in found)
                hits.append((rule.category, f"{rule.name}: {cues}"))
                break
    return hits


def rule_hits(norm: str) -> list[tuple[str, str]]:
    """(category, evidence) for every hard rule matching the normalised answer, then for
    every soft rule of a category the hard rules did not find."""
    hits: list[tuple[str, str]] = []
    if not norm:
        return hits
    rs = load_rules()
    for rule in rs.rules:
        if rule.requires is not None and not rule.requires.search(norm):
            continue
        for m in rule.pattern.finditer(norm):
            if _match_ok(rs, rule, norm, m):
                hits.append((rule.category, m.group(0).strip()[:80]))
                break
    found = {c for c, _ in hits}
    hits.extend((c, e) for c, e in _soft_hits(rs, norm) if c not in found)
    return hits
