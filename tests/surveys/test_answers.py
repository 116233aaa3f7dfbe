"""Answer rules for every question type, as the journey and the import apply them."""

from __future__ import annotations

from surveys import SURVEYS_DIR
from surveys import answers as rules
from surveys.schema import Question, load_definition


def q(**kw) -> Question:
    base = {"code": "q", "label": "Question", "short_label": "an answer"}
    return Question.model_validate({**base, **kw})


OPTS = [{"code": "a", "label": "A"}, {"code": "b", "label": "B"},
        {"code": "none", "label": "None of these", "exclusive": True}]


def test_radio_select_and_scale():
    for kind in ("radio", "select", "scale"):
        question = q(type=kind, options=OPTS, short_label="how safe you feel")
        assert rules.validate_value(question, "") == (None, "Select how safe you feel")
        assert rules.validate_value(question, "zzz") == (None, "Select from the options shown")
        assert rules.validate_value(question, "a") == ("a", None)
        optional = q(type=kind, options=OPTS, required=False)
        assert rules.validate_value(optional, "") == (None, None)


def test_checkboxes_exclusive_and_order():
    question = q(type="checkboxes", options=OPTS, short_label="the problems in your area")
    assert rules.validate_value(question, []) == (None, "Select the problems in your area")
    assert rules.validate_value(question, ["b", "a", "a"]) == (["a", "b"], None)
    value, error = rules.validate_value(question, ["a", "none"])
    assert value is None and "None of these" in error
    assert rules.validate_value(question, ["x"])[1] == "Select from the options shown"


def test_text_lengths_and_cleaning():
    short = q(type="short_text", short_label="what else is a problem", max_length=10)
    assert rules.validate_value(short, "   ") == (None, "Enter what else is a problem")
    assert rules.validate_value(short, " ok\x00 ") == ("ok", None)
    text, error = rules.validate_value(short, "x" * 11)
    assert text == "x" * 11  # kept so the person can shorten it
    assert error == "What else is a problem must be 10 characters or fewer"
    long = q(type="long_text", short_label="what worries you most")
    assert rules.validate_value(long, "a\r\nb") == ("a\nb", None)
    assert rules.validate_value(long, "y" * 1201)[1].endswith("1200 characters or fewer")


def test_postcode_district_keeps_outward_code_only():
    question = q(type="short_text", format="postcode_district", required=False)
    assert rules.validate_value(question, "bn11 1aa") == ("BN11", None)
    assert rules.validate_value(question, "BN11") == ("BN11", None)
    assert rules.validate_value(question, "sw1a") == ("SW1A", None)
    assert rules.validate_value(question, "not a postcode")[1].startswith("Enter the first part")


def test_show_if_and_prune():
    defn = load_definition(SURVEYS_DIR / "residents.yaml")
    answers = {"incident": "yes", "reported": "no", "not_reported_why": ["not_serious"]}
    assert "not_reported" in [p.id for p in rules.visible_pages(defn, answers)]
    # changing an earlier answer hides the follow-up and drops its answers
    changed = {**answers, "incident": "no"}
    pruned = rules.prune(defn, changed)
    assert "reported" not in pruned and "not_reported_why" not in pruned
    assert "not_reported" not in [p.id for p in rules.visible_pages(defn, changed)]
