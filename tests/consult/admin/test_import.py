"""Import of responses collected elsewhere: mapping, a row-by-row report, all or nothing,
and never the same file twice."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from consult.admin import importing
from consult.db import get_db
from consult.models import AuditEvent, Response, SurveyVersion
from consult.survey_store import definition_of
from tests.support import signed_in_as

HEADERS = [
    "Which district or borough do you live or work in?",  # a label: matched to "district"
    "connection",
    "safe_day",
    "How safe do you feel in your local area after dark?",
    "safety_change",
    "problems",
    "worry_text",
    "priority_text",
    "incident",
    "reported",
    "age_group",
    "Notes from data entry",
]
GOOD_ROWS = [
    ["Worthing", "I live here; I work here", "Very safe", "fairly_unsafe", "Less safe",
     "Anti-social behaviour;road_safety", "Speeding cars", "Speed cameras", "no", "", "", "box 1"],
    ["crawley", "live", "FAIRLY SAFE", "Very unsafe", "same", "drugs", "Dealing in the park",
     "More patrols", "yes", "Yes, every time", "age_65_74", ""],
    ["Adur", "visit", "neither", "dont_know", "safer", "None of these", "Nothing much",
     "Keep it up", "no", "", "Prefer not to say", ""],
]


def make_csv(rows, headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode()


def version_id(app) -> int:
    with app.app_context():
        return get_db().scalar(
            select(SurveyVersion.id).where(SurveyVersion.survey_id == "residents")
        )


def count(app, **where) -> int:
    with app.app_context():
        stmt = select(func.count(Response.id))
        for key, value in where.items():
            stmt = stmt.where(getattr(Response, key) == value)
        return get_db().scalar(stmt)


def upload(client, vid, content: bytes, name="paper.csv"):
    return client.post(
        f"/admin/surveys/{vid}/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def mapping_form(page_html: str) -> dict:
    """The mapping form as the browser would post it (the pre-filled choices)."""
    import re

    form = {}
    for select_match in re.finditer(r'<select[^>]*name="(col-[a-z0-9_]+)"[^>]*>(.*?)</select>',
                                     page_html, re.S):
        name, body = select_match.groups()
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        form[name] = chosen.group(1) if chosen else ""
    sep = re.search(r'name="separator"[^>]*value="([^"]*)"', page_html)
    form["separator"] = sep.group(1) if sep else ";"
    return form


def unescape(value: str) -> str:
    import html

    return html.unescape(value)


def start_import(app, client, content, name="paper.csv"):
    vid = version_id(app)
    response = upload(client, vid, content, name)
    assert response.status_code == 302, response.data.decode()[:3000]
    page = client.get(response.location)
    assert page.status_code == 200
    form = {k: unescape(v) for k, v in mapping_form(page.data.decode()).items()}
    return response.location, page, form


# --- the pure module ------------------------------------------------------------------------
def residents_definition(app):
    with app.app_context():
        return definition_of(get_db().get(SurveyVersion, version_id(app)))


def test_mapping_is_suggested_from_codes_and_labels(app):
    defn = residents_definition(app)
    table = importing.read_csv(make_csv(GOOD_ROWS))
    mapping = importing.suggest_mapping(defn, table.headers)
    assert mapping.columns["district"] == HEADERS[0]
    assert mapping.columns["safe_dark"] == HEADERS[3]
    assert mapping.columns["problems"] == "problems"
    assert mapping.columns["sex"] is None
    report = importing.validate_rows(defn, table, mapping)
    assert report.ok, report.errors
    assert report.unused_columns == ["Notes from data entry"]
    answers = dict(report.rows)
    assert answers[2]["district"] == "worthing"
    assert answers[2]["connection"] == ["live", "work"]
    assert answers[2]["problems"] == ["asb", "road_safety"]
    assert answers[3]["safe_day"] == "fairly_safe"  # a label, in any case
    assert answers[4]["problems"] == ["none"]
    assert answers[4]["age_group"] == "prefer_not_say"


def test_rows_are_judged_like_the_journey(app):
    defn = residents_definition(app)
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][2] = "Quite safe"  # not an option
    rows[1][0] = ""  # required district missing
    rows[2][5] = "None of these; Burglary"  # exclusive option with another
    table = importing.read_csv(make_csv(rows))
    report = importing.validate_rows(defn, table, importing.suggest_mapping(defn, table.headers))
    assert not report.ok and report.rows_with_errors == 3
    problems = {(p.row, p.question): p.problem for p in report.errors}
    assert "‘Quite safe’ is not an answer" in problems[(2, "safe_day")]
    assert problems[(3, "district")] == "Select your district or borough"
    assert problems[(4, "problems")] == "Select ‘None of these’ on its own, or untick it"


def test_csv_export_imports_back(app, client):
    """Our own export's label columns map by themselves."""
    from tests.consult.admin.test_export import submit_resident

    submit_resident(app.test_client())
    signed_in_as(app, client, "analyst")
    exported = client.get(f"/admin/surveys/{version_id(app)}/responses.csv").data
    defn = residents_definition(app)
    table = importing.read_csv(exported)
    mapping = importing.suggest_mapping(defn, table.headers)
    assert mapping.columns["problems"] == "problems_label"
    report = importing.validate_rows(defn, table, mapping)
    assert report.ok, report.errors


