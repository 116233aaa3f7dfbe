"""The survey editor in a real browser, as the issue's "done when" describes it.

An admin starts version 2 of the residents' survey from version 1, adds a question with a
follow-up revealed under one of its options, moves it, previews it on a phone-sized screen,
fixes the problem the error summary points to, and publishes. A resident then answers
version 2, and the responses export shows both versions with the same codes.

This module publishes a new version of the residents' survey, so it runs on a server of its
own: the shared one keeps version 1 for the other browser tests.
"""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from consult.models import AuditEvent, Progress, Response, SurveyVersion
from tests.browser.conftest import axe_check, screenshot
from tests.browser.test_residents_journey import PAGE_URL, _answer, _continue
from tests.consult.helpers import RESIDENT_ANSWERS

FOLLOW_UP = "What problems have they caused?"
QUESTION = "Have e-scooters or e-bikes caused problems where you live?"


def _count(live_server, model) -> int:
    with live_server.db() as db:
        return db.scalar(select(func.count()).select_from(model))


def _press(page, locator) -> None:
    """Use a control by keyboard alone: focus it, press Enter, wait for the next page."""
    locator.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _resident_answers_version_1(live_server) -> None:
    """A response to version 1, stored as the journey stores one."""
    import datetime as dt

    from consult.journey import progress as store
    from consult.survey_store import definition_of
    from surveys import answers as rules

    with live_server.db() as db:
        version = db.scalar(
            select(SurveyVersion).where(
                SurveyVersion.survey_id == "residents", SurveyVersion.version == 1
            )
        )
        progress = store.start(db, version, dt.timedelta(minutes=60))
        answers = {}
        for values in RESIDENT_ANSWERS.values():
            answers.update(values)
        answers["postcode_district"] = "BN11"
        assert not rules.validate_all(definition_of(version), answers)
        store.store_response(db, progress, answers, "resident")
        db.commit()


