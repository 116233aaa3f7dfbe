"""The analyst's review in a real browser: responses with obvious themes, a run of the
free-text questions watched to the end on its progress page (no reload), two themes merged,
one renamed, a quote approved, and the Word document downloaded and read back. axe-core checks
each page of the workspace.

The theme engine is the small deterministic fake the analysis view tests use (themes by
keyword), held before each stage until the test lets it go on, so the progress page is seen
mid-run and its bar seen to move; it is set on this test's live server
(``ANALYSIS_ENGINE_FACTORY`` is read when a job runs)."""

from __future__ import annotations

import re
import threading

import pytest

from tests.browser.conftest import SCREENSHOTS, axe_check, screenshot
from tests.consult.analysis.test_analysis_support import RULES, FakeEngine, add_response, resident

THEME_RULES = [
    *RULES,
    ("Car meets", ["car meet", "cruising", "revving"], "road_safety"),
    ("Anti-social behaviour", ["anti-social", "antisocial", "youths"], "anti_social_behaviour"),
]
RENAMED = "Speeding and car meets"
TITLE = "Residents 2026 (browser check)"


class SteppedFakeEngine(FakeEngine):
    """The fake engine, waiting before each stage until the test releases ``steps``."""

    def __init__(self, app, rules, steps: threading.Semaphore):
        super().__init__(app, rules=rules)
        self.steps = steps

    def fit(self, texts, ids=None, metadata=None, progress=None):
        def stepped(stage, fraction):
            assert self.steps.acquire(timeout=120), "the test never let the run go on"
            if progress:
                progress(stage, fraction)

        return super().fit(texts, ids=ids, metadata=metadata, progress=stepped)


@pytest.fixture
def engine_steps(live_server, monkeypatch) -> threading.Semaphore:
    """Release it to let the run's engine on by one stage."""
    steps = threading.Semaphore(0)
    monkeypatch.setitem(
        live_server.app.config,
        "ANALYSIS_ENGINE_FACTORY",
        lambda app: SteppedFakeEngine(app, THEME_RULES, steps),
    )
    yield steps
    steps.release(100)  # never leave a job thread waiting


SEED = (
    [f"Cars speeding down {road} every night, someone will get killed"
     for road in ("Church Road", "the high street", "Mill Lane", "Station Road", "the seafront",
                  "Victoria Avenue", "Park Road", "the bypass", "School Lane", "Queens Road",
                  "the estate", "Brook Street")]
    + [f"Car meets in the {place} car park with engines revving until 2am"
       for place in ("retail park", "supermarket", "leisure centre", "station", "beach")]
    + [f"Drug dealing {where}, you can smell it and see the deals"
       for where in ("in the park", "outside the shops", "by the station", "behind the flats",
                     "on the rec", "near the school", "in the alley", "at the bus stop",
                     "by the church")]
    + [f"Youths causing anti-social behaviour {where}"
       for where in ("outside the shops", "on the green", "in the precinct", "at the bus station",
                     "by the library", "in the underpass", "on the estate")]
    + [f"It is too dark at night, the street lighting on {road} is off"
       for road in ("Mill Lane", "the footpath", "Brook Street", "the park path")]
    + ["nothing", "no comment", "n/a"]
)


@pytest.fixture
def seeded(live_server):
    """About 40 residents' responses with obvious themes, stored as the journey stores them."""
    districts = ["worthing", "adur", "arun", "chichester"]
    ages = ["age_16_24", "age_35_44", "age_65_74"]
    with live_server.db() as db:
        for i, text in enumerate(SEED):
            add_response(db, resident(text, "More police about", districts[i % 4], ages[i % 3]))
        db.commit()
    return len(SEED)


def _submit(page, name) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _theme_link(page, label):
    return page.locator("table.app-themes").get_by_role("link", name=label, exact=True)


# Every value the progress bar shows, kept in sessionStorage across the page's own navigation.
RECORD_PROGRESS = """
document.addEventListener('DOMContentLoaded', () => {
  const percent = document.getElementById('job-percent')
  if (!percent) return
  const seen = JSON.parse(sessionStorage.getItem('progressSeen') || '[]')
  const note = () => {
    seen.push(percent.textContent.trim())
    sessionStorage.setItem('progressSeen', JSON.stringify(seen))
  }
  note()
  new MutationObserver(note).observe(percent, {childList: true, characterData: true, subtree: true})
})
"""