# --- through the web ------------------------------------------------------------------------
def test_upload_page_and_empty_submit(app, client):
    signed_in_as(app, client, "admin")
    vid = version_id(app)
    assert b"Upload a CSV file" in client.get(f"/admin/surveys/{vid}/import").data
    page = client.post(f"/admin/surveys/{vid}/import", data={},
                       content_type="multipart/form-data")
    html = page.data.decode()
    assert "There is a problem" in html and "Select a CSV file" in html
    assert 'href="#file"' in html


def test_unreadable_or_oversized_file_is_refused(app, client):
    signed_in_as(app, client, "admin")
    vid = version_id(app)
    assert "has headings but no responses" in upload(client, vid, b"a,b\n").data.decode()
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024
    big = upload(client, vid, b"a,b\n" + b"x,y\n" * 300_000).data.decode()
    assert "must be smaller than 1 MB" in big


def test_a_file_with_bad_rows_stores_nothing_and_reports_each_problem(app, client):
    signed_in_as(app, client, "analyst")
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][2] = "Quite safe"
    rows[2][6] = ""  # worry_text is required
    location, page, form = start_import(app, client, make_csv(rows))
    html = page.data.decode()
    assert "Match columns to questions" in html
    assert "3 responses" in html
    # attempting the import straight away still checks every row first
    result = client.post(location, data={**form, "action": "import"})
    html = result.data.decode()
    assert "There is a problem" in html and "Nothing has been imported" in html
    assert "2 problems in 2 of 3 rows" in html
    table = html[html.index('id="problems"') :]
    assert "<td class=\"govuk-table__cell\">3</td>" in table
    assert "safe_day" in table and "‘Quite safe’ is not an answer" in table
    assert "<td class=\"govuk-table__cell\">4</td>" in table
    assert "worry_text" in table and "Enter what worries you most" in table
    assert count(app) == 0


def test_a_clean_file_stores_every_row_once(app, client):
    signed_in_as(app, client, "analyst")
    content = make_csv(GOOD_ROWS)
    location, page, form = start_import(app, client, content)
    checked = client.post(location, data={**form, "action": "check"})
    assert b"All 3 rows passed the checks" in checked.data
    assert count(app) == 0  # checking stores nothing
    done = client.post(location, data={**form, "action": "import"})
    assert done.status_code == 302
    confirmation = client.get(done.location)
    assert b"3 responses imported" in confirmation.data
    batch = location.rsplit("/", 1)[1]
    with app.app_context():
        stored = get_db().scalars(select(Response).order_by(Response.submission_key)).all()
        assert len(stored) == 3
        assert {r.respondent_type for r in stored} == {"imported"}
        assert {r.import_batch for r in stored} == {batch}
        assert [r.submission_key for r in stored] == [f"import:{batch}:{n}" for n in (2, 3, 4)]
        assert all(r.survey_id == "residents" and r.survey_version_number == 1 for r in stored)
        assert all(len(r.definition_hash) == 64 and r.reference for r in stored)
        first = next(r for r in stored if r.submission_key.endswith(":2"))
        assert first.answers["problems"] == ["asb", "road_safety"]
        assert "reported" not in first.answers
        [event] = get_db().scalars(
            select(AuditEvent).where(AuditEvent.action == "responses_import")
        ).all()
        assert event.details["rows"] == 3 and event.details["filename"] == "paper.csv"
    # the upload is not kept once imported
    assert client.get(location).status_code == 302


def test_reimporting_the_same_file_is_refused(app, client):
    signed_in_as(app, client, "analyst")
    content = make_csv(GOOD_ROWS)
    location, _, form = start_import(app, client, content)
    client.post(location, data={**form, "action": "import"})
    again = upload(client, version_id(app), content, "paper-again.csv")
    html = again.data.decode()
    assert again.status_code == 200
    assert "There is a problem" in html and "already imported on" in html
    assert count(app) == 3


def test_mapping_errors_keep_the_choices(app, client):
    signed_in_as(app, client, "analyst")
    location, _, form = start_import(app, client, make_csv(GOOD_ROWS))
    form["col-district"] = ""  # a question every response answers
    form["col-sex"] = "safe_day"  # a column already used
    page = client.post(location, data={**form, "action": "check"})
    html = page.data.decode()
    assert "There is a problem" in html
    assert "Select the column that answers" in html and 'href="#col-district"' in html
    assert "Select a different column: ‘safe_day’ already answers safe_day" in html
    assert '<option value="safe_day" selected' in html[html.index('name="col-sex"') :]
    assert count(app) == 0


def test_import_needs_an_analyst_or_admin(app, client):
    signed_in_as(app, client, "school_staff")
    assert client.get(f"/admin/surveys/{version_id(app)}/import").status_code == 403


