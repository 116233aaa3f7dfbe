"""Survey definitions: broken files are rejected with the file, the path and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveys import SURVEYS_DIR
from surveys.schema import DefinitionError, definition_files, load_definition

MINIMAL = {
    "id": "demo",
    "version": 1,
    "title": "Demo",
    "audience": "public",
    "intro": "Hello",
    "privacy_notice": "Anonymous",
    "opens": "2026-01-01",
    "closes": "2026-12-31",
    "pages": [
        {
            "id": "p1",
            "title": "Page one",
            "questions": [
                {"code": "q1", "type": "radio", "label": "Pick", "options": [
                    {"code": "a", "label": "A"}, {"code": "b", "label": "B"}]},
            ],
        }
    ],
}


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def test_shipped_definitions_are_valid():
    files = definition_files(SURVEYS_DIR)
    assert any(f.name == "residents.yaml" for f in files)
    for f in files:
        load_definition(f)


def test_minimal_definition_loads(tmp_path):
    defn = load_definition(write(tmp_path, MINIMAL))
    assert defn.question("q1").option_label("b") == "B"
    assert len(defn.definition_hash()) == 64


@pytest.mark.parametrize(
    "mutate, path_fragment, message",
    [
        (lambda d: d["pages"][0]["questions"][0].pop("options"), "pages[0] (p1).questions[0] (q1)",
         "needs options"),
        (lambda d: d["pages"][0]["questions"][0].update(type="slider"), "questions[0] (q1).type",
         "Input should be"),
        (lambda d: d.update(audience="everyone"), "audience", "Input should be"),
        (lambda d: d.update(closes="2025-01-01"), "", "closes is before opens"),
        (lambda d: d["pages"][0]["questions"][0].update(code="Bad Code"), "code",
         "should match pattern"),
        (lambda d: d["pages"][0]["questions"].append(
            {"code": "q2", "type": "short_text", "label": "x",
             "show_if": {"question": "nope", "equals": "a"}}), "", "not an earlier question"),
        (lambda d: d["pages"][0]["questions"].append(
            {"code": "q1", "type": "short_text", "label": "x"}), "", "used twice"),
        (lambda d: d["pages"][0]["questions"][0]["options"].append({"code": "a", "label": "A2"}),
         "questions[0] (q1)", "option codes repeat"),
        (lambda d: d["pages"][0]["questions"].append(
            {"code": "q3", "type": "long_text", "label": "x", "options": [{"code": "a", "label": "A"}]}),
         "questions[1] (q3)", "takes no options"),
        (lambda d: d.update(colour="blue"), "colour", "Extra inputs are not permitted"),
        (lambda d: (d["pages"][0].pop("title"), d["pages"][0]["questions"].append(
            {"code": "q4", "type": "short_text", "label": "x"})), "", "needs a title"),
    ],
)
def test_broken_definitions_name_file_path_and_problem(tmp_path, mutate, path_fragment, message):
    import copy

    data = copy.deepcopy(MINIMAL)
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(DefinitionError) as err:
        load_definition(path)
    text = str(err.value)
    assert str(path) in text
    assert path_fragment in text
    assert message in text


def test_yaml_syntax_error_gives_line(tmp_path):
    path = write(tmp_path, "id: demo\npages: [\n  - oops: : :\n")
    with pytest.raises(DefinitionError) as err:
        load_definition(path)
    assert "line" in str(err.value) and "not valid YAML" in str(err.value)


def test_residents_survey_covers_the_brief():
    defn = load_definition(SURVEYS_DIR / "residents.yaml")
    codes = {q.code for q in defn.questions()}
    assert {"district", "safe_day", "safe_dark", "problems", "worry_text", "priority_text",
            "incident", "reported", "not_reported_why", "postcode_district"} <= codes
    problems = {o.code for o in defn.question("problems").options}
    assert {"asb", "drugs", "knife_crime", "domestic_abuse", "hate_crime", "fraud",
            "online_safety", "road_safety", "vandalism", "exploitation"} <= problems
    # every demographic question is optional and offers "prefer not to say"
    for code in ("age_group", "sex", "ethnic_group", "disability", "sexual_orientation", "religion"):
        q = defn.question(code)
        assert not q.required
        assert "prefer_not_say" in {o.code for o in q.options}
    assert {q.code for q in defn.free_text_questions()} == {"worry_text", "priority_text"}


# --- issue 13: the real problem, with its file and path -------------------------------------
def test_an_impossible_date_names_file_key_and_problem(tmp_path):
    import copy

    data = copy.deepcopy(MINIMAL)
    data["closes"] = "2027-02-30"
    text = yaml.safe_dump(data).replace("'2027-02-30'", "2027-02-30")  # a bare YAML date
    path = tmp_path / "bad-date.yaml"
    path.write_text(text)
    with pytest.raises(DefinitionError) as err:
        load_definition(path)
    message = str(err.value)
    assert message.startswith(f"{path}: closes: '2027-02-30' is not a real date")
    assert "Traceback" not in message


def test_an_unknown_show_if_question_is_not_reported_as_a_missing_title(tmp_path):
    import copy

    data = copy.deepcopy(MINIMAL)
    data["pages"][0].pop("title")
    data["pages"][0]["questions"].append(
        {"code": "q2", "type": "short_text", "label": "Why?",
         "show_if": {"question": "q_1", "equals": "a"}})  # a typo for q1
    path = write(tmp_path, data)
    with pytest.raises(DefinitionError) as err:
        load_definition(path)
    message = str(err.value)
    assert "needs a title" not in message
    assert f"{path}: pages[0] (p1).questions[1] (q2).show_if.question: " in message
    assert "no question with that code" in message


def test_a_show_if_looking_forward_says_so(tmp_path):
    import copy

    data = copy.deepcopy(MINIMAL)
    data["pages"][0]["questions"][0]["show_if"] = {"question": "q9", "equals": "a"}
    data["pages"].append({"id": "p2", "questions": [
        {"code": "q9", "type": "radio", "label": "Later",
         "options": [{"code": "a", "label": "A"}]}]})
    path = write(tmp_path, data)
    with pytest.raises(DefinitionError) as err:
        load_definition(path)
    assert "comes later" in str(err.value)
    assert "pages[0] (p1).questions[0] (q1).show_if.question" in str(err.value)