def _csv(page, url: str) -> list[dict]:
    body = page.request.get(url).body().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_an_admin_changes_next_years_survey_and_a_resident_answers_it(
    staff_page, live_server, browser
):
    _resident_answers_version_1(live_server)
    page = staff_page("admin")

    # The editor lists the surveys; start version 2 from version 1.
    page.goto("/admin/editor/")
    axe_check(page, "editor index")
    screenshot(page, "editor-01-index")
    _press(page, page.get_by_role("button", name="Start version 2 of Community safety survey"))
    assert re.search(r"/admin/editor/drafts/\d+$", page.url)
    draft_url = page.url
    assert "Draft of version 2, started from version 1" in page.inner_text("main")
    axe_check(page, "draft overview")

    # Add a question on a new page after "safer or less safe".
    page.locator("#page-safety_change").get_by_role(
        "link", name=re.compile("^Add a question on a new page")
    ).click()
    axe_check(page, "add a question")
    page.get_by_label("One answer from a list (radios)").check()
    page.get_by_label("Question", exact=True).fill(QUESTION)
    page.get_by_label("Code (optional)").fill("e_scooters")
    page.get_by_label("New option 1", exact=True).fill("Yes")
    page.get_by_label("New option 2", exact=True).fill("No")
    page.get_by_label("New option 3", exact=True).fill("Don't know")
    with page.expect_navigation():
        page.get_by_role("button", name="Save question").click()
    assert page.url.endswith("#question-e_scooters")
    card = page.locator("#question-e_scooters")
    assert "e_scooters" in card.inner_text() and "Yes (yes)" in card.inner_text()

    # Its follow-up, revealed under "Yes": on the same page, shown when "Yes" is chosen.
    page.locator("#page-e_scooters").get_by_role(
        "link", name=re.compile("^Add a question to this page")
    ).click()
    page.get_by_label("A short text answer").check()
    page.get_by_label("Question", exact=True).fill(FOLLOW_UP)
    page.get_by_label("Code (optional)").fill("e_scooters_problems")
    page.locator("#show_if").select_option(value="e_scooters|equals|yes")
    with page.expect_navigation():
        page.get_by_role("button", name="Save question").click()
    assert page.locator(".govuk-error-summary").count() == 0

    # Reorder, by keyboard: the new page moves up, before "safer or less safe".
    _press(page, page.get_by_role("button", name=f"Move page up ({QUESTION})"))
    ids = page.locator("section.app-editor-page").evaluate_all("els => els.map(e => e.id)")
    assert ids.index("page-e_scooters") == ids.index("page-safety_change") - 1
    # ...and the follow-up moves above the question it follows: the schema refuses that.
    _press(page, page.get_by_role("button", name=f"Move up question: {FOLLOW_UP}"))
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "There is a problem" in summary.inner_text()
    assert "which comes later: a condition can only look back" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert page.get_by_role("link", name="Preview").count() == 0  # not until it is fixed
    axe_check(page, "draft with a problem")
    screenshot(page, "editor-02-problem")
    # The summary's link leads to the question at fault; fix it from there, by keyboard.
    _link = summary.get_by_role("link", name=re.compile(FOLLOW_UP))
    _link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("#question-e_scooters_problems$"))
    assert page.evaluate("document.activeElement.id") == "question-e_scooters_problems"
    page.keyboard.press("Tab")
    assert "Change" in page.evaluate("document.activeElement.textContent")
    _press(page, page.get_by_role("button", name=f"Move down question: {FOLLOW_UP}"))
    assert page.locator(".govuk-error-summary").count() == 0
    screenshot(page, "editor-03-fixed")

    # Preview on a phone: the journey's own pages, answers kept nowhere.
    progress_before, responses_before = _count(live_server, Progress), _count(live_server, Response)
    page.set_viewport_size({"width": 375, "height": 812})
    page.get_by_role("link", name="Preview").click()
    assert (
        "Nothing you enter is kept" in page.inner_text("main")
        or "Nothing you enter is kept" in page.content()
    )
    axe_check(page, "preview start")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    for _ in range(10):
        if "/page/e_scooters" in page.url:
            break
        page_id = page.url.split("/page/")[1]
        _answer(page, RESIDENT_ANSWERS.get(page_id, {}))
        _continue(page)
    assert "/preview/page/e_scooters" in page.url
    assert page.locator("h1").inner_text() == QUESTION
    follow_up = page.get_by_label(FOLLOW_UP)
    assert not follow_up.is_visible()
    page.get_by_label("Yes", exact=True).check()
    assert follow_up.is_visible()  # the conditional reveal
    follow_up.fill("Ridden on the pavement outside the shops")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    axe_check(page, "preview question with reveal, phone")
    screenshot(page, "editor-04-preview-phone")
    _continue(page)
    for _ in range(20):
        match = re.search(r"/preview/page/([a-z_]+)", page.url)
        if not match:
            break
        _answer(page, RESIDENT_ANSWERS.get(match.group(1), {}))
        _continue(page)
    assert page.url.endswith("/preview/check")
    rows = page.locator(".govuk-summary-list__row")
    assert "Ridden on the pavement" in rows.filter(has_text=FOLLOW_UP).inner_text()
    axe_check(page, "preview check answers")
    screenshot(page, "editor-05-preview-check")
    assert page.get_by_role("button", name="Send answers").count() == 0
    assert _count(live_server, Progress) == progress_before
    assert _count(live_server, Response) == responses_before

    # Publish.
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(draft_url)
    page.get_by_role("link", name="Publish").click()
    axe_check(page, "publish")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish version 2").click()
    assert "Version 2 published" in page.locator(".govuk-panel").inner_text()
    axe_check(page, "published")
    screenshot(page, "editor-06-published")
    with live_server.db() as db:
        events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        changes = [e.details["change"] for e in events if e.action == "survey_draft_edit"]
        assert changes == [
            "question_added",
            "question_added",
            "page_moved",
            "question_moved",
            "question_moved",
        ]
        assert events[-1].action == "survey_publish"
        assert events[-1].target == "residents version 2"

    # A resident answers version 2.
    resident = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 812})
    rpage = resident.new_page()
    rpage.goto("/survey/residents/")
    with rpage.expect_navigation():
        rpage.get_by_role("button", name="Start now").click()
    for _ in range(30):
        match = PAGE_URL.search(rpage.url)
        if not match:
            break
        answers = dict(RESIDENT_ANSWERS.get(match.group(1), {}))
        if match.group(1) == "e_scooters":
            rpage.get_by_label("Yes", exact=True).check()
            answers = {"e_scooters_problems": "Ridden on the pavement outside the shops"}
        _answer(rpage, answers)
        _continue(rpage)
    assert rpage.url.endswith("/check")
    with rpage.expect_navigation():
        rpage.get_by_role("button", name="Send answers").click()
    assert "Answers sent" in rpage.locator(".govuk-panel").inner_text()
    resident.close()

    # The export: both versions, the same codes for the same answers.
    with live_server.db() as db:
        ids = dict(
            db.execute(
                select(SurveyVersion.version, SurveyVersion.id).where(
                    SurveyVersion.survey_id == "residents"
                )
            ).all()
        )
    page.goto("/admin/surveys")
    assert page.locator(f"#version-{ids[1]} [data-count]").inner_text() == "1"
    assert page.locator(f"#version-{ids[2]} [data-count]").inner_text() == "1"
    [old] = _csv(page, f"/admin/surveys/{ids[1]}/responses.csv")
    [new] = _csv(page, f"/admin/surveys/{ids[2]}/responses.csv")
    assert (old["version"], new["version"]) == ("1", "2")
    for column in (
        "safe_dark",
        "safe_dark_label",
        "problems__asb",
        "problems__road_safety",
        "district",
        "incident",
        "age_group",
    ):
        assert old[column] == new[column], column
    assert new["safe_dark"] == "fairly_unsafe" and new["problems__asb"] == "1"
    assert new["e_scooters"] == "yes" and new["e_scooters_label"] == "Yes"
    assert new["e_scooters_problems"] == "Ridden on the pavement outside the shops"
    assert "e_scooters" not in old


