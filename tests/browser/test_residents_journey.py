"""The residents' survey in a real browser: an error, every question page, a change from the
check-answers page, sending, confirmation. axe-core checks each page visited."""

from __future__ import annotations

import re

from sqlalchemy import select

from consult.models import Response
from tests.browser.conftest import axe_check, screenshot
from tests.consult.helpers import RESIDENT_ANSWERS

PAGE_URL = re.compile(r"/survey/residents/page/([a-z_]+)")


def _answer(page, answers: dict) -> None:
    """Fill in the current question page's form from ``{code: value or [values]}``."""
    for code, value in answers.items():
        field = page.locator(f'[name="{code}"]').first
        kind = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if kind.startswith("select"):
            field.select_option(value)
        elif kind in ("input:radio", "input:checkbox"):
            for v in value if isinstance(value, list) else [value]:
                page.locator(f'input[name="{code}"][value="{v}"]').check()
        else:
            field.fill(value)


def _continue(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Save and")).click()


def test_residents_journey_with_an_error_and_a_change(page, live_server):
    # Home page, then the start page.
    page.goto("/")
    axe_check(page, "home")
    screenshot(page, "01-home")
    assert page.locator("link[href$='govuk-frontend.min.css']").count() == 1
    # GOV.UK Frontend's stylesheet and fonts loaded from /assets.
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "GDS Transport" in font or "arial" in font.lower()
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")

    page.get_by_role("button", name=re.compile("Take the")).click()
    page.wait_for_url(re.compile(r"/survey/residents/$"))
    axe_check(page, "start")
    screenshot(page, "02-start")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()

    # First question page: send nothing, get the error summary.
    assert PAGE_URL.search(page.url).group(1) == "area"
    _continue(page)
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "There is a problem" in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    axe_check(page, "question page with an error")
    screenshot(page, "03-error")
    # The error links to the field.
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "district"

    # Every question page in turn.
    seen = []
    for _ in range(30):
        match = PAGE_URL.search(page.url)
        if not match:
            break
        page_id = match.group(1)
        seen.append(page_id)
        axe_check(page, f"question page {page_id}")
        if page_id in ("worries", "safety_dark"):
            screenshot(page, f"04-page-{page_id}")
        _answer(page, RESIDENT_ANSWERS.get(page_id, {}))
        _continue(page)
    assert page.url.endswith("/survey/residents/check"), page.url
    assert {"area", "worries", "priorities", "about_age"} <= set(seen)

    # Check answers, then change one.
    axe_check(page, "check answers")
    screenshot(page, "05-check-answers")
    rows = page.locator(".govuk-summary-list__row")
    dark = rows.filter(has_text="after dark")
    assert "Fairly unsafe" in dark.inner_text()
    with page.expect_navigation():
        dark.get_by_role("link", name=re.compile("Change")).click()
    assert "change=1" in page.url
    axe_check(page, "changing an answer")
    page.get_by_label("Very unsafe").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save and go back to check your answers").click()
    assert page.url.endswith("/check")
    assert "Very unsafe" in page.locator(".govuk-summary-list__row", has_text="after dark").inner_text()

    # Send: the confirmation page with a reference.
    with page.expect_navigation():
        page.get_by_role("button", name="Send answers").click()
    assert page.url.endswith("/survey/residents/confirmation")
    panel = page.locator(".govuk-panel")
    assert "Answers sent" in panel.inner_text()
    axe_check(page, "confirmation")
    screenshot(page, "06-confirmation")
    reference = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", panel.inner_text()).group(0)

    with live_server.db() as db:
        stored = db.scalars(select(Response).where(Response.reference == reference)).one()
        assert stored.answers["safe_dark"] == "very_unsafe"
        assert stored.answers["worry_text"] == RESIDENT_ANSWERS["worries"]["worry_text"]

    # The back button after sending shows "already sent", not the form again.
    page.go_back()
    page.reload()
    assert "already sent" in page.content() or "Answers sent" in page.content()


def test_typed_markup_is_shown_as_text_in_the_browser(page):
    page.goto("/survey/residents/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    for _ in range(30):
        match = PAGE_URL.search(page.url)
        if not match:
            break
        answers = dict(RESIDENT_ANSWERS.get(match.group(1), {}))
        if "worry_text" in answers:
            answers["worry_text"] = '<img src=x onerror="document.title=\'pwned\'"><b>bold</b>'
        _answer(page, answers)
        _continue(page)
    assert page.url.endswith("/check")
    assert page.title() != "pwned"
    assert page.locator(".govuk-summary-list b").count() == 0
    assert "<b>bold</b>" in page.locator(".govuk-summary-list").inner_text()
