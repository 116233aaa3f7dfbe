"""The survey editor's pages: permissions, drafts, validation, publishing, preview storing
nothing, YAML export and import, and the audit trail."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from consult.db import get_db
from consult.editor.drafting import question as drafting_question
from consult.editor.models import SurveyDraft
from consult.models import AuditEvent, Progress, Response, SurveyVersion
from tests.consult.auth.test_auth import events
from tests.consult.helpers import RESIDENT_ANSWERS, complete, token_of
from tests.support import signed_in_as

E_SCOOTERS = {
    "after": "safety_change",
    "type": "radio",
    "label": "Have e-scooters caused problems where you live?",
    "code": "e_scooters",
    "new-0-label": "Yes",
    "new-1-label": "No",
}


def start_draft(client, survey_id="residents") -> str:
    response = client.post(f"/admin/editor/surveys/{survey_id}/draft")
    assert response.status_code == 302, response.data[:500]
    return response.location


def draft_row(app) -> SurveyDraft:
    with app.app_context():
        return get_db().scalars(select(SurveyDraft)).one()


def count(app, model, **where) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return get_db().scalar(stmt)


def versions(app, survey_id="residents") -> list[SurveyVersion]:
    with app.app_context():
        return list(
            get_db().scalars(
                select(SurveyVersion)
                .where(SurveyVersion.survey_id == survey_id)
                .order_by(SurveyVersion.version)
            )
        )


def add_e_scooters(client, draft_url):
    response = client.post(f"{draft_url}/questions/new", data=E_SCOOTERS)
    assert response.status_code == 302, response.data.decode()[-3000:]
    assert response.location.endswith("#question-e_scooters")


def stamp(client, url: str) -> str:
    """The draft's version stamp on the form at ``url`` (every save must send it)."""
    return re.search(r'name="stamp" value="(\d+)"', client.get(url).data.decode()).group(1)


def publish(client, draft_url, **data):
    return client.post(f"{draft_url}/publish", data=data)


# --- permissions ----------------------------------------------------------------------------------
def test_anonymous_staff_are_sent_to_sign_in_and_other_roles_refused(app, client):
    response = client.get("/admin/editor/")
    assert response.status_code == 302 and "/staff/sign-in" in response.location
    signed_in_as(app, client, "school_staff")
    assert client.get("/admin/editor/").status_code == 403
    assert client.post("/admin/editor/surveys/residents/draft").status_code == 403
    assert count(app, SurveyDraft) == 0


def test_an_analyst_edits_and_previews_but_only_an_admin_publishes(app, client):
    signed_in_as(app, client, "analyst")
    draft_url = start_draft(client)
    add_e_scooters(client, draft_url)
    page = client.get(draft_url).data.decode()
    assert "Only an admin can publish" in page and f"{draft_url}/publish" not in page
    assert client.get(f"{draft_url}/preview/").status_code == 200
    assert client.get(f"{draft_url}/publish").status_code == 403
    assert publish(client, draft_url).status_code == 403
    assert len(versions(app)) == 1

    admin = app.test_client()
    signed_in_as(app, admin, "admin")
    assert f"{draft_url}/publish" in admin.get(draft_url).data.decode()
    assert publish(admin, draft_url).status_code == 302
    assert [v.version for v in versions(app)] == [1, 2]


def test_the_editor_is_in_the_staff_navigation_for_admins_and_analysts(app, client):
    signed_in_as(app, client, "analyst")
    assert 'href="/admin/editor/"' in client.get("/staff/").data.decode()
    other = app.test_client()
    signed_in_as(app, other, "safeguarding_lead")
    assert 'href="/admin/editor/"' not in other.get("/staff/").data.decode()


# --- drafts ---------------------------------------------------------------------------------------
def test_a_draft_starts_from_the_latest_version_and_never_changes_it(app, client):
    signed_in_as(app, client, "admin")
    [v1] = versions(app)
    draft_url = start_draft(client)
    draft = draft_row(app)
    assert draft.based_on_version == 1
    assert draft.definition == {**v1.definition, "version": 2}
    # Starting again goes to the same draft.
    assert start_draft(client) == draft_url
    add_e_scooters(client, draft_url)
    [still] = versions(app)
    assert still.definition == v1.definition and still.definition_hash == v1.definition_hash
    # Respondents still get version 1.
    assert "e-scooters" not in client.get("/survey/residents/").data.decode()
    page = client.get(draft_url).data.decode()
    assert 'id="question-e_scooters"' in page and "Yes <span" in page


