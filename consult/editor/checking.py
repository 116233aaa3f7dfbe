"""Check a draft with the schema the YAML files use, and say where each problem is.

``surveys.schema.parse_definition`` is the one judge (the same call ``consult surveys load``
makes through ``load_definition``). Its problems name a path inside the definition
(``pages[3] (reporting).questions[1] (reported).label``) or, for rules across the survey,
the page or question in the message; this module turns them into the editor's anchors
(``question-<code>``, ``page-<id>``, ``settings``) so the error summary links to the place
at fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from surveys.schema import DefinitionError, SurveyDefinition, parse_definition

_PATH = re.compile(r"^pages\[(\d+)\][^.]*(?:\.questions\[(\d+)\][^.]*)?")
_INDEX = re.compile(r"\[(\d+)\](?: \(([^)]*)\))?")
_NAMED = re.compile(r"\b(question|page)(?: id| code)? '([a-z][a-z0-9_]*)'")
SETTINGS_FIELDS = (
    "id",
    "version",
    "title",
    "audience",
    "intro",
    "privacy_notice",
    "opens",
    "closes",
    "retention_days",
    "help_text",
)


@dataclass(frozen=True)
class Problem:
    message: str
    anchor: str


def check(draft: dict) -> tuple[SurveyDefinition | None, list[Problem]]:
    """The parsed definition (None when invalid) and every problem, each with an anchor."""
    try:
        return parse_definition(draft, "draft"), []
    except DefinitionError as exc:
        return None, [_problem(draft, path, msg) for path, msg in exc.problems]


def _problem(draft: dict, path: str, message: str) -> Problem:
    message = message.replace("show_if refers to", "it is shown depending on")
    pages = draft.get("pages") or []
    match = _PATH.match(path)
    if match:
        page = _get(pages, int(match.group(1)))
        if match.group(2) is not None and page is not None:
            question = _get(page.get("questions") or [], int(match.group(2)))
            if question is not None and question.get("code"):
                field = path[match.end() :].lstrip(".")
                if field.startswith("show_if"):
                    field = ""  # the message itself says it is about when it is shown
                return Problem(_where(question, field, message), f"question-{question['code']}")
        if page is not None:
            return Problem(f"Page ‘{_page_name(page)}’: {message}", f"page-{page.get('id', '')}")
    if path.split(".")[0].split("[")[0] in SETTINGS_FIELDS:
        return Problem(f"Survey details, {path.replace('_', ' ')}: {message}", "settings")
    if path == "pages":
        return Problem(f"Pages: {message}", "pages")
    # Rules across the survey name the question or page in their message.
    codes = {q.get("code") for p in pages for q in p.get("questions") or []}
    ids = {p.get("id") for p in pages}
    for kind, name in _NAMED.findall(message):
        # "question 'x': show_if refers to ..." -> "Question ‘Its label’: show_if refers to ..."
        rest = re.sub(rf"^{kind} '{name}': ", "", message)
        if kind == "question" and name in codes:
            question = next(
                q for p in pages for q in p.get("questions") or [] if q.get("code") == name
            )
            return Problem(_where(question, "", rest), f"question-{name}")
        if kind == "page" and name in ids:
            page = next(p for p in pages if p.get("id") == name)
            return Problem(f"Page ‘{_page_name(page)}’: {rest}", f"page-{name}")
    if "closes" in message or "opens" in message:
        return Problem(f"Survey details: {message}", "settings")
    return Problem(message if not path else f"{path}: {message}", "settings")


def _get(items: list, index: int):
    return items[index] if 0 <= index < len(items) and isinstance(items[index], dict) else None


def _where(question: dict, field: str, message: str) -> str:
    label = question.get("label") or question.get("code")
    if len(label) > 60:
        label = label[:57].rstrip() + "…"
    where = f"Question ‘{label}’"
    if field:
        # options[2] (very_safe).label -> "options very_safe label"
        field = _INDEX.sub(lambda m: " " + (m.group(2) or str(int(m.group(1)) + 1)), field)
        where += ", " + field.replace(".", " ").replace("_", " ")
    return f"{where}: {message}"


def _page_name(page: dict) -> str:
    if page.get("title"):
        return page["title"]
    questions = page.get("questions") or []
    return questions[0].get("label", page.get("id", "")) if questions else page.get("id", "")