# --- the command line -----------------------------------------------------------------------
def responses_cli():
    import click

    from consult.admin.cli import register

    group = click.Group("consult")
    register(group)
    return group


def test_cli_import_with_a_mapping_file(app, runner, tmp_path):
    import json

    headers = list(HEADERS)
    headers[1] = "Connection (paper Q2)"
    data = tmp_path / "paper.csv"
    data.write_bytes(make_csv(GOOD_ROWS, headers))
    cli = responses_cli()
    suggested = runner.invoke(cli, ["responses", "mapping", "--survey", "residents", str(data)])
    assert suggested.exit_code == 0, suggested.output
    mapping = json.loads(suggested.output)
    assert mapping["columns"]["connection"] is None
    mapping["columns"]["connection"] = "Connection (paper Q2)"
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps(mapping))
    args = ["responses", "import", "--survey", "residents", "--version", "1",
            "--mapping", str(mapping_file), str(data)]
    dry = runner.invoke(cli, args[:2] + ["--dry-run"] + args[2:])
    assert dry.exit_code == 0 and "Nothing stored" in dry.output
    assert count(app) == 0
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Imported 3 responses" in result.output
    assert count(app, respondent_type="imported") == 3
    again = runner.invoke(cli, args)
    assert again.exit_code != 0 and "already imported on" in again.output
    assert count(app) == 3


def test_cli_import_with_bad_rows_stores_nothing(app, runner, tmp_path):
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][4] = "much worse"
    data = tmp_path / "bad.csv"
    data.write_bytes(make_csv(rows))
    result = runner.invoke(responses_cli(), ["responses", "import", "--survey", "residents",
                                             str(data)])
    assert result.exit_code != 0
    assert "row 2: safety_change: ‘much worse’ is not an answer" in result.output
    assert "Nothing imported" in result.output
    assert count(app) == 0


def test_answers_to_questions_not_asked_are_reported_and_left_out(app):
    defn = residents_definition(app)
    rows = [list(GOOD_ROWS[0])]
    rows[0][9] = "all"  # "reported", but incident is "no": the survey would not ask it
    table = importing.read_csv(make_csv(rows))
    report = importing.validate_rows(defn, table, importing.suggest_mapping(defn, table.headers))
    assert report.ok
    [warning] = report.warnings
    assert (warning.row, warning.question) == (2, "reported")
    assert "reported" not in report.rows[0][1]


def test_imported_responses_are_screened_and_exported(app, client):
    from consult.journey import hooks

    seen = []

    def screen(db, response, defn):
        seen.append((response.respondent_type, defn.id))

    hooks.after_submit.append(screen)
    try:
        signed_in_as(app, client, "analyst")
        location, _, form = start_import(app, client, make_csv(GOOD_ROWS))
        client.post(location, data={**form, "action": "import"})
    finally:
        hooks.after_submit.remove(screen)
    assert seen == [("imported", "residents")] * 3
    exported = client.get(f"/admin/surveys/{version_id(app)}/responses.csv").data
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert [r["respondent_type"] for r in rows] == ["imported"] * 3
    assert {r["district_label"] for r in rows} == {"Worthing", "Crawley", "Adur"}


# --- text that is not UTF-8 ---------------------------------------------------------------------
def _one_bad_byte() -> bytes:
    """A UTF-8 file ("café" in row 2) whose row 4 has one Windows-1252 "é" (0xE9)."""
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][6] = "Speeding past the café"
    rows[2][6] = "Nothing much, the new cafe is nice"
    content = make_csv(rows)
    return content.replace(b"new cafe", b"new caf\xe9")


def test_a_utf8_file_with_one_bad_byte_names_the_row_and_byte(app, client):
    content = _one_bad_byte()
    with pytest.raises(importing.ImportFileError) as caught:
        importing.read_csv(content)
    message = str(caught.value)
    at = content.index(b"\xe9") + 1
    assert message.startswith("Row 4 of the file is not valid UTF-8 text")
    assert f"byte {at} of the file" in message and "0xE9" in message
    signed_in_as(app, client, "admin")
    page = upload(client, version_id(app), content).data.decode()
    assert "Row 4 of the file is not valid UTF-8 text" in page and "There is a problem" in page
    assert count(app) == 0


def test_a_utf8_file_with_one_bad_byte_from_the_command_line(app, runner, tmp_path):
    data = tmp_path / "bad-byte.csv"
    data.write_bytes(_one_bad_byte())
    result = runner.invoke(responses_cli(), ["responses", "import", "--survey", "residents",
                                             str(data)])
    assert result.exit_code != 0
    assert "Row 4 of the file is not valid UTF-8 text" in result.output
    assert count(app) == 0


def test_a_windows_1252_file_is_still_read_as_such():
    rows = [list(r) for r in GOOD_ROWS]
    rows[0][6] = "Speeding past the café"
    table = importing.read_csv(make_csv(rows).decode().encode("cp1252"))
    assert table.encoding == "windows-1252"
    assert table.rows[0][1][6] == "Speeding past the café"
