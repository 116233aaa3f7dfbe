"""The schema every survey definition must satisfy.

A definition is YAML: id, version, title, audience, intro, privacy notice, opening and
closing dates, and pages of questions with stable codes. ``load_definition`` reads a file
and raises :class:`DefinitionError` naming the file, the path inside it and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CODE = r"^[a-z][a-z0-9_]*$"
Code = Annotated[str, Field(pattern=CODE, max_length=64)]

QuestionType = Literal["radio", "checkboxes", "select", "scale", "short_text", "long_text"]
CHOICE_TYPES = {"radio", "checkboxes", "select", "scale"}
TEXT_TYPES = {"short_text", "long_text"}


class Located(ValueError):
    """A problem found by a whole-definition check, with the path it is at (pydantic
    would place it at the top level)."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    code: Code
    label: str = Field(min_length=1)
    hint: str | None = None
    # An exclusive option ("Prefer not to say", "None of these") cannot be ticked with others.
    exclusive: bool = False


class Condition(Strict):
    """Show a question or page only when an earlier answer matches."""

    question: Code
    equals: str | None = None
    any_of: list[str] | None = None
    answered: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.equals is not None, self.any_of is not None, self.answered is not None]
        if sum(tests) != 1:
            raise ValueError("a condition needs exactly one of equals, any_of or answered")
        return self

    def holds(self, answers: dict) -> bool:
        value = answers.get(self.question)
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        if self.answered is not None:
            return bool(values) == self.answered
        wanted = [self.equals] if self.equals is not None else list(self.any_of or [])
        return any(v in wanted for v in values)


class Question(Strict):
    code: Code
    type: QuestionType
    label: str = Field(min_length=1)
    hint: str | None = None
    required: bool = True
    options: list[Option] | None = None
    # Options supplied per deployment (e.g. "districts"), resolved when the survey is loaded.
    options_from: Literal["districts"] | None = None
    max_length: int | None = Field(default=None, gt=0, le=10000)
    # Extra checks for short text: "postcode_district" keeps only the outward code.
    format: Literal["postcode_district"] | None = None
    show_if: Condition | None = None
    # Free text from this question is analysed for themes (and screened when from pupils).
    free_text_analysis: bool = False
    # Label used in error messages and the check-answers page ("how safe you feel after dark").
    short_label: str | None = None

    @model_validator(mode="after")
    def _options_match_type(self) -> Question:
        if self.type in CHOICE_TYPES:
            if not self.options and not self.options_from:
                raise ValueError(f"a {self.type} question needs options or options_from")
            if self.options and self.options_from:
                raise ValueError("give options or options_from, not both")
            codes = [o.code for o in self.options or []]
            dupes = sorted({c for c in codes if codes.count(c) > 1})
            if dupes:
                raise ValueError(f"option codes repeat: {', '.join(dupes)}")
            if self.max_length is not None:
                raise ValueError("max_length applies to text questions only")
        else:
            if self.options or self.options_from:
                raise ValueError(f"a {self.type} question takes no options")
        if self.format and self.type != "short_text":
            raise ValueError("format applies to short_text questions only")
        if self.type == "scale" and self.options and len(self.options) < 2:
            raise ValueError("a scale needs at least two points")
        return self

    @property
    def limit(self) -> int:
        if self.max_length:
            return self.max_length
        return 200 if self.type == "short_text" else 1200

    def option_label(self, code: str) -> str:
        for option in self.options or []:
            if option.code == code:
                return option.label
        return code


class Page(Strict):
    id: Code
    title: str | None = None
    hint: str | None = None
    questions: list[Question] = Field(min_length=1)
    show_if: Condition | None = None


