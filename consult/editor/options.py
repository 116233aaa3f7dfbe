"""A choice question's options in the editor's form: the rows as posted (in the order
the person arranged them), the Move up / Move down buttons, and the options they make.
An option answered on its own ("None of these", "Don't know") always stays last."""

from __future__ import annotations

from collections.abc import Mapping

from consult.editor.codes import UsedCodes, unique_code


def exclusive_last(items: list[dict]) -> list[dict]:
    """Options (or form rows) with the answer-on-its-own ones ("None of these", "Don't
    know") after the others, each group in its own order."""
    return sorted(items, key=lambda o: bool(o.get("exclusive")))


def option_rows(form: Mapping, rows: list[dict], text) -> list[dict]:
    """The existing options' rows as posted: in the order the form sent their codes (the
    order the person arranged), each with its wording, hint and settings. ``text`` reads
    and cleans one field of the form."""
    by_code = {row["code"]: row for row in rows}
    posted = [form.get(f"opt-{i}-code", "") for i in range(len(rows))]
    order = posted if sorted(posted) == sorted(by_code) else list(by_code)
    out = []
    for i, code in enumerate(order):
        row = dict(by_code[code])
        row["label"] = text(form, f"opt-{i}-label")
        row["hint"] = text(form, f"opt-{i}-hint")
        row["exclusive"] = "1" if form.get(f"opt-{i}-exclusive") else ""
        row["remove"] = "1" if form.get(f"opt-{i}-remove") else ""
        out.append(row)
    return out


def move_option(form: Mapping, rows: list[dict]) -> str:
    """Apply a "Move up"/"Move down" button (``move=<index>-up``) to the rows in place.
    Returns what moved, to say so ("" when no move button was pressed). An exclusive
    option stays below the others whatever is pressed."""
    index, _, direction = (form.get("move") or "").partition("-")
    if not index.isdigit() or direction not in ("up", "down") or int(index) >= len(rows):
        return ""
    i = int(index)
    j = i - 1 if direction == "up" else i + 1
    name = rows[i]["label"] or rows[i]["code"]
    if 0 <= j < len(rows) and bool(rows[i]["exclusive"]) == bool(rows[j]["exclusive"]):
        rows[i], rows[j] = rows[j], rows[i]
        return f"‘{name}’ moved {direction}. Save the question to keep the new order"
    return f"‘{name}’ cannot move {direction}: an option answered on its own stays last"


def options_from_rows(
    values: dict, existing: dict | None, code: str, used: UsedCodes
) -> list[dict]:
    """Kept options keep their codes (whatever their new label); new ones get codes that
    neither this question nor any published version of it has used. New options go before
    an exclusive one ("None of these" stays last)."""
    old = {o["code"]: o for o in (existing or {}).get("options") or []}
    options: list[dict] = []
    for row in values["options"]:
        if row["remove"] or not row["label"]:
            continue
        option = dict(old.get(row["code"], {"code": row["code"]}))
        option["label"] = row["label"]
        _set_hint(option, row["hint"])
        option["exclusive"] = bool(row["exclusive"])
        options.append(option)
    taken = set(old) | used.options_of(code)
    for row in values["new_options"]:
        if not row["label"]:
            continue
        new_code = unique_code(row["label"], taken, fallback="option")
        taken.add(new_code)
        option = {"code": new_code, "label": row["label"], "exclusive": bool(row["exclusive"])}
        _set_hint(option, row["hint"])
        options.append(option)
    return exclusive_last(options)


def _set_hint(option: dict, hint: str) -> None:
    if hint:
        option["hint"] = hint
    else:
        option.pop("hint", None)