def test_question_form_errors_keep_what_was_typed(app, client):
    signed_in_as(app, client, "analyst")
    draft_url = start_draft(client)
    page = client.post(
        f"{draft_url}/questions/new",
        data={
            "page": "problems",
            "label": "",
            "hint": "A hint typed <b>here</b>",
            "new-0-label": "Bus",
        },
    )
    html = page.data.decode()
    assert page.status_code == 200
    assert "There is a problem" in html
    assert 'href="#type"' in html and "Select the type of question" in html
    assert 'href="#label"' in html and "Enter the question" in html
    assert "A hint typed &lt;b&gt;here&lt;/b&gt;" in html and 'value="Bus"' in html
    assert draft_row(app).definition == {**versions(app)[0].definition, "version": 2}


def test_each_edit_is_checked_by_the_schema_and_the_summary_links_to_the_question(app, client):
    signed_in_as(app, client, "admin")
    draft_url = start_draft(client)
    add_e_scooters(client, draft_url)
    follow_up = {
        "page": "e_scooters",
        "type": "short_text",
        "label": "What happened?",
        "code": "e_scooters_what",
        "show_if": "e_scooters|equals|yes",
    }
    assert client.post(f"{draft_url}/questions/new", data=follow_up).status_code == 302
    assert "There is a problem" not in client.get(draft_url).data.decode()
    # The follow-up moved above the question it depends on: saved, but flagged.
    client.post(f"{draft_url}/questions/e_scooters_what/move", data={"direction": "up"})
    html = client.get(draft_url).data.decode()
    assert "There is a problem" in html
    assert re.search(r'<a href="#question-e_scooters_what">Question ‘What happened\?’: ', html)
    assert 'id="question-e_scooters_what"' in html
    # No preview, export or publishing of a broken draft.
    assert client.get(f"{draft_url}/preview/").status_code == 302
    assert client.get(f"{draft_url}/definition.yaml").status_code == 409
    assert (
        "cannot be published until these are fixed"
        in client.get(f"{draft_url}/publish").data.decode()
    )
    assert publish(client, draft_url).status_code == 200
    assert len(versions(app)) == 1
    # Fixed.
    client.post(f"{draft_url}/questions/e_scooters_what/move", data={"direction": "down"})
    assert "There is a problem" not in client.get(draft_url).data.decode()


def test_settings_dates_are_checked_and_kept(app, client):
    signed_in_as(app, client, "admin")
    draft_url = start_draft(client)
    form = client.get(f"{draft_url}/settings").data.decode()
    assert 'name="opens-year"' in form and 'value="2026"' in form
    data = {
        "title": "Community safety survey 2027",
        "audience": "public",
        "intro": "Tell us.",
        "privacy_notice": "Anonymous.",
        "opens-day": "31",
        "opens-month": "2",
        "opens-year": "2027",
        "closes-day": "1",
        "closes-month": "1",
        "closes-year": "2027",
        "retention_days": "1095",
        "stamp": stamp(client, f"{draft_url}/settings"),
    }
    html = client.post(f"{draft_url}/settings", data=data).data.decode()
    assert "The date the survey opens must be a real date" in html and 'href="#opens-day"' in html
    assert 'value="31"' in html and 'value="Community safety survey 2027"' in html
    data.update({"opens-day": "1", "opens-month": "1"})
    data.update({"closes-day": "31", "closes-month": "12", "closes-year": "2026"})
    html = client.post(f"{draft_url}/settings", data=data).data.decode()
    assert "The date the survey closes must be on or after the date it opens" in html
    data.update({"closes-year": "2027"})
    assert client.post(f"{draft_url}/settings", data=data).status_code == 302
    saved = draft_row(app).definition
    assert (saved["opens"], saved["closes"], saved["title"]) == (
        "2027-01-01",
        "2027-12-31",
        "Community safety survey 2027",
    )
    assert saved["retention_days"] == 1095


