"""Options in the survey editor, in a real browser (issue 24): a new option is listed
before "None of these", options move up and down with buttons (by keyboard too) and keep
their edited wording and hints, and the respondent sees them in that order."""

from __future__ import annotations

from tests.browser.conftest import axe_check, screenshot
from tests.browser.test_survey_editor_browser import _press


def _option_labels(page) -> list[str]:
    return page.locator(".app-editor-option input[name$='-label']").evaluate_all(
        "els => els.map(e => e.value)"
    )


def test_options_are_added_before_none_of_these_and_moved_in_the_editor(staff_page):
    page = staff_page("admin")
    page.goto("/admin/editor/")
    _press(page, page.get_by_role("button", name="Start version 2 of Community safety survey"))
    draft_url = page.url
    with page.expect_navigation():
        page.locator("#question-problems").get_by_role("link", name="Change").first.click()
    labels = _option_labels(page)
    assert labels[-1] == "None of these"
    n = len(labels)

    # A new option, with a hint: saved before "None of these", not after it.
    page.get_by_label("New option 1", exact=True).fill("Noise from parties")
    page.get_by_label("New option 1 hint (optional)", exact=True).fill("Late at night")
    with page.expect_navigation():
        page.get_by_role("button", name="Save question").click()
    card = page.locator("#question-problems").inner_text()
    assert card.index("Noise from parties") < card.index("None of these")

    # Move the new option up to the top, by keyboard; "None of these" has no Move up.
    page.goto(f"{draft_url}/questions/problems")
    assert _option_labels(page)[-2:] == ["Noise from parties", "None of these"]
    last = page.locator(f"#option-{n}")
    assert last.get_by_role("button", name="Move up").count() == 0
    assert last.get_by_role("button", name="Move down").count() == 0
    for at in range(n - 1, 0, -1):
        _press(page, page.locator(f"#option-{at}").get_by_role("button", name="Move up"))
    assert _option_labels(page)[0] == "Noise from parties"
    assert "moved up" in page.locator("#moved").inner_text()
    axe_check(page, "question with an option moved")
    screenshot(page, "editor-options-moved")
    # Its wording and hint edited on the same page, then saved together.
    page.get_by_label("Option 1", exact=True).fill("Noisy parties")
    page.get_by_label("Option 1 hint (optional)", exact=True).fill("Late at night, most weekends")
    # Enter in a box saves the question (it never presses a Move button).
    page.get_by_label("Option 2", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("#question-problems")
    card = page.locator("#question-problems").inner_text()
    assert card.index("Noisy parties") < card.index("Anti-social behaviour")
    assert card.index("Anti-social behaviour") < card.index("None of these")

    # The respondent's view (preview) lists them in that order, with the hint.
    page.goto(f"{draft_url}/preview/")
    with page.expect_navigation():
        page.get_by_role("button", name="Start").first.click()
    page.goto(f"{draft_url}/preview/page/problems")
    text = page.locator("form").inner_text()
    assert text.index("Noisy parties") < text.index("Anti-social behaviour")
    assert text.index("Anti-social behaviour") < text.index("None of these")
    assert "Late at night, most weekends" in text
