"""The survey editor's rules without a database: stable codes, warnings that comparison
breaks, where the schema's problems point, draft changes, and the YAML round trip."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from werkzeug.datastructures import MultiDict

from consult.editor import checking, drafting, forms
from consult.editor.codes import UsedCodes, comparison_warnings, unique_code
from consult.editor.yaml_io import from_yaml, to_yaml
from surveys import SURVEYS_DIR
from surveys.schema import DefinitionError, definition_files, load_definition

SURVEY_FILES = definition_files(SURVEYS_DIR)


def residents() -> dict:
    return load_definition(Path(SURVEYS_DIR) / "residents.yaml").model_dump(mode="json")


# --- YAML -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", SURVEY_FILES, ids=lambda p: p.name)
def test_yaml_export_round_trips_byte_for_byte(path):
    defn = load_definition(path)
    text = to_yaml(defn)
    again = from_yaml(text)
    assert to_yaml(again) == text
    # ...and the definition is the one in the file: same content, same hash.
    assert again == defn and again.definition_hash() == defn.definition_hash()
    # Written like the hand-written files: dates as dates, text blocks, no defaults.
    assert f"opens: {defn.opens.isoformat()}\n" in text
    assert "intro: |\n" in text and "exclusive: false" not in text


def test_yaml_round_trip_of_a_published_version_with_districts_filled_in():
    defn = load_definition(Path(SURVEYS_DIR) / "residents.yaml").resolve_options(
        ["Adur", "Worthing", "St Mary's"]
    )
    text = to_yaml(defn)
    assert "options_from" not in text and "label: St Mary's" in text
    assert from_yaml(text) == defn and to_yaml(from_yaml(text)) == text


def test_yaml_import_says_what_is_wrong():
    with pytest.raises(DefinitionError) as bad_yaml:
        from_yaml("id: [unclosed\n", "next.yaml")
    assert "next.yaml: line 2, column 1" in str(bad_yaml.value) and "not valid YAML" in str(bad_yaml.value)
    data = residents()
    data["pages"][0]["questions"][0]["type"] = "slider"
    with pytest.raises(DefinitionError) as bad_type:
        from_yaml(yaml.safe_dump(data), "next.yaml")
    assert "pages[0] (area).questions[0] (district).type" in str(bad_type.value)


# --- codes ------------------------------------------------------------------------------------
def test_new_codes_come_from_the_words_and_are_never_taken():
    assert unique_code("Don't know", []) == "dont_know"
    assert unique_code("Yes", ["yes", "yes_2"]) == "yes_3"
    assert unique_code("16 to 24", [], fallback="option") == "option_16_to_24"
    assert unique_code("  ", [], fallback="option") == "option"
    assert unique_code("Café culture", []) == "cafe_culture"
    long = unique_code("Have e-scooters or e-bikes caused problems where you live?", [])
    assert long == "have_e_scooters_or_e_bikes" and len(long) <= 32


def _question_form(existing: dict | None, **fields) -> MultiDict:
    values = forms.question_values(existing)
    data = {
        "type": values["type"],
        "label": values["label"],
        "show_if": values["show_if"],
    }
    for i, row in enumerate(values["options"]):
        data[f"opt-{i}-label"] = row["label"]
        data[f"opt-{i}-code"] = row["code"]
        if row["exclusive"]:
            data[f"opt-{i}-exclusive"] = "1"
    if existing and not existing.get("required", True):
        data["optional"] = "1"
    data.update(fields)
    return MultiDict(data)


def test_renaming_an_option_keeps_its_code_and_a_new_option_gets_a_new_one():
    defn = residents()
    before = drafting.question(defn, "safety_change")
    used = UsedCodes.from_definitions([defn])
    form = _question_form(
        before, **{"opt-2-label": "Less safe than before", "new-0-label": "Much safer"}
    )
    new, errors, _ = forms.parse_question(form, before, set(), used)
    assert errors == {}
    assert [o["code"] for o in new["options"]] == [
        "safer",
        "same",
        "less_safe",
        "dont_know",
        "much_safer",
    ]
    assert new["options"][2]["label"] == "Less safe than before"
    assert new["code"] == "safety_change"


def test_a_removed_code_is_never_given_to_a_new_option():
    defn = residents()
    before = drafting.question(defn, "safety_change")
    used = UsedCodes.from_definitions([defn])
    # "Don't know" removed, then added back as a new option: it cannot take dont_know,
    # which earlier years' answers mean.
    form = _question_form(before, **{"opt-3-remove": "1", "new-0-label": "Don't know"})
    new, errors, _ = forms.parse_question(form, before, set(), used)
    assert errors == {}
    assert [o["code"] for o in new["options"]] == ["safer", "same", "less_safe", "dont_know_2"]


def test_a_new_question_never_takes_a_code_an_earlier_version_used():
    defn = residents()
    used = UsedCodes.from_definitions([defn])
    without = drafting.remove_question(defn, "incident")
    form = MultiDict({"type": "radio", "label": "Incident", "new-0-label": "Yes"})
    taken = set(drafting.question_codes(without))
    new, errors, _ = forms.parse_question(form, None, taken, used)
    assert errors == {} and new["code"] == "incident_2"
    # A code typed by hand that another question has is refused.
    typed = MultiDict({"type": "short_text", "label": "Where?", "code": "district"})
    _, errors, values = forms.parse_question(typed, None, taken, used)
    assert errors["code"] == "Enter another code: ‘district’ is used by another question"
    assert values["label"] == "Where?"  # what was typed is kept


def test_question_form_errors_are_written_for_people():
    used = UsedCodes.from_definitions([])
    _, errors, _ = forms.parse_question(MultiDict({}), None, set(), used)
    assert errors == {"type": "Select the type of question", "label": "Enter the question"}
    _, errors, _ = forms.parse_question(
        MultiDict({"type": "scale", "label": "How safe?", "new-0-label": "Safe"}), None, set(), used
    )
    assert errors == {"new-0-label": "Enter at least two points for the scale"}
    _, errors, _ = forms.parse_question(
        MultiDict({"type": "long_text", "label": "Why?", "max_length": "lots"}), None, set(), used
    )
    assert "max_length" in errors


def test_comparison_warnings_against_the_published_version():
    published = residents()
    draft = copy.deepcopy(published)
    assert comparison_warnings(published, draft) == []
    # Rewording and adding are fine.
    draft["pages"][4]["questions"][0]["label"] = "Is your area safer than last year?"
    draft["pages"][4]["questions"][0]["options"].append({"code": "much_safer", "label": "Much"})
    assert comparison_warnings(published, draft) == []
    # Removing an option, removing a question, changing a type: each says so.
    draft["pages"][4]["questions"][0]["options"].pop(0)
    draft = drafting.remove_question(draft, "incident")
    drafting.question(draft, "connection")["type"] = "radio"
    messages = [w.message for w in comparison_warnings(published, draft)]
    assert any("‘Safer’ (safer)" in m and "is removed" in m for m in messages)
    assert any("(incident) is removed" in m for m in messages)
    assert any("(connection) changes from checkboxes to radio" in m for m in messages)
    assert all("earlier years" in m or "version 1" in m for m in messages)
    # One answer from a list to another (radios to a drop-down) still compares.
    draft2 = copy.deepcopy(published)
    drafting.question(draft2, "safety_change")["type"] = "select"
    assert comparison_warnings(published, draft2) == []
    assert comparison_warnings(None, draft) == []


# --- checking -----------------------------------------------------------------------------------
def test_schema_problems_point_at_the_question_or_page_at_fault():
    assert checking.check(residents())[1] == []
    draft = residents()
    draft["pages"][5]["questions"].reverse()  # problems_other before problems
    defn, problems = checking.check(draft)
    assert defn is None
    [problem] = problems
    assert problem.anchor == "question-problems_other"
    assert problem.message.startswith("Question ‘What else is a problem in your area?’")
    assert "which comes later: a condition can only look back" in problem.message

    draft = residents()
    drafting.question(draft, "safe_day")["label"] = ""
    [problem] = checking.check(draft)[1]
    assert problem.anchor == "question-safe_day" and ", label:" in problem.message

    draft = residents()
    draft["pages"][1]["questions"].append({"code": "x", "type": "short_text", "label": "X?"})
    [problem] = checking.check(draft)[1]
    assert problem.anchor == "page-connection" and "needs a title" in problem.message

    draft = residents()
    draft["intro"] = ""
    [problem] = checking.check(draft)[1]
    assert problem.anchor == "settings"


# --- draft changes --------------------------------------------------------------------------------
def test_moving_and_removing_pages_and_questions():
    defn = residents()
    moved = drafting.move_page(defn, "worries", -1)
    ids = [p["id"] for p in moved["pages"]]
    assert ids.index("worries") == ids.index("problems") - 1
    assert [p["id"] for p in defn["pages"]] != ids  # the original is left alone
    # A move past either end changes nothing.
    assert drafting.move_page(defn, "area", -1) == defn
    swapped = drafting.move_question(defn, "reported", -1)
    assert [q["code"] for q in swapped["pages"][8]["questions"]] == ["reported", "incident"]
    # Removing a page's last question removes the page.
    gone = drafting.remove_question(defn, "worry_text")
    assert "worries" not in [p["id"] for p in gone["pages"]]
    with pytest.raises(drafting.NotInDraft):
        drafting.move_question(defn, "nope", 1)


def test_a_new_question_on_a_page_of_its_own_goes_where_asked():
    defn = residents()
    question = {
        "code": "e_scooters",
        "type": "radio",
        "label": "E-scooters?",
        "options": [{"code": "yes", "label": "Yes"}],
    }
    out, page_id = drafting.add_question(defn, question, after_page="safety_change")
    ids = [p["id"] for p in out["pages"]]
    assert page_id == "e_scooters" and ids.index("e_scooters") == ids.index("safety_change") + 1
    assert checking.check(out)[1] == []