# --- publishing -------------------------------------------------------------------------------------
def test_publishing_makes_a_new_version_through_the_survey_store(app, client):
    signed_in_as(app, client, "admin")
    draft_url = start_draft(client)
    add_e_scooters(client, draft_url)
    client.post(
        f"{draft_url}/questions/safety_change",
        data={
            "type": "radio",
            "label": "Is your area safer than a year ago?",
            "opt-0-code": "safer",
            "opt-0-label": "Safer now",
            "opt-1-code": "same",
            "opt-1-label": "About the same",
            "opt-2-code": "less_safe",
            "opt-2-label": "Less safe",
            "opt-3-code": "dont_know",
            "opt-3-label": "Don't know",
            "stamp": stamp(client, f"{draft_url}/questions/safety_change"),
        },
    )
    page = client.get(f"{draft_url}/publish").data.decode()
    assert "Publish version 2" in page and "break comparison" not in page
    response = publish(client, draft_url)
    assert response.status_code == 302
    v1, v2 = versions(app)
    assert (v2.version, v2.source_file) == (2, "survey editor")
    q = next(
        q for p in v2.definition["pages"] for q in p["questions"] if q["code"] == "safety_change"
    )
    assert [(o["code"], o["label"]) for o in q["options"]][0] == ("safer", "Safer now")
    assert v2.definition_hash != v1.definition_hash
    # Districts are filled in as `consult surveys load` fills them.
    district = v2.definition["pages"][0]["questions"][0]
    assert district["options"] == v1.definition["pages"][0]["questions"][0]["options"]
    assert count(app, SurveyDraft) == 0
    assert client.get(draft_url).status_code == 404  # the draft is gone; v2 is never edited
    [event] = events(app, "survey_publish")
    assert (
        event.target == "residents version 2"
        and event.details["definition_hash"] == v2.definition_hash
    )
    # A respondent now answers version 2, with the new question.
    resident = app.test_client()
    check = complete(resident, {**RESIDENT_ANSWERS, "e_scooters": {"e_scooters": "no"}})
    assert b"Have e-scooters caused problems" in check.data
    resident.post("/survey/residents/submit", data={"submission_token": token_of(check.data)})
    with app.app_context():
        stored = get_db().scalars(select(Response)).one()
    assert (stored.survey_version_number, stored.answers["e_scooters"]) == (2, "no")
    assert stored.answers["safety_change"] == "less_safe"
    # The next draft starts from version 2.
    start_draft(client)
    assert draft_row(app).based_on_version == 2 and draft_row(app).definition["version"] == 3


def test_removing_a_question_warns_and_publishing_asks_for_confirmation(app, client):
    signed_in_as(app, client, "admin")
    draft_url = start_draft(client)
    confirm = client.get(f"{draft_url}/questions/incident/remove").data.decode()
    assert "breaks comparison with earlier years" in confirm
    client.post(f"{draft_url}/questions/incident/remove")
    # The follow-up that depended on it is now a problem too; remove it.
    client.post(f"{draft_url}/questions/reported/remove")
    client.post(f"{draft_url}/pages/not_reported/remove")
    html = client.get(draft_url).data.decode()
    assert "There is a problem" not in html
    assert "These changes break comparison with earlier years" in html
    assert "(incident) is removed" in html
    html = publish(client, draft_url).data.decode()
    assert "Confirm that you understand these changes break comparison" in html
    assert len(versions(app)) == 1
    assert publish(client, draft_url, understood="1").status_code == 302
    v2 = versions(app)[1]
    assert "incident" not in {q["code"] for p in v2.definition["pages"] for q in p["questions"]}
    [event] = events(app, "survey_publish")
    assert any("(incident) is removed" in w for w in event.details["warnings"])


def test_a_draft_with_no_changes_is_not_published(app, client):
    signed_in_as(app, client, "admin")
    draft_url = start_draft(client)
    html = publish(client, draft_url).data.decode()
    assert "There are no changes to publish: this draft is the same as version 1" in html
    assert len(versions(app)) == 1


