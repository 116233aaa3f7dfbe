"""Preview a draft exactly as a respondent walks it, storing nothing.

The same answer rules as the live journey (``surveys.answers``) and the same templates;
answers live only in the signed session cookie of the member of staff previewing, under
one key per draft, and never reach the database.
"""

from __future__ import annotations

from flask import session

from surveys import answers as rules
from surveys.schema import SurveyDefinition


def _key(draft_id: int) -> str:
    return f"editor_preview:{draft_id}"


def state(draft_id: int) -> dict:
    found = session.get(_key(draft_id)) or {}
    return {"answers": dict(found.get("answers") or {}), "done": list(found.get("done") or [])}


def restart(draft_id: int) -> None:
    session.pop(_key(draft_id), None)


def save_page(draft_id: int, defn: SurveyDefinition, page_id: str, values: dict) -> dict:
    current = state(draft_id)
    page = defn.page(page_id)
    answers = {**current["answers"], **values}
    for q in page.questions:
        if q.code not in values:
            answers.pop(q.code, None)
    current["answers"] = rules.prune(defn, answers)
    if page_id not in current["done"]:
        current["done"].append(page_id)
    session[_key(draft_id)] = current
    return current


def next_page_id(defn: SurveyDefinition, current: dict, page_id: str, change: bool) -> str | None:
    """Where a respondent goes after ``page_id``, as in the live journey. None: check
    answers."""
    return rules.next_page_id(defn, current["answers"], set(current["done"]), page_id, change)


def previous_page_id(defn: SurveyDefinition, answers: dict, page_id: str) -> str | None:
    ids = [p.id for p in rules.visible_pages(defn, answers)]
    if page_id in ids and ids.index(page_id) > 0:
        return ids[ids.index(page_id) - 1]
    return None


def position(defn: SurveyDefinition, answers: dict, page_id: str) -> tuple[int, int]:
    ids = [p.id for p in rules.visible_pages(defn, answers)]
    return (ids.index(page_id) + 1 if page_id in ids else 1, len(ids))
