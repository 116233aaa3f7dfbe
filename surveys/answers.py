"""Answer rules, shared by the web journey and the CSV import so both judge alike.

Answers are a plain dict: question code -> option code (radio, select, scale), list of
option codes (checkboxes) or text (short and long text). Nothing here knows about Flask.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from surveys.schema import Page, Question, SurveyDefinition

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(raw: str) -> str:
    """Normalise typed text: NFC, unix newlines, no control characters, trimmed."""
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def _noun(q: Question) -> str:
    return q.short_label or "an answer"


def validate_value(q: Question, raw: str | list[str] | None) -> tuple[object, str | None]:
    """Check one answer. Returns (clean value or None, error message or None)."""
    if q.type == "checkboxes":
        values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
        values = [v for v in values if v != ""]
        if not values:
            return None, (f"Select {_noun(q)}" if q.required else None)
        codes = {o.code for o in q.options or []}
        if any(v not in codes for v in values):
            return None, "Select from the options shown"
        exclusive = {o.code for o in q.options or [] if o.exclusive}
        chosen_exclusive = [v for v in values if v in exclusive]
        if chosen_exclusive and len(set(values)) > 1:
            label = q.option_label(chosen_exclusive[0])
            return None, f"Select ‘{label}’ on its own, or untick it"
        # keep the definition's order, without repeats
        return [o.code for o in q.options or [] if o.code in set(values)], None

    value = raw[0] if isinstance(raw, list) and raw else raw
    value = "" if value is None else str(value)
    if q.type in ("radio", "select", "scale"):
        if value == "":
            return None, (f"Select {_noun(q)}" if q.required else None)
        if value not in {o.code for o in q.options or []}:
            return None, "Select from the options shown"
        return value, None

    text = clean_text(value)
    if not text:
        return None, (f"Enter {_noun(q)}" if q.required else None)
    if q.format == "postcode_district":
        return postcode_district(text)
    if len(text) > q.limit:
        what = (q.short_label or "Your answer")
        what = what[0].upper() + what[1:]
        return text, f"{what} must be {q.limit} characters or fewer"
    return text, None


_OUTWARD = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s*[0-9][A-Z]{2})?$")


def postcode_district(text: str) -> tuple[str | None, str | None]:
    """Keep the outward code only (e.g. "BN11"): a full postcode is cut to its first half,
    so no full postcode is ever stored."""
    match = _OUTWARD.match(text.upper().replace(" ", " ").strip())
    if not match:
        return None, "Enter the first part of a postcode, like BN11"
    return match.group(1), None


def is_visible(cond, answers: Mapping) -> bool:
    return cond is None or cond.holds(dict(answers))


def visible_pages(defn: SurveyDefinition, answers: Mapping) -> list[Page]:
    answers = prune(defn, answers)
    return [p for p in defn.pages if is_visible(p.show_if, answers)]


def visible_questions(page: Page, answers: Mapping) -> list[Question]:
    return [q for q in page.questions if is_visible(q.show_if, answers)]


def parse_page(
    page: Page, form: Mapping[str, list[str]], answers: Mapping
) -> tuple[dict, dict[str, str], dict]:
    """Read one page's posted values.

    Returns (clean values to save, errors by question code, raw values to show back).
    Questions on the same page may depend on each other, so visibility is judged with the
    page's own new answers merged in.
    """
    raw = {}
    for q in page.questions:
        got = form.get(q.code, [])
        raw[q.code] = got if q.type == "checkboxes" else (got[0] if got else "")
    merged = {**answers, **raw}
    values: dict = {}
    errors: dict[str, str] = {}
    for q in visible_questions(page, merged):
        value, error = validate_value(q, raw[q.code])
        if error:
            errors[q.code] = error
        else:
            values[q.code] = value
    return values, errors, raw


def prune(defn: SurveyDefinition, answers: Mapping) -> dict:
    """Drop answers to questions that are no longer shown (after a change of an earlier
    answer), walking the survey in order so chains of conditions resolve."""
    kept: dict = {}
    for page in defn.pages:
        if not is_visible(page.show_if, kept):
            continue
        for q in page.questions:
            if q.code in answers and is_visible(q.show_if, kept):
                kept[q.code] = answers[q.code]
    return kept


def validate_all(defn: SurveyDefinition, answers: Mapping) -> dict[str, str]:
    """Every visible question checked: the authority at submission and at import."""
    errors: dict[str, str] = {}
    answers = prune(defn, answers)
    for page in visible_pages(defn, answers):
        for q in visible_questions(page, answers):
            _, error = validate_value(q, answers.get(q.code))
            if error:
                errors[q.code] = error
    return errors


def first_incomplete_page(
    defn: SurveyDefinition, answers: Mapping, done_pages: set[str] | list[str]
) -> Page | None:
    """The first shown page the person has not completed: never saved, or with an answer
    that no longer passes (e.g. a newly shown required question)."""
    answers = prune(defn, answers)
    for page in visible_pages(defn, answers):
        if page.id not in done_pages:
            return page
        for q in visible_questions(page, answers):
            if validate_value(q, answers.get(q.code))[1]:
                return page
    return None


def next_page_id(
    defn: SurveyDefinition, answers: Mapping, done_pages, page_id: str, change: bool
) -> str | None:
    """Where "Save and continue" on ``page_id`` goes (None: check answers). In the usual
    order, the next page shown, answered before or not: someone who went Back two pages
    walks forward through the page in between. After a change from check answers, the
    first incomplete page, else check answers."""
    answers = prune(defn, answers)
    if not change:
        ids = [p.id for p in visible_pages(defn, answers)]
        if page_id in ids and ids.index(page_id) + 1 < len(ids):
            return ids[ids.index(page_id) + 1]
    incomplete = first_incomplete_page(defn, answers, done_pages)
    return incomplete.id if incomplete is not None else None


def display_value(q: Question, value) -> str:
    """Human-readable answer for check-answers pages and exports."""
    if value in (None, "", []):
        return ""
    if q.type == "checkboxes":
        return "; ".join(q.option_label(v) for v in value)
    if q.type in ("radio", "select", "scale"):
        return q.option_label(value)
    return str(value)