def test_the_editors_other_pages_for_an_analyst(staff_page, tmp_path):
    """Every other page of the editor passes axe, errors included; an analyst may edit a
    draft but is never offered publishing."""
    page = staff_page("analyst")
    page.goto("/admin/editor/")
    _press(page, page.get_by_role("button", name="Start version 2 of Staying safe survey"))
    draft_url = page.url
    assert page.get_by_role("link", name="Publish").count() == 0
    assert "Only an admin can publish" in page.inner_text("main")

    # Survey details, with a date that does not exist.
    page.get_by_role("link", name="Change survey details").click()
    axe_check(page, "survey details")
    page.locator("#opens-day").fill("30")
    page.locator("#opens-month").fill("2")
    with page.expect_navigation():
        page.get_by_role("button", name="Save survey details").click()
    summary = page.locator(".govuk-error-summary")
    assert "The date the survey opens must be a real date" in summary.inner_text()
    assert page.locator("#opens-day").input_value() == "30"  # what was typed is kept
    axe_check(page, "survey details with an error")
    screenshot(page, "editor-07-settings-error")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "opens-day"

    # A question with its wording taken away.
    page.goto(draft_url)
    page.locator("#question-year_group").get_by_role("link", name=re.compile("^Change")).click()
    axe_check(page, "change a question")
    page.get_by_label("Question", exact=True).fill("")
    page.get_by_label("Option 1", exact=True).fill("Year 7 (first year)")
    with page.expect_navigation():
        page.get_by_role("button", name="Save question").click()
    assert "Enter the question" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Option 1", exact=True).input_value() == "Year 7 (first year)"
    axe_check(page, "change a question with an error")
    screenshot(page, "editor-08-question-error")

    # A page's title and conditions; removing a question.
    page.goto(draft_url)
    page.locator("#page-year").get_by_role("link", name=re.compile("^Change page")).click()
    axe_check(page, "change a page")
    page.goto(draft_url)
    page.locator("#question-year_group").get_by_role("link", name=re.compile("^Remove")).click()
    assert "breaks comparison with earlier years" in page.inner_text("main")
    axe_check(page, "remove a question")

    # Import: a file that is not a survey definition.
    bad = tmp_path / "schools.yaml"
    bad.write_text("id: schools\nversion: two\n", encoding="utf-8")
    page.goto("/admin/editor/import")
    axe_check(page, "import")
    page.locator("#file").set_input_files(str(bad))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    assert "The selected file is not a valid survey definition" in page.inner_text("main")
    assert "version: Input should be a valid integer" in page.inner_text("main")
    axe_check(page, "import with an error")

    # Discarding the draft.
    page.goto(draft_url)
    page.get_by_role("link", name="Discard this draft").click()
    axe_check(page, "discard")
    with page.expect_navigation():
        page.get_by_role("button", name="Discard draft").click()
    assert page.url.endswith("/admin/editor/")
    assert page.get_by_role("button", name="Start version 2 of Staying safe survey").count() == 1
