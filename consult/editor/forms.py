"""The editor's forms, read and checked on the server (plain functions over the posted
values, as the admin pages do). Each returns (the change, errors by field id, the values to
show back), so a form with an error keeps everything the person typed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from consult.editor.codes import UsedCodes, unique_code
from consult.editor.options import exclusive_last, move_option, option_rows, options_from_rows
from surveys.answers import clean_text
from surveys.schema import CHOICE_TYPES, CODE, TEXT_TYPES

QUESTION_TYPES = [
    ("radio", "One answer from a list (radios)"),
    ("checkboxes", "Any number of answers from a list (checkboxes)"),
    ("select", "One answer from a long list (drop-down)"),
    ("scale", "A rating scale (radios)"),
    ("short_text", "A short text answer"),
    ("long_text", "A long text answer"),
]
NEW_OPTION_ROWS = 3
MAX_LENGTH_LIMIT = 10000


# --- show_if ----------------------------------------------------------------------------------
def show_if_value(cond: dict | None) -> str:
    """The select value for a condition: ``code|equals|opt``, ``code|any_of|a,b`` or
    ``code|answered``."""
    if not cond:
        return ""
    if cond.get("equals") is not None:
        return f"{cond['question']}|equals|{cond['equals']}"
    if cond.get("any_of") is not None:
        return f"{cond['question']}|any_of|{','.join(cond['any_of'])}"
    return f"{cond['question']}|answered"


def show_if_choices(candidates: list[dict], current: dict | None) -> list[tuple[str, str]]:
    """(value, text) for a select of the conditions a question or page may have."""
    choices = [("", "Always")]
    for q in candidates:
        label = _short(q.get("label", q.get("code", "")))
        if q.get("type") in CHOICE_TYPES:
            for o in q.get("options") or []:
                choices.append(
                    (f"{q['code']}|equals|{o['code']}", f"‘{label}’ is answered ‘{o['label']}’")
                )
        choices.append((f"{q['code']}|answered", f"‘{label}’ is answered"))
    value = show_if_value(current)
    if value and value not in {v for v, _ in choices}:
        # A condition the editor cannot build (several options, or a question now later):
        # kept as it is until someone chooses another.
        choices.append((value, f"As now: {value.replace('|', ' ')}"))
    return choices


def describe_condition(defn: dict, cond: dict | None) -> str:
    """``Shown when ‘Did you report it?’ is ‘No’`` for the editor's overview."""
    if not cond:
        return ""
    target = next(
        (
            q
            for p in defn.get("pages") or []
            for q in p.get("questions") or []
            if q.get("code") == cond.get("question")
        ),
        {},
    )
    label = _short(target.get("label", cond.get("question", "")))
    names = {o.get("code"): o.get("label") for o in target.get("options") or []}
    if cond.get("answered") is not None:
        return f"‘{label}’ is {'answered' if cond['answered'] else 'not answered'}"
    wanted = [cond["equals"]] if cond.get("equals") is not None else cond.get("any_of") or []
    return f"‘{label}’ is " + " or ".join(f"‘{names.get(w, w)}’" for w in wanted)


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_show_if(value: str) -> dict | None:
    if not value:
        return None
    parts = value.split("|")
    if len(parts) == 2 and parts[1] == "answered":
        return {"question": parts[0], "answered": True}
    if len(parts) == 3 and parts[1] == "equals":
        return {"question": parts[0], "equals": parts[2]}
    if len(parts) == 3 and parts[1] == "any_of":
        return {"question": parts[0], "any_of": parts[2].split(",")}
    return None


# --- questions ----------------------------------------------------------------------------------
def question_values(q: dict | None) -> dict:
    """The form's values for an existing question (or a blank new one)."""
    q = q or {}
    values = {
        "type": q.get("type", ""),
        "label": q.get("label", ""),
        "hint": q.get("hint") or "",
        "short_label": q.get("short_label") or "",
        "code": q.get("code", ""),
        "optional": "" if q.get("required", True) else "1",
        "max_length": str(q.get("max_length") or ""),
        "free_text_analysis": "1" if q.get("free_text_analysis") else "",
        "show_if": show_if_value(q.get("show_if")),
        "options": [
            {
                "code": o["code"],
                "label": o.get("label", ""),
                "hint": o.get("hint") or "",
                "exclusive": "1" if o.get("exclusive") else "",
                "remove": "",
            }
            for o in q.get("options") or []
        ],
        "new_options": [
            {"label": "", "hint": "", "exclusive": ""} for _ in range(NEW_OPTION_ROWS)
        ],
        "options_from": q.get("options_from"),
    }
    return values


