"""Options in the survey editor (issue 24): a new option goes before "None of these", an
option answered on its own stays last, and options and their hints can be moved and
edited."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from consult.editor import forms
from consult.editor.codes import UsedCodes
from consult.editor.drafting import question as drafting_question
from tests.consult.auth.test_auth import signed_in_as
from tests.consult.editor.test_editor import draft_row, stamp, start_draft

PROBLEMS = {
    "code": "problems",
    "type": "checkboxes",
    "label": "Which of these are a problem in your local area?",
    "options": [
        {"code": "asb", "label": "Anti-social behaviour"},
        {"code": "drugs", "label": "Drug dealing", "hint": "Selling or using"},
        {"code": "none", "label": "None of these", "exclusive": True},
    ],
}


def _form(**extra) -> MultiDict:
    data = {"type": "checkboxes", "label": PROBLEMS["label"]}
    for i, o in enumerate(PROBLEMS["options"]):
        data[f"opt-{i}-code"] = o["code"]
        data[f"opt-{i}-label"] = o["label"]
        data[f"opt-{i}-hint"] = o.get("hint", "")
        if o.get("exclusive"):
            data[f"opt-{i}-exclusive"] = "1"
    data.update(extra)
    return MultiDict(data)


def _parse(form):
    return forms.parse_question(form, PROBLEMS, set(), UsedCodes.from_definitions([]))


def test_a_new_option_goes_before_none_of_these():
    new, errors, _ = _parse(_form(**{"new-0-label": "Burglary", "new-0-hint": "Homes or sheds"}))
    assert not errors
    assert [o["label"] for o in new["options"]] == [
        "Anti-social behaviour", "Drug dealing", "Burglary", "None of these",
    ]
    assert new["options"][2]["hint"] == "Homes or sheds"


def test_options_move_and_their_hints_are_edited_but_an_exclusive_one_stays_last():
    # "Move down" on the first option: the form comes back in the new order, unsaved.
    _, _, values = _parse(_form(**{"move": "0-down", "opt-1-hint": "Dealing or using"}))
    assert [r["code"] for r in values["options"]] == ["drugs", "asb", "none"]
    assert values["options"][0]["hint"] == "Dealing or using"
    assert "moved down" in values["moved"]
    # Posted in that order, it is saved in that order.
    reordered = MultiDict(
        {
            "type": "checkboxes",
            "label": PROBLEMS["label"],
            "opt-0-code": "drugs", "opt-0-label": "Drug dealing", "opt-0-hint": "",
            "opt-1-code": "none", "opt-1-label": "None of these", "opt-1-exclusive": "1",
            "opt-2-code": "asb", "opt-2-label": "Anti-social behaviour",
        }
    )
    new, errors, _ = _parse(reordered)
    assert not errors
    # Even sent above another option, "None of these" is kept last.
    assert [o["code"] for o in new["options"]] == ["drugs", "asb", "none"]
    assert "hint" not in new["options"][0]  # a hint emptied is a hint removed
    # "Move up" on "None of these" does not cross the others.
    _, _, values = _parse(_form(move="2-up"))
    assert [r["code"] for r in values["options"]] == ["asb", "drugs", "none"]
    assert "stays last" in values["moved"]


def test_moving_an_option_in_the_editor_keeps_the_typed_changes_until_saved(app, client):
    signed_in_as(app, client, "admin")
    draft_url = start_draft(client)
    url = f"{draft_url}/questions/problems"
    page = client.get(url).data.decode()
    codes = re.findall(r'name="opt-(\d+)-code" value="([a-z_]+)"', page)
    data = {"type": "checkboxes", "label": "Which of these are a problem where you live?"}
    for i, code in codes:
        data[f"opt-{i}-code"] = code
        data[f"opt-{i}-label"] = re.search(
            rf'name="opt-{i}-label" type="text" value="([^"]*)"', page
        ).group(1)
    data["opt-15-exclusive"] = "1"  # "None of these"
    data["stamp"] = stamp(client, url)
    data["new-0-label"] = "Car crime"
    before = drafting_question(draft_row(app).definition, "problems")
    moved = client.post(url, data={**data, "move": "1-up"})
    html = moved.data.decode()
    assert moved.status_code == 200 and "moved up" in html
    assert drafting_question(draft_row(app).definition, "problems") == before  # not saved yet
    assert 'value="Which of these are a problem where you live?"' in html
    order = [c for _, c in re.findall(r'name="opt-(\d+)-code" value="([a-z_]+)"', html)]
    assert order[:2] == ["drugs", "asb"] and order[-1] == "none"
    data.update({f"opt-{i}-code": c for i, c in enumerate(order)})
    data.update({"opt-0-label": "Drug dealing and drug use", "opt-1-label": "Anti-social behaviour"})
    saved = client.post(url, data=data)
    assert saved.status_code == 302, saved.data.decode()[-2000:]
    options = drafting_question(draft_row(app).definition, "problems")["options"]
    labels = [o["label"] for o in options]
    assert labels[:2] == ["Drug dealing and drug use", "Anti-social behaviour"]
    assert labels[-2:] == ["Car crime", "None of these"] and options[-1]["exclusive"]