def test_an_analyst_runs_reviews_and_exports(staff_page, live_server, seeded, engine_steps):
    page = staff_page("analyst")
    page.context.add_init_script(RECORD_PROGRESS)

    # --- the workspace and the responses browser ----------------------------------------
    page.goto("/analysis/")
    assert page.locator("h1").inner_text() == "Analysis"
    axe_check(page, "analysis workspace")
    residents_row = page.locator("tbody tr", has_text="Community safety survey")
    with page.expect_navigation():
        residents_row.get_by_role("link", name=re.compile("Browse responses")).first.click()
    assert "/analysis/surveys/residents/responses" in page.url
    axe_check(page, "responses browser")
    page.get_by_label("Search the answers").fill("drug dealing")
    _submit(page, "Apply filters")
    status = page.get_by_role("status").inner_text()
    assert re.match(r"9 responses match the filters", status), status
    assert page.locator(".govuk-summary-card").count() == 9
    axe_check(page, "responses browser, filtered")
    with page.expect_navigation():
        page.locator(".govuk-summary-card").first.get_by_role("link", name=re.compile("Open")).click()
    assert "Drug dealing" in page.locator(".govuk-summary-list").inner_text()
    axe_check(page, "one response")

    # --- start a run of the residents' free-text questions -------------------------------
    page.goto("/analysis/")
    with page.expect_navigation():
        page.get_by_text("Analyse free-text answers").click()
    axe_check(page, "new analysis form")
    for box in page.locator('input[name="versions"]').all():
        label = page.locator(f'label[for="{box.get_attribute("id")}"]').inner_text()
        box.set_checked(label.startswith("Community safety survey"))
    for box in page.locator('input[name="questions"]').all():
        label = page.locator(f'label[for="{box.get_attribute("id")}"]').inner_text()
        box.set_checked("Staying safe" not in label)
    page.get_by_label("Name for this analysis (optional)").fill(TITLE)
    _submit(page, "Start the analysis")

    # The progress page, then the themes once the job is done: no reload by us.
    assert re.search(r"/analysis/runs/\d+$", page.url)
    run_url = page.url
    progress = page.locator("#job-progress")
    assert progress.is_visible(), "the run finished before its progress page was shown"
    assert page.get_by_label("Progress").count() == 1
    axe_check(page, "run progress")
    screenshot(page, "analysis-progress")
    shown = page.locator("#job-percent").inner_text().strip()
    engine_steps.release(3)  # halfway through the engine's stages: the bar moves on its own
    page.wait_for_function(
        "shown => document.getElementById('job-percent').textContent.trim() !== shown", arg=shown
    )
    engine_steps.release(100)  # and the rest
    page.locator("table.app-themes").wait_for(timeout=60_000)
    assert page.url == run_url
    seen = page.evaluate("JSON.parse(sessionStorage.getItem('progressSeen') || '[]')")
    percents = [int(s.rstrip("%")) for s in seen if s.rstrip("%").isdigit()]
    assert len(set(percents)) >= 2, f"the progress bar never moved: {seen}"
    assert percents == sorted(percents), seen

    # --- review the themes ---------------------------------------------------------------
    assert TITLE in page.locator("h1").inner_text()
    for label in ("Speeding", "Car meets", "Drug dealing", "Anti-social behaviour",
                  "Street lighting"):
        assert _theme_link(page, label).count() == 1, label
    axe_check(page, "themes review")
    screenshot(page, "analysis-themes")

    # Merge "Car meets" into "Speeding", then rename it.
    with page.expect_navigation():
        _theme_link(page, "Speeding").click()
    axe_check(page, "theme page")
    page.get_by_label(re.compile(r"^Car meets \(\d+\)$")).check()
    _submit(page, "Merge")
    assert "Themes merged." in page.locator(".govuk-notification-banner").inner_text()
    page.get_by_label("Rename this theme").fill("   ")
    _submit(page, "Rename")
    assert "Enter a name for the theme" in page.locator(".govuk-error-summary").inner_text()
    axe_check(page, "theme page with an error")
    page.get_by_label("Rename this theme").fill(RENAMED)
    _submit(page, "Rename")
    assert "Theme renamed." in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("h1").inner_text() == RENAMED
    assert page.get_by_label(re.compile(r"^Car meets")).count() == 0

    # Approve one quote; make sure a car meets answer is in the theme now.
    answers = page.locator("#answers ~ form tbody")
    assert "Car meets in the" in answers.inner_text()
    assert "What worries you most" in answers.inner_text()  # the question, not its code
    quotes = page.locator("li.app-quote")
    assert quotes.count() >= 2, "the theme should offer at least two quotes"
    approved = quotes.first.locator("blockquote").inner_text().strip("“”")
    not_approved = quotes.nth(1).locator("blockquote").inner_text().strip("“”")
    with page.expect_navigation():
        quotes.first.get_by_role("button", name=re.compile("^Approve for publication")).click()
    assert "Quote approved for publication." in page.locator(
        ".govuk-notification-banner"
    ).inner_text()
    assert "Approved" in page.locator("li.app-quote").first.inner_text()
    axe_check(page, "theme page after approving a quote")
    screenshot(page, "analysis-theme")

    # The change history says who did what.
    page.get_by_role("link", name="Change history").click()
    page.wait_for_url(re.compile(r"/history$"))
    history = page.locator("tbody").inner_text()
    assert "Merged" in history and "Renamed" in history and "Approved a quote" in history
    axe_check(page, "change history")

    # --- the public views section, on the web and as Word ---------------------------------
    page.get_by_role("link", name="Public views section").click()
    page.wait_for_url(re.compile(r"/report$"))
    report = page.locator("main").inner_text()
    assert RENAMED in report and approved in report and not_approved not in report
    assert "respondents select themselves" in report
    for chart in page.locator("img.app-chart").all():
        assert chart.evaluate("img => img.complete && img.naturalWidth > 0"), chart.get_attribute(
            "src"
        )
    axe_check(page, "report page")
    screenshot(page, "analysis-report")

    with page.expect_download() as got:
        page.get_by_role("button", name="Download as Word (.docx)").or_(
            page.get_by_role("link", name="Download as Word (.docx)")
        ).click()
    download = got.value
    assert download.suggested_filename.endswith(".docx")
    SCREENSHOTS.mkdir(exist_ok=True)
    download.save_as(SCREENSHOTS / "public-views.docx")  # to convert to PDF and look at
    from docx import Document

    doc = Document(download.path())
    text = "\n".join(
        [p.text for p in doc.paragraphs]
        + [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    )
    assert RENAMED in text
    assert approved in text
    assert not_approved not in text
    assert "Car meets" not in text  # merged away