def _text(form: Mapping, key: str) -> str:
    return clean_text(form.get(key, "") or "")


def parse_question(
    form: Mapping,
    existing: dict | None,
    taken_codes: set[str],
    used: UsedCodes,
) -> tuple[dict, dict[str, str], dict]:
    """Read the question form. ``existing``: the question being changed (None: a new one);
    ``taken_codes``: codes of the draft's other questions."""
    errors: dict[str, str] = {}
    values = question_values(existing)
    for key in ("type", "label", "hint", "short_label", "code", "max_length", "show_if"):
        values[key] = _text(form, key)
    values["optional"] = "1" if form.get("optional") else ""
    values["free_text_analysis"] = "1" if form.get("free_text_analysis") else ""
    values["options"] = option_rows(form, values["options"], _text)
    for j, row in enumerate(values["new_options"]):
        row["label"] = _text(form, f"new-{j}-label")
        row["hint"] = _text(form, f"new-{j}-hint")
        row["exclusive"] = "1" if form.get(f"new-{j}-exclusive") else ""
    values["moved"] = move_option(form, values["options"])
    values["options"] = exclusive_last(values["options"])

    kind = values["type"]
    if kind not in dict(QUESTION_TYPES):
        errors["type"] = "Select the type of question"
    if not values["label"]:
        errors["label"] = "Enter the question"

    # The code: kept for an existing question; made from the label (or typed) for a new one.
    if existing is not None:
        code = existing["code"]
    elif values["code"]:
        code = values["code"]
        if not re.match(CODE, code) or len(code) > 64:
            errors["code"] = (
                "Enter a code that starts with a letter and has only lower-case letters, "
                "numbers and underscores"
            )
        elif code in taken_codes:
            errors["code"] = f"Enter another code: ‘{code}’ is used by another question"
    else:
        # Never a code an earlier version used for a question that is no longer here.
        code = unique_code(values["label"], taken_codes | used.questions, fallback="question")

    new = dict(existing or {})
    new["code"] = code
    if kind:
        new["type"] = kind
    new["label"] = values["label"]
    for key in ("hint", "short_label"):
        if values[key]:
            new[key] = values[key]
        else:
            new.pop(key, None)
    new["required"] = not values["optional"]

    if kind in CHOICE_TYPES and not new.get("options_from"):
        options = options_from_rows(values, existing, code, used)
        if not options:
            errors["new-0-label"] = "Enter at least one option"
        elif kind == "scale" and len(options) < 2:
            errors["new-0-label"] = "Enter at least two points for the scale"
        new["options"] = options
    else:
        if kind not in CHOICE_TYPES:
            new.pop("options", None)
            new.pop("options_from", None)
    if kind in TEXT_TYPES:
        if kind == "long_text":
            new.pop("format", None)
        if values["max_length"]:
            try:
                limit = int(values["max_length"])
            except ValueError:
                limit = 0
            if not 1 <= limit <= MAX_LENGTH_LIMIT:
                errors["max_length"] = (
                    f"Enter the most characters allowed as a number from 1 to {MAX_LENGTH_LIMIT:,}"
                )
            else:
                new["max_length"] = limit
        else:
            new.pop("max_length", None)
        new["free_text_analysis"] = bool(values["free_text_analysis"])
    else:
        new.pop("max_length", None)
        new.pop("format", None)
        new.pop("free_text_analysis", None)

    cond = parse_show_if(values["show_if"])
    if values["show_if"] and cond is None:
        errors["show_if"] = "Select when to show this question"
    if cond:
        new["show_if"] = cond
    else:
        new.pop("show_if", None)
    return new, errors, values


# --- pages ----------------------------------------------------------------------------------------
def parse_page(form: Mapping) -> tuple[dict, dict[str, str], dict]:
    values = {key: _text(form, key) for key in ("title", "hint", "show_if")}
    errors: dict[str, str] = {}
    cond = parse_show_if(values["show_if"])
    if values["show_if"] and cond is None:
        errors["show_if"] = "Select when to show this page"
    changes = {"title": values["title"], "hint": values["hint"], "show_if": cond}
    return changes, errors, values


