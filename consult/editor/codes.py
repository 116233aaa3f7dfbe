"""Answer codes that stay stable across versions, so year-on-year comparison lines up.

- Renaming an option or a question keeps its code (the editor never asks for a new one).
- A new option or question gets a new code, made from its label, that no published version
  of the survey has used: a removed code is never given to something else.
- Removing a question or an option, or changing a question's type, breaks comparison with
  earlier years: ``comparison_warnings`` says so, against the latest published version.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from surveys.schema import CHOICE_TYPES

MAX_CODE = 32


def unique_code(text: str, taken: Iterable[str], fallback: str = "code") -> str:
    """A code made from ``text`` (``Don't know`` -> ``dont_know``) not in ``taken``: whole
    words up to MAX_CODE characters, then ``_2``, ``_3``... if it is taken."""
    taken = set(taken)
    # Accents go (café -> cafe); apostrophes join their word, as in the hand-written files.
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "_", re.sub(r"['’]", "", plain)).strip("_").split("_")
    base = ""
    for word in filter(None, words):
        if base and len(base) + 1 + len(word) > MAX_CODE:
            break
        base = f"{base}_{word}" if base else word[:MAX_CODE]
    if not base:
        base = fallback
    elif not base[0].isalpha():
        base = f"{fallback}_{base}"  # "16 to 24" -> option_16_to_24
    code, n = base, 2
    while code in taken:
        code = f"{base}_{n}"
        n += 1
    return code


@dataclass(frozen=True)
class UsedCodes:
    """Every code a survey's published versions have used: never reused for something else."""

    questions: frozenset[str]
    options: dict[str, frozenset[str]]  # question code -> option codes

    @classmethod
    def from_definitions(cls, definitions: Iterable[dict]) -> UsedCodes:
        questions: set[str] = set()
        options: dict[str, set[str]] = {}
        for defn in definitions:
            for q in iter_questions(defn):
                questions.add(q.get("code", ""))
                for o in q.get("options") or []:
                    options.setdefault(q.get("code", ""), set()).add(o.get("code", ""))
        return cls(frozenset(questions), {k: frozenset(v) for k, v in options.items()})

    def options_of(self, question_code: str) -> frozenset[str]:
        return self.options.get(question_code, frozenset())


def iter_questions(defn: dict) -> Iterable[dict]:
    for page in defn.get("pages") or []:
        yield from page.get("questions") or []


@dataclass(frozen=True)
class ComparisonWarning:
    message: str
    anchor: str  # the question in the editor ("question-<code>"), or "changes"


def comparison_warnings(published: dict | None, draft: dict) -> list[ComparisonWarning]:
    """What in ``draft`` breaks comparison with the ``published`` version before it."""
    if not published:
        return []
    version = published.get("version")
    before = {q["code"]: q for q in iter_questions(published)}
    now = {q.get("code"): q for q in iter_questions(draft)}
    warnings: list[ComparisonWarning] = []
    for code, old in before.items():
        label = old.get("label", code)
        if code not in now:
            warnings.append(
                ComparisonWarning(
                    f"The question ‘{label}’ ({code}) is removed: answers to it cannot be "
                    f"compared with version {version} and earlier years",
                    "changes",
                )
            )
            continue
        new = now[code]
        anchor = f"question-{code}"
        if new.get("type") != old.get("type") and not (
            {new.get("type"), old.get("type")} <= {"radio", "scale", "select"}
        ):
            warnings.append(
                ComparisonWarning(
                    f"The question ‘{label}’ ({code}) changes from {old.get('type')} to "
                    f"{new.get('type')}: its answers cannot be compared with earlier years",
                    anchor,
                )
            )
        if old.get("type") in CHOICE_TYPES and new.get("type") in CHOICE_TYPES:
            kept = {o.get("code") for o in new.get("options") or []}
            for o in old.get("options") or []:
                if o["code"] not in kept:
                    warnings.append(
                        ComparisonWarning(
                            f"The option ‘{o['label']}’ ({o['code']}) of ‘{label}’ is removed: "
                            "answers to it cannot be compared with earlier years",
                            anchor,
                        )
                    )
    return warnings
