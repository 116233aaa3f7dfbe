"""Changes to a draft definition (plain JSON, as stored): add, change, move and remove
pages and questions. Each function returns a new dict and leaves its argument alone.

Codes are kept stable here: a question or option keeps its code whatever its wording
becomes, and new ones get codes from ``codes.unique_code``.
"""

from __future__ import annotations

import copy

from consult.editor.codes import iter_questions, unique_code


class NotInDraft(LookupError):
    """No page or question with that id or code in the draft."""


def pages(defn: dict) -> list[dict]:
    return defn.get("pages") or []


def find_question(defn: dict, code: str) -> tuple[int, int]:
    for p, page in enumerate(pages(defn)):
        for q, question in enumerate(page.get("questions") or []):
            if question.get("code") == code:
                return p, q
    raise NotInDraft(code)


def find_page(defn: dict, page_id: str) -> int:
    for p, page in enumerate(pages(defn)):
        if page.get("id") == page_id:
            return p
    raise NotInDraft(page_id)


def question(defn: dict, code: str) -> dict:
    p, q = find_question(defn, code)
    return defn["pages"][p]["questions"][q]


def question_codes(defn: dict) -> list[str]:
    return [q.get("code", "") for q in iter_questions(defn)]


def _move(items: list, index: int, delta: int) -> bool:
    target = index + delta
    if not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    return True


def move_question(defn: dict, code: str, delta: int) -> dict:
    """Move a question up (-1) or down (+1) within its page (pages move on their own)."""
    out = copy.deepcopy(defn)
    p, q = find_question(out, code)
    _move(out["pages"][p]["questions"], q, delta)
    return out


def move_page(defn: dict, page_id: str, delta: int) -> dict:
    out = copy.deepcopy(defn)
    _move(out["pages"], find_page(out, page_id), delta)
    return out


def remove_question(defn: dict, code: str) -> dict:
    """Remove a question; a page left with no question goes too."""
    out = copy.deepcopy(defn)
    p, q = find_question(out, code)
    del out["pages"][p]["questions"][q]
    if not out["pages"][p]["questions"]:
        del out["pages"][p]
    return out


def remove_page(defn: dict, page_id: str) -> dict:
    out = copy.deepcopy(defn)
    del out["pages"][find_page(out, page_id)]
    return out


def replace_question(defn: dict, code: str, new: dict) -> dict:
    out = copy.deepcopy(defn)
    p, q = find_question(out, code)
    out["pages"][p]["questions"][q] = new
    return out


def add_question(
    defn: dict, new: dict, page_id: str | None = None, after_page: str | None = None
) -> tuple[dict, str]:
    """Add ``new`` at the end of page ``page_id``, or on a page of its own placed after
    ``after_page`` (at the end when None). Returns the new draft and the page's id."""
    out = copy.deepcopy(defn)
    out.setdefault("pages", [])
    if page_id is not None:
        out["pages"][find_page(out, page_id)].setdefault("questions", []).append(new)
        return out, page_id
    taken = {p.get("id") for p in out["pages"]}
    new_id = unique_code(new.get("code", ""), taken, fallback="page")
    at = find_page(out, after_page) + 1 if after_page else len(out["pages"])
    out["pages"].insert(at, {"id": new_id, "questions": [new]})
    return out, new_id


def update_page(defn: dict, page_id: str, changes: dict) -> dict:
    out = copy.deepcopy(defn)
    page = out["pages"][find_page(out, page_id)]
    for key, value in changes.items():
        if value in (None, ""):
            page.pop(key, None)
        else:
            page[key] = value
    return out


def update_settings(defn: dict, changes: dict) -> dict:
    out = copy.deepcopy(defn)
    for key, value in changes.items():
        if value in (None, ""):
            out.pop(key, None)
        else:
            out[key] = value
    return out


def questions_before(defn: dict, code: str | None, page_id: str | None) -> list[dict]:
    """Questions a show_if may look at: those before ``code`` (or, for a new question,
    before the end of page ``page_id``; with neither, before a new last page)."""
    seen: list[dict] = []
    for page in pages(defn):
        for q in page.get("questions") or []:
            if code is not None and q.get("code") == code:
                return seen
            seen.append(q)
        if code is None and page_id is not None and page.get("id") == page_id:
            return seen
    return seen


def questions_on_pages_before(defn: dict, page_id: str) -> list[dict]:
    seen: list[dict] = []
    for page in pages(defn):
        if page.get("id") == page_id:
            return seen
        seen.extend(page.get("questions") or [])
    return seen
