"""An administrator manages staff accounts in a real browser (axe-core checked)."""

from __future__ import annotations

import itertools

from tests.browser.conftest import axe_check, screenshot
from tests.support import sign_in_page

_numbers = itertools.count(1)


def test_admin_resets_a_password_and_disables_a_leaver(staff_page, browser, live_server):
    n = next(_numbers)
    leaver = f"leaver.{n}@example.org"
    live_server.create_user(leaver, "analyst")
    page = staff_page("admin")
    page.get_by_role("link", name="Staff accounts").first.click()
    assert page.locator("h1").inner_text() == "Staff accounts"
    axe_check(page, "staff accounts")
    page.get_by_role("link", name=leaver).click()
    axe_check(page, "one staff account")

    # The leaver is signed in elsewhere.
    other = browser.new_context(base_url=live_server.url)
    their_page = other.new_page()
    sign_in_page(their_page, leaver)

    with page.expect_navigation():
        page.get_by_role("button", name="Reset password").click()
    temporary = page.locator("#temporary-password code").inner_text()
    assert len(temporary) == 19
    screenshot(page, "staff-account-temporary-password")
    axe_check(page, "temporary password shown")

    their_page.goto("/admin/surveys")
    assert "/staff/sign-in" in their_page.url  # signed out by the reset

    with page.expect_navigation():
        page.get_by_role("button", name="Disable account").click()
    assert page.locator(".govuk-notification-banner").inner_text().count("Account disabled") == 1
    assert page.get_by_role("button", name="Enable account").is_visible()
    screenshot(page, "staff-account-disabled")

    sign_in_attempt = other.new_page()
    sign_in_attempt.goto("/staff/sign-in")
    sign_in_attempt.locator('[name="email"]').fill(leaver)
    sign_in_attempt.locator('[name="password"]').fill(temporary)
    with sign_in_attempt.expect_navigation():
        sign_in_attempt.get_by_role("button", name="Sign in").click()
    assert "Enter a correct email address and password" in sign_in_attempt.content()
    other.close()


def test_temporary_password_must_be_changed_first(page, live_server):
    from consult.auth.accounts import find_by_email, reset_password

    email = f"temp.{next(_numbers)}@example.org"
    live_server.create_user(email, "analyst")
    with live_server.db() as db:
        temporary = reset_password(db, find_by_email(db, email))
        db.commit()
    page.goto("/staff/sign-in")
    page.locator('[name="email"]').fill(email)
    page.locator('[name="password"]').fill(temporary)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/staff/password")
    axe_check(page, "change password")
    page.locator('[name="current_password"]').fill(temporary)
    page.locator('[name="new_password"]').fill("qwertyuiopas")
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    assert page.locator(".govuk-error-summary").is_visible()
    screenshot(page, "change-password-error")
    page.locator('[name="current_password"]').fill(temporary)
    page.locator('[name="new_password"]').fill("meadow kettle violin 7")
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    assert page.url.endswith("/staff/")
    assert "Your password has been changed" in page.content()