class SurveyDefinition(Strict):
    id: Code
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    audience: Literal["public", "classroom"]
    intro: str = Field(min_length=1)
    privacy_notice: str = Field(min_length=1)
    opens: dt.date
    closes: dt.date
    retention_days: int = Field(default=730, ge=1)
    # Shown on every page of a classroom survey: where to get help now.
    help_text: str | None = None
    pages: list[Page] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> SurveyDefinition:
        if self.closes < self.opens:
            raise Located("closes", f"closes is before opens ({self.closes} < {self.opens})")
        seen_pages: set[str] = set()
        questions: dict[str, Question] = {}
        every_code = {q.code for page in self.pages for q in page.questions}
        for i, page in enumerate(self.pages):
            where_page = f"pages[{i}] ({page.id})"
            if page.id in seen_pages:
                raise Located(f"{where_page}.id", f"page id {page.id!r} is used twice")
            seen_pages.add(page.id)
            self._check_condition(page.show_if, questions, every_code, f"{where_page}.show_if")
            page_codes = {q.code for q in page.questions}
            # Conditions first: a show_if naming a question that does not exist would
            # otherwise be reported as "needs a title" (it makes its question top level).
            for j, q in enumerate(page.questions):
                # A condition may only look back: to an earlier question.
                where_q = f"{where_page}.questions[{j}] ({q.code})"
                self._check_condition(q.show_if, questions, every_code, f"{where_q}.show_if",
                                      same_page=page.questions[:j])
                if q.code in questions or q.code in {x.code for x in page.questions[:j]}:
                    raise Located(f"{where_q}.code", f"question code {q.code!r} is used twice")
            top_level = [
                q for q in page.questions if not (q.show_if and q.show_if.question in page_codes)
            ]
            if len(top_level) > 1 and not page.title:
                # One question per page, or a tight group under a heading of its own.
                raise Located(
                    where_page, f"page {page.id!r} has several questions, so it needs a title"
                )
            for q in page.questions:
                questions[q.code] = q
        return self

    @staticmethod
    def _check_condition(
        cond: Condition | None, questions: dict, every_code: set, where: str, same_page=()
    ) -> None:
        if cond is None:
            return
        earlier = {**questions, **{q.code: q for q in same_page}}
        if cond.question not in earlier:
            if cond.question in every_code:
                problem = (
                    f"show_if refers to {cond.question!r}, which comes later: a condition can "
                    "only look back to an earlier question"
                )
            else:
                problem = (
                    f"show_if refers to {cond.question!r}, but there is no question with that "
                    "code (not an earlier question)"
                )
            raise Located(f"{where}.question", problem)
        target = earlier[cond.question]
        wanted = [cond.equals] if cond.equals is not None else cond.any_of or []
        if target.options and wanted:
            codes = {o.code for o in target.options}
            unknown = [w for w in wanted if w not in codes]
            if unknown:
                raise Located(
                    where, f"show_if on {cond.question!r} uses unknown option {unknown[0]!r}"
                )

    # --- navigation helpers -------------------------------------------------------------
    def questions(self) -> list[Question]:
        return [q for page in self.pages for q in page.questions]

    def question(self, code: str) -> Question:
        for q in self.questions():
            if q.code == code:
                return q
        raise KeyError(code)

    def page(self, page_id: str) -> Page:
        for page in self.pages:
            if page.id == page_id:
                return page
        raise KeyError(page_id)

    def free_text_questions(self) -> list[Question]:
        return [q for q in self.questions() if q.type in TEXT_TYPES and q.free_text_analysis]

    def is_open(self, today: dt.date) -> bool:
        return self.opens <= today <= self.closes

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def definition_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def resolve_options(self, districts: list[str]) -> SurveyDefinition:
        """Fill deployment-supplied option lists, giving each a stable code."""
        data = self.model_dump(mode="json")
        for page in data["pages"]:
            for q in page["questions"]:
                if q.get("options_from") == "districts":
                    q["options"] = [{"code": slugify(d), "label": d} for d in districts]
                    q["options_from"] = None
        return SurveyDefinition.model_validate(data)


def slugify(text: str) -> str:
    code = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return code if re.match(CODE, code) else f"d_{code}"


class DefinitionError(ValueError):
    """A definition file is broken: says which file, where in it, and what is wrong."""

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = file
        self.problems = problems
        lines = [f"{file}: {path or '(top level)'}: {msg}" for path, msg in problems]
        super().__init__("\n".join(lines))


def _path_of(loc: tuple, data) -> str:
    """Turn a pydantic location into a readable path: pages[2] (id=safety).questions[0]."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            try:
                node = node[item]
                ident = node.get("id") or node.get("code") if isinstance(node, dict) else None
                if ident:
                    label += f" ({ident})"
            except (IndexError, KeyError, TypeError, AttributeError):
                node = None
            parts.append(label)
        else:
            if not str(item).startswith(("function-", "value_error")):
                parts.append(("." if parts else "") + str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return "".join(parts)


def parse_definition(data, file: str = "<definition>") -> SurveyDefinition:
    if not isinstance(data, dict):
        raise DefinitionError(file, [("", "the file must hold a mapping (key: value) at the top")])
    try:
        return SurveyDefinition.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            path = _path_of(err["loc"], data)
            original = (err.get("ctx") or {}).get("error")
            if isinstance(original, Located):
                path = ".".join(p for p in (path, original.path) if p)
            elif err["type"].startswith(("date_", "datetime_")):
                msg = f"{err.get('input')!r} is not a real date, like 2026-03-31 ({msg})"
            problems.append((path, msg))
        raise DefinitionError(file, problems) from None


class _DatesAsText(yaml.SafeLoader):
    """YAML's own date parsing raises a bare ValueError on ``2027-02-30`` (a traceback,
    naming neither file nor key): dates stay text here and the schema judges them."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# A survey definition is about six levels deep; far deeper is not a survey (and PyYAML's
# recursive composer would fail with a RecursionError, not a message, at about 1,000).
MAX_NESTING = 50


class _TooDeep(yaml.MarkedYAMLError):
    pass


class _Guarded(_DatesAsText):
    """Refuses nesting deeper than MAX_NESTING while composing, before it recurses."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise _TooDeep(
                    problem=f"nested more than {MAX_NESTING} levels deep: a survey definition "
                    "is a few levels deep (pages, questions, options)",
                    problem_mark=self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str, file: str = "<definition>") -> SurveyDefinition:
    """A definition from YAML text (a file, or an upload in the survey editor). Dates stay
    text for the schema to judge; what is wrong is a DefinitionError naming where."""
    try:
        data = yaml.load(text, Loader=_Guarded)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem if isinstance(exc, _TooDeep) else f"not valid YAML: {exc}"
        raise DefinitionError(file, [(where, problem)]) from None
    return parse_definition(data, file)


def load_definition(path: str | Path) -> SurveyDefinition:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(str(path), [("", f"cannot read the file: {exc}")]) from None
    return parse_yaml(text, str(path))


def definition_files(directory: str | Path) -> list[Path]:
    """Survey definitions in a folder: every YAML file except the priority taxonomies."""
    directory = Path(directory)
    return sorted(
        p for p in directory.glob("*.yaml") if not p.name.startswith(("priorities", "_"))
    )
