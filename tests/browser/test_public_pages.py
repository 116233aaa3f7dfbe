"""Every public page (and the error pages a resident can meet) in a real browser: GOV.UK
styling loads, no console or CSP errors, and axe-core finds nothing serious or critical."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import axe_check, screenshot


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", None),
        ("/survey/residents/", "Community safety survey"),
        ("/accessibility", "Accessibility"),
        ("/privacy", "Privacy"),
    ],
)
def test_public_page(page, path, heading):
    response = page.goto(path)
    assert response.status == 200
    h1 = page.locator("h1").first.inner_text()
    if heading:
        assert heading.lower() in h1.lower()
    css = page.evaluate(
        "[...document.styleSheets].some(s => (s.href || '').includes('/assets/govuk/'))"
    )
    assert css, "GOV.UK Frontend CSS did not load from /assets"
    axe_check(page, path)
    screenshot(page, "public" + (path.strip("/").replace("/", "-") or "-home"))


def test_not_found_page(page):
    response = page.goto("/no-such-page")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    axe_check(page, "404")
    screenshot(page, "error-404")


def test_expired_form_gives_the_friendly_csrf_page(page, browser):
    page.goto("/survey/residents/")
    # The session (and its CSRF secret) goes, as if it expired while the page was open.
    page.context.clear_cookies()
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    assert "Your session has expired or the form was out of date" in page.locator("h1").inner_text()
    axe_check(page, "CSRF error page")
    screenshot(page, "error-csrf")


def test_timed_out_page(page, live_server):
    page.goto("/survey/residents/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start now").click()
    first = page.url
    from sqlalchemy import update

    from consult.models import Progress, utcnow

    with live_server.db() as db:
        db.execute(update(Progress).values(expires_at=utcnow()))
        db.commit()
    page.goto(first)
    text = page.locator("main").inner_text()
    assert re.search(r"session has ended", text, re.I), text
    axe_check(page, "timed out")
    screenshot(page, "timed-out")
