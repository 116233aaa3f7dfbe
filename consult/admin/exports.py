"""Response exports (CSV, JSON) and the codebook, built from a survey definition.

Plain functions over a definition and response rows: the view chooses which responses
(always through ``consult.reportable.reportable``) and this module lays them out.

CSV layout, one row per response:
- metadata: reference, survey_id, version, definition_hash, respondent_type, submitted_at;
- radio, select and scale questions: ``<code>`` (the option code) and ``<code>_label``;
- checkboxes: ``<code>__<option>`` per option (1 ticked, 0 not ticked, empty when the
  question was not answered) and ``<code>_label`` (the ticked labels, joined by "; ");
- text questions: ``<code>``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from consult.spreadsheet import SafeDictWriter
from surveys.schema import CHOICE_TYPES, Condition, Question, SurveyDefinition

META_COLUMNS = [
    "reference",
    "survey_id",
    "version",
    "definition_hash",
    "respondent_type",
    "submitted_at",
]
LABEL_SEPARATOR = "; "


def checkbox_column(q: Question, option_code: str) -> str:
    return f"{q.code}__{option_code}"


def label_column(q: Question) -> str:
    return f"{q.code}_label"


def question_columns(q: Question) -> list[str]:
    if q.type == "checkboxes":
        return [checkbox_column(q, o.code) for o in q.options or []] + [label_column(q)]
    if q.type in CHOICE_TYPES:
        return [q.code, label_column(q)]
    return [q.code]


def columns(defn: SurveyDefinition) -> list[str]:
    cols = list(META_COLUMNS)
    for q in defn.questions():
        cols.extend(question_columns(q))
    return cols


def _timestamp(value: dt.datetime | None) -> str:
    return value.replace(microsecond=0).isoformat() if value else ""


def metadata(response) -> dict:
    return {
        "reference": response.reference,
        "survey_id": response.survey_id,
        "version": response.survey_version_number,
        "definition_hash": response.definition_hash,
        "respondent_type": response.respondent_type,
        "submitted_at": _timestamp(response.submitted_at),
    }


def csv_row(defn: SurveyDefinition, response) -> dict:
    answers = response.answers or {}
    row = metadata(response)
    for q in defn.questions():
        value = answers.get(q.code)
        if q.type == "checkboxes":
            ticked = value if isinstance(value, list) else ([value] if value else [])
            answered = q.code in answers and value not in (None, "")
            for o in q.options or []:
                row[checkbox_column(q, o.code)] = (1 if o.code in ticked else 0) if answered else ""
            row[label_column(q)] = LABEL_SEPARATOR.join(q.option_label(v) for v in ticked)
        elif q.type in CHOICE_TYPES:
            row[q.code] = value or ""
            row[label_column(q)] = q.option_label(value) if value else ""
        else:
            row[q.code] = value or ""
    return row


def write_csv(defn: SurveyDefinition, responses: Iterable) -> tuple[str, int]:
    """The CSV text (with a byte-order mark so spreadsheet programs read UTF-8) and the
    number of responses in it."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = SafeDictWriter(out, fieldnames=columns(defn), lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for response in responses:
        writer.writerow(csv_row(defn, response))
        count += 1
    return out.getvalue(), count


def answer_labels(defn: SurveyDefinition, answers: dict) -> dict:
    labels: dict = {}
    for q in defn.questions():
        if q.code not in answers:
            continue
        value = answers[q.code]
        if q.type == "checkboxes":
            labels[q.code] = [q.option_label(v) for v in value or []]
        elif q.type in CHOICE_TYPES:
            labels[q.code] = q.option_label(value) if value else None
        else:
            labels[q.code] = value
    return labels


def json_document(defn: SurveyDefinition, responses: Iterable, exported_at: dt.datetime) -> dict:
    """``responses``: each with its metadata, ``answers`` (codes, as stored) and ``labels``
    (the same keys, with option labels in place of codes)."""
    items = []
    for response in responses:
        answers = dict(response.answers or {})
        items.append(
            {**metadata(response), "answers": answers, "labels": answer_labels(defn, answers)}
        )
    return {
        "survey_id": defn.id,
        "version": defn.version,
        "title": defn.title,
        "definition_hash": defn.definition_hash(),
        "exported_at": _timestamp(exported_at),
        "count": len(items),
        "responses": items,
    }


# --- codebook -------------------------------------------------------------------------------
def describe_condition(cond: Condition | None, defn: SurveyDefinition) -> str:
    if cond is None:
        return ""
    if cond.answered is not None:
        return f"{cond.question} {'is answered' if cond.answered else 'is not answered'}"
    try:
        target = defn.question(cond.question)
    except KeyError:
        target = None

    def named(code: str) -> str:
        return f"{code} ({target.option_label(code)})" if target else code

    if cond.equals is not None:
        return f"{cond.question} = {named(cond.equals)}"
    return f"{cond.question} is one of " + ", ".join(named(c) for c in cond.any_of or [])


CODEBOOK_COLUMNS = [
    "page",
    "question_code",
    "type",
    "label",
    "required",
    "show_if",
    "max_length",
    "option_code",
    "option_label",
    "export_column",
]


def codebook(defn: SurveyDefinition) -> list[dict]:
    """One entry per question, each with its options and export columns."""
    entries = []
    for page in defn.pages:
        for q in page.questions:
            conditions = [
                c for c in (describe_condition(page.show_if, defn),
                            describe_condition(q.show_if, defn)) if c
            ]
            entries.append(
                {
                    "page": page.id,
                    "question": q,
                    "code": q.code,
                    "type": q.type,
                    "label": q.label,
                    "required": q.required,
                    "show_if": " and ".join(conditions),
                    "max_length": q.limit if q.type not in CHOICE_TYPES else None,
                    "options": [
                        {
                            "code": o.code,
                            "label": o.label,
                            "exclusive": o.exclusive,
                            "column": checkbox_column(q, o.code)
                            if q.type == "checkboxes"
                            else q.code,
                        }
                        for o in q.options or []
                    ],
                    "columns": question_columns(q),
                }
            )
    return entries


def codebook_csv(defn: SurveyDefinition) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = SafeDictWriter(out, fieldnames=CODEBOOK_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for entry in codebook(defn):
        base = {
            "page": entry["page"],
            "question_code": entry["code"],
            "type": entry["type"],
            "label": entry["label"],
            "required": "yes" if entry["required"] else "no",
            "show_if": entry["show_if"],
            "max_length": entry["max_length"] or "",
        }
        if entry["options"]:
            for option in entry["options"]:
                writer.writerow(
                    {
                        **base,
                        "option_code": option["code"],
                        "option_label": option["label"],
                        "export_column": option["column"],
                    }
                )
            if entry["type"] in CHOICE_TYPES:
                writer.writerow({**base, "export_column": f"{entry['code']}_label"})
        else:
            writer.writerow({**base, "export_column": entry["code"]})
    return out.getvalue()
