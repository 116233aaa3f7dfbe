"""The staff sign-in page and the page it leads to, in a real browser with axe-core."""

from __future__ import annotations

from tests.browser.conftest import axe_check, screenshot


def test_sign_in_page_and_a_wrong_password(page):
    page.goto("/staff/sign-in")
    axe_check(page, "staff sign-in")
    page.locator('[name="email"]').fill("nobody@example.org")
    page.locator('[name="password"]').fill("wrong password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.locator(".govuk-error-summary").is_visible()
    axe_check(page, "staff sign-in with an error")
    screenshot(page, "staff-sign-in-error")


def test_an_analyst_signs_in(staff_page):
    page = staff_page("analyst")
    assert page.locator("h1").count() >= 1
    axe_check(page, "staff home (analyst)")
    screenshot(page, "staff-home-analyst")