def test_every_edit_and_publication_is_in_the_audit_trail(app, client):
    signed_in_as(app, client, "admin")
    draft_url = start_draft(client)
    add_e_scooters(client, draft_url)
    client.post(f"{draft_url}/pages/e_scooters/move", data={"direction": "up"})
    client.post(
        f"{draft_url}/pages/e_scooters",
        data={
            "title": "E-scooters",
            "hint": "",
            "show_if": "",
            "stamp": stamp(client, f"{draft_url}/pages/e_scooters"),
        },
    )
    publish(client, draft_url)
    trail = [(e.action, e.details.get("change")) for e in events(app) if e.action != "sign_in"]
    assert trail == [
        ("survey_draft_start", None),
        ("survey_draft_edit", "question_added"),
        ("survey_draft_edit", "page_moved"),
        ("survey_draft_edit", "page_changed"),
        ("survey_publish", None),
    ]
    assert all(e.user_id is not None for e in events(app))


# --- preview --------------------------------------------------------------------------------------
def test_preview_walks_the_draft_as_a_respondent_and_stores_nothing(app, client):
    signed_in_as(app, client, "analyst")
    draft_url = start_draft(client)
    add_e_scooters(client, draft_url)
    before = draft_row(app)
    counts = {m: count(app, m) for m in (Progress, Response, AuditEvent, SurveyVersion)}
    start = client.get(f"{draft_url}/preview/").data.decode()
    assert "Nothing you enter is kept" in start and "Community safety survey" in start
    location = client.post(f"{draft_url}/preview/").location
    answers = {**RESIDENT_ANSWERS, "e_scooters": {"e_scooters": "yes"}}
    seen = []
    for _ in range(30):
        if location.endswith("/preview/check"):
            break
        page_id = location.split("/page/")[1].split("?")[0]
        seen.append(page_id)
        if page_id == "e_scooters":
            # The journey's own page, and its own error messages.
            html = client.post(location, data={}).data.decode()
            assert "There is a problem" in html and "Select an answer" in html
        response = client.post(location, data=answers.get(page_id, {}))
        assert response.status_code == 302, response.data.decode()[-2000:]
        location = response.location
    assert seen.index("e_scooters") == seen.index("safety_change") + 1
    check = client.get(location).data.decode()
    assert "Have e-scooters caused problems where you live?" in check
    assert "Send answers" not in check and "nothing is sent or kept" in check
    assert {m: count(app, m) for m in counts} == counts
    after = draft_row(app)
    assert (after.definition, after.updated_at) == (before.definition, before.updated_at)
    # Starting again clears the preview's answers.
    location = client.post(f"{draft_url}/preview/").location
    assert client.get(f"{draft_url}/preview/check").location.endswith("/preview/page/area")


