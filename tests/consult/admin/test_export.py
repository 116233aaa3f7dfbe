"""Exports: the surveys list with counts, CSV and JSON of responses, the codebook, and the
rule that nothing held back (e.g. by safeguarding) ever leaves in an export."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from consult.db import get_db
from consult.models import AuditEvent, Response, SurveyVersion
from consult.reportable import exclusion_rules, register_exclusion
from tests.consult.helpers import complete, token_of
from tests.support import signed_in_as


def submit_resident(client):
    check = complete(client)
    done = client.post("/survey/residents/submit", data={"submission_token": token_of(check.data)})
    assert done.status_code == 302
    client.get(done.location)


def residents_version_id(app) -> int:
    with app.app_context():
        return get_db().scalar(
            select(SurveyVersion.id).where(SurveyVersion.survey_id == "residents")
        )


def read_csv(response) -> list[dict]:
    text = response.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_surveys_list_shows_versions_with_response_counts(app, client):
    submit_resident(app.test_client())
    submit_resident(app.test_client())
    signed_in_as(app, client, "admin")
    page = client.get("/admin/surveys")
    html = page.data.decode()
    assert page.status_code == 200
    assert "Community safety survey" in html and "Version 1" in html
    vid = residents_version_id(app)
    row = html[html.index(f'id="version-{vid}"') :]
    assert 'data-count="2"' in row[: row.index("</tr>")]
    for link in ("responses.csv", "responses.json", "codebook", "codebook.csv", "import"):
        assert f"/admin/surveys/{vid}/{link}" in html
    assert page.headers["Cache-Control"].startswith("no-store")


def test_csv_export_has_codes_labels_and_checkbox_columns(app, client):
    submit_resident(app.test_client())
    signed_in_as(app, client, "analyst")
    vid = residents_version_id(app)
    response = client.get(f"/admin/surveys/{vid}/responses.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    [row] = read_csv(response)
    # metadata
    assert row["survey_id"] == "residents" and row["version"] == "1"
    assert len(row["definition_hash"]) == 64
    assert row["respondent_type"] == "resident" and row["submitted_at"]
    with app.app_context():
        stored = get_db().scalars(select(Response)).one()
    assert row["reference"] == stored.reference
    # choice questions: code and label side by side
    assert row["safe_dark"] == "fairly_unsafe" and row["safe_dark_label"] == "Fairly unsafe"
    assert row["district"] == "worthing" and row["district_label"] == "Worthing"
    # checkboxes: one 0/1 column per option and a label list
    assert row["problems__asb"] == "1" and row["problems__road_safety"] == "1"
    assert row["problems__drugs"] == "0"
    assert row["problems_label"] == "Anti-social behaviour; Road safety and speeding"
    # an unanswered checkboxes question is empty, not "not ticked"
    assert row["not_reported_why__other"] == ""
    # text
    assert row["worry_text"] == "Cars speeding past the school every morning."
    assert row["postcode_district"] == "BN11"
    # the export is recorded: who exported what
    with app.app_context():
        [event] = get_db().scalars(
            select(AuditEvent).where(AuditEvent.action == "responses_export")
        ).all()
        assert event.user_id is not None
        assert event.details == {"survey_version_id": vid, "format": "csv", "rows": 1}


def test_csv_export_defuses_formulas_in_free_text(app, client):
    from tests.consult.helpers import RESIDENT_ANSWERS

    answers = dict(RESIDENT_ANSWERS)
    answers["worries"] = {"worry_text": '=HYPERLINK("http://x.example","click")'}
    other = app.test_client()
    check = complete(other, answers)
    other.post("/survey/residents/submit", data={"submission_token": token_of(check.data)})
    signed_in_as(app, client)
    [row] = read_csv(client.get(f"/admin/surveys/{residents_version_id(app)}/responses.csv"))
    assert row["worry_text"].startswith("'=HYPERLINK")


def test_json_export_has_codes_labels_and_metadata(app, client):
    submit_resident(app.test_client())
    signed_in_as(app, client, "analyst")
    vid = residents_version_id(app)
    response = client.get(f"/admin/surveys/{vid}/responses.json")
    assert response.status_code == 200
    doc = json.loads(response.data)
    assert doc["survey_id"] == "residents" and doc["version"] == 1 and doc["count"] == 1
    [item] = doc["responses"]
    assert item["respondent_type"] == "resident" and len(item["definition_hash"]) == 64
    assert item["answers"]["problems"] == ["asb", "road_safety"]
    assert item["labels"]["problems"] == ["Anti-social behaviour", "Road safety and speeding"]
    assert item["answers"]["safe_day"] == "fairly_safe"
    assert item["labels"]["safe_day"] == "Fairly safe"
    with app.app_context():
        actions = get_db().scalars(select(AuditEvent.details)).all()
    assert {"survey_version_id": vid, "format": "json", "rows": 1} in actions


def test_codebook_html_and_csv(app, client):
    signed_in_as(app, client, "analyst")
    vid = residents_version_id(app)
    page = client.get(f"/admin/surveys/{vid}/codebook")
    html = page.data.decode()
    assert page.status_code == 200
    assert "<code>safe_dark</code>" in html and "Fairly unsafe" in html
    assert "problems__asb" in html
    assert "incident = yes (Yes)" in html  # show_if, readable
    rows = read_csv(client.get(f"/admin/surveys/{vid}/codebook.csv"))
    asb = [r for r in rows if r["question_code"] == "problems" and r["option_code"] == "asb"]
    assert asb[0]["option_label"] == "Anti-social behaviour"
    assert asb[0]["type"] == "checkboxes" and asb[0]["export_column"] == "problems__asb"
    reported = [r for r in rows if r["question_code"] == "reported"][0]
    assert reported["show_if"] == "incident = yes (Yes)"
    worry = [r for r in rows if r["question_code"] == "worry_text"][0]
    assert worry["type"] == "long_text" and worry["max_length"] == "1200"
    # every question of the definition is there
    with app.app_context():
        from consult.survey_store import definition_of

        defn = definition_of(get_db().get(SurveyVersion, vid))
    assert {r["question_code"] for r in rows} == {q.code for q in defn.questions()}


def test_exports_leave_out_responses_held_back_by_a_rule(app, client):
    submit_resident(app.test_client())
    submit_resident(app.test_client())
    with app.app_context():
        held = get_db().scalars(select(Response).order_by(Response.id)).first()
        held_id, held_ref = held.id, held.reference

    def hold_back_first():
        return select(Response.id).where(Response.id == held_id)

    register_exclusion(hold_back_first)
    try:
        signed_in_as(app, client, "analyst")
        vid = residents_version_id(app)
        rows = read_csv(client.get(f"/admin/surveys/{vid}/responses.csv"))
        assert len(rows) == 1 and rows[0]["reference"] != held_ref
        doc = json.loads(client.get(f"/admin/surveys/{vid}/responses.json").data)
        assert doc["count"] == 1
        assert held_ref not in {r["reference"] for r in doc["responses"]}
    finally:
        exclusion_rules.remove(hold_back_first)


def test_exports_need_an_analyst_or_admin(app, client):
    vid = residents_version_id(app)
    assert client.get(f"/admin/surveys/{vid}/responses.csv").status_code == 302
    signed_in_as(app, client, "school_staff")
    assert client.get(f"/admin/surveys/{vid}/responses.csv").status_code == 403
    assert client.get(f"/admin/surveys/{vid}/responses.json").status_code == 403


def test_unknown_version_is_not_found(app, client):
    signed_in_as(app, client, "admin")
    assert client.get("/admin/surveys/9999/responses.csv").status_code == 404


def test_codebook_and_label_columns_defuse_formulas_in_the_definition():
    """Issue 23, finding 8: a question or option label is written by staff, and the codebook
    wrote it as a live formula (the responses CSV escaped answers only)."""
    from pathlib import Path

    import yaml

    from consult.admin.exports import codebook_csv, write_csv
    from surveys.schema import parse_definition

    data = yaml.safe_load(Path("surveys/residents.yaml").read_text())
    evil = '=HYPERLINK("http://x.example","click")'
    data["pages"][0]["questions"][0]["label"] = evil
    defn = parse_definition(data)
    first = defn.questions()[0]
    rows = list(csv.DictReader(io.StringIO(codebook_csv(defn).lstrip("\ufeff"))))
    labels = [r["label"] for r in rows if r["question_code"] == first.code]
    assert labels and all(label == "'" + evil for label in labels)
    assert not any(v.startswith("=") for r in rows for v in r.values() if v)

    chosen = next(q for q in defn.questions() if q.options)
    data_opts = [o for p in data["pages"] for q in p["questions"] if q["code"] == chosen.code
                 for o in q["options"]]
    data_opts[0]["label"] = evil
    defn = parse_definition(data)

    class Answered:  # a stored response as the export reads it
        answers = {chosen.code: chosen.options[0].code}
        reference, survey_id, survey_version_number = "R1", "residents", 1
        definition_hash, respondent_type, submitted_at = "h", "resident", None

    text, _ = write_csv(defn, [Answered()])
    assert not any(v.startswith("=") for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
                   for v in r.values() if v)