# --- survey details -------------------------------------------------------------------------------
DATE_NAMES = {"opens": "the survey opens", "closes": "the survey closes"}


def settings_values(defn: dict) -> dict:
    values = {
        key: str(defn.get(key) or "")
        for key in ("title", "audience", "intro", "privacy_notice", "help_text")
    }
    values["retention_days"] = str(defn.get("retention_days") or 730)
    for key in DATE_NAMES:
        try:
            day = dt.date.fromisoformat(str(defn.get(key)))
            values[key] = {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
        except ValueError:
            values[key] = {"day": "", "month": "", "year": ""}
    return values


def _date(form: Mapping, key: str) -> tuple[dict, dt.date | None, str | None]:
    raw = {part: _text(form, f"{key}-{part}") for part in ("day", "month", "year")}
    what = DATE_NAMES[key]
    if not any(raw.values()):
        return raw, None, f"Enter the date {what}"
    missing = [part for part, v in raw.items() if not v]
    if missing:
        return raw, None, f"The date {what} must include a {missing[0]}"
    try:
        day = dt.date(int(raw["year"]), int(raw["month"]), int(raw["day"]))
    except ValueError:
        return raw, None, f"The date {what} must be a real date"
    if not 2000 <= day.year <= 2100:
        return raw, None, f"The date {what} must be a real date"
    return raw, day, None


def parse_settings(form: Mapping) -> tuple[dict, dict[str, str], dict]:
    values = {
        key: _text(form, key)
        for key in ("title", "audience", "intro", "privacy_notice", "help_text", "retention_days")
    }
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = "Enter the survey's title"
    if values["audience"] not in ("public", "classroom"):
        errors["audience"] = "Select who answers the survey"
    if not values["intro"]:
        errors["intro"] = "Enter the introduction people read before they start"
    if not values["privacy_notice"]:
        errors["privacy_notice"] = "Enter how answers are used (the privacy notice)"
    dates = {}
    for key in DATE_NAMES:
        values[key], dates[key], error = _date(form, key)
        if error:
            errors[f"{key}-day"] = error
    if dates.get("opens") and dates.get("closes") and dates["closes"] < dates["opens"]:
        errors["closes-day"] = "The date the survey closes must be on or after the date it opens"
    try:
        retention = int(values["retention_days"])
        if retention < 1:
            raise ValueError
    except ValueError:
        retention = None
        errors["retention_days"] = "Enter how many days answers are kept, as a whole number"
    changes = {
        "title": values["title"],
        "audience": values["audience"],
        "intro": values["intro"],
        "privacy_notice": values["privacy_notice"],
        "help_text": values["help_text"] or None,
        "opens": dates["opens"].isoformat() if dates.get("opens") else None,
        "closes": dates["closes"].isoformat() if dates.get("closes") else None,
        "retention_days": retention,
    }
    return changes, errors, values


def parse_new_survey(form: Mapping, taken: set[str]) -> tuple[dict, dict[str, str], dict]:
    values = {key: _text(form, key) for key in ("title", "survey_id", "audience")}
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = "Enter the survey's title"
    if values["audience"] not in ("public", "classroom"):
        errors["audience"] = "Select who answers the survey"
    survey_id = values["survey_id"] or unique_code(values["title"], taken, fallback="survey")
    if not re.match(CODE, survey_id) or len(survey_id) > 64:
        errors["survey_id"] = (
            "Enter a short name that starts with a letter and has only lower-case letters, "
            "numbers and underscores"
        )
    elif survey_id in taken:
        errors["survey_id"] = f"Enter another short name: ‘{survey_id}’ is already a survey"
    today = dt.date.today()
    definition = {
        "id": survey_id,
        "version": 1,
        "title": values["title"],
        "audience": values["audience"],
        "intro": "",
        "privacy_notice": "",
        "opens": today.isoformat(),
        "closes": today.replace(year=today.year + 1, day=min(today.day, 28)).isoformat(),
        "retention_days": 730,
        "pages": [],
    }
    return definition, errors, values