# --- YAML ---------------------------------------------------------------------------------------------
def upload(client, content: bytes, filename="residents.yaml"):
    return client.post(
        "/admin/editor/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_yaml_export_and_import_round_trip_unchanged(app, client):
    signed_in_as(app, client, "admin")
    [v1] = versions(app)
    exported = client.get(f"/admin/editor/versions/{v1.id}/definition.yaml")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    response = upload(client, exported.data)
    assert response.status_code == 302
    draft_url = response.location
    assert draft_row(app).definition == v1.definition
    again = client.get(f"{draft_url}/definition.yaml")
    assert again.data == exported.data  # byte for byte
    assert [e.action for e in events(app)][-1] == "survey_draft_import"
    # Importing while a draft exists is refused, saying why.
    html = upload(client, exported.data).data.decode()
    assert "There is already a draft of ‘residents’: publish or discard it first" in html


def test_a_broken_yaml_file_is_refused_with_the_problems_listed(app, client):
    signed_in_as(app, client, "admin")
    html = upload(client, b"id: residents\nversion: two\n").data.decode()
    assert "The selected file is not a valid survey definition" in html
    assert "version: Input should be a valid integer" in html
    html = upload(client, b"id: [\n").data.decode()
    assert "not valid YAML" in html
    html = upload(client, b"id: x\n", filename="survey.csv").data.decode()
    assert "The selected file must be a YAML file" in html
    assert "Select a YAML file" in client.post("/admin/editor/import", data={}).data.decode()
    assert count(app, SurveyDraft) == 0


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_a_new_survey_is_made_from_scratch(app, client, role):
    signed_in_as(app, client, role)
    response = client.post(
        "/admin/editor/new", data={"title": "Night-time economy survey", "audience": "public"}
    )
    assert response.status_code == 302 and response.location.endswith("/settings")
    draft = draft_row(app)
    assert draft.survey_id == "night_time_economy_survey" and draft.based_on_version is None
    html = client.get(f"/admin/editor/drafts/{draft.id}").data.decode()
    assert "There is a problem" in html and 'href="#settings"' in html and 'href="#pages"' in html
    html = client.post(
        "/admin/editor/new", data={"title": "X", "survey_id": "residents", "audience": "public"}
    ).data.decode()
    assert "Enter another short name: ‘residents’ is already a survey" in html


def test_a_new_survey_is_published_as_version_1_and_opens_to_the_public(app, client):
    signed_in_as(app, client, "admin")
    client.post(
        "/admin/editor/new", data={"title": "Night-time economy survey", "audience": "public"}
    )
    draft_url = f"/admin/editor/drafts/{draft_row(app).id}"
    settings = {
        "title": "Night-time economy survey",
        "audience": "public",
        "intro": "How safe do you feel on a night out?\n\nIt takes 2 minutes.",
        "privacy_notice": "Anonymous.",
        "opens-day": "1",
        "opens-month": "1",
        "opens-year": "2026",
        "closes-day": "31",
        "closes-month": "12",
        "closes-year": "2030",
        "retention_days": "365",
        "stamp": stamp(client, f"{draft_url}/settings"),
    }
    assert client.post(f"{draft_url}/settings", data=settings).status_code == 302
    question = {
        "type": "scale",
        "label": "How safe do you feel on a night out?",
        "new-0-label": "Safe",
        "new-1-label": "Unsafe",
        "new-2-label": "Don't know",
    }
    assert client.post(f"{draft_url}/questions/new", data=question).status_code == 302
    assert "There is a problem" not in client.get(draft_url).data.decode()
    assert publish(client, draft_url).status_code == 302
    [v1] = versions(app, "night_time_economy_survey")
    assert v1.version == 1 and v1.definition["retention_days"] == 365
    [page] = v1.definition["pages"]
    assert [o["code"] for o in page["questions"][0]["options"]] == ["safe", "unsafe", "dont_know"]
    start = app.test_client().get("/survey/night_time_economy_survey/")
    assert start.status_code == 200 and b"How safe do you feel on a night out?" in start.data


def test_a_save_over_someone_elses_newer_change_is_stopped_not_lost(app, client):
    signed_in_as(app, client, "admin")
    draft_url = start_draft(client)
    form = client.get(f"{draft_url}/questions/safe_day").data.decode()
    stamp = re.search(r'name="stamp" value="(\d+)"', form).group(1)
    # A colleague rewords the question meanwhile.
    colleague = app.test_client()
    signed_in_as(app, colleague, "analyst")
    colleague_form = colleague.get(f"{draft_url}/questions/safe_day").data.decode()
    colleague_stamp = re.search(r'name="stamp" value="(\d+)"', colleague_form).group(1)
    data = {"type": "scale", "label": "By day, how safe do you feel?", "stamp": colleague_stamp}
    for i, code in enumerate(
        ["very_safe", "fairly_safe", "neither", "fairly_unsafe", "very_unsafe", "dont_know"]
    ):
        data[f"opt-{i}-code"] = code
        data[f"opt-{i}-label"] = code.replace("_", " ")
    assert colleague.post(f"{draft_url}/questions/safe_day", data=data).status_code == 302
    # The first person's save, from the older page, is stopped with what they typed kept.
    mine = {**data, "label": "In daylight, how safe do you feel?", "stamp": stamp}
    page = client.post(f"{draft_url}/questions/safe_day", data=mine)
    html = page.data.decode()
    assert page.status_code == 200 and "Someone else changed this draft" in html
    assert 'value="In daylight, how safe do you feel?"' in html

    def label():
        return drafting_question(draft_row(app).definition, "safe_day")["label"]

    assert label() == "By day, how safe do you feel?"
    # Saving again, having seen it, keeps theirs.
    fresh = re.search(r'name="stamp" value="(\d+)"', html).group(1)
    assert (
        client.post(f"{draft_url}/questions/safe_day", data={**mine, "stamp": fresh}).status_code
        == 302
    )
    assert label() == "In daylight, how safe do you feel?"
