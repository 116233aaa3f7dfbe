"""Guided coding in a real browser, with the real theme engine (spaCy, MiniLM, UMAP and
HDBSCAN: more than the engine's small-corpus size): an analyst analyses 500 residents'
answers, checks 50 of them in "Check answers" by keyboard alone, sees the agreement estimate
move as the suggestions learn, runs the analysis again with 50 new answers, and finds every
decision kept. axe-core checks the pages; screenshots are written to
tests/browser/screenshots/."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from sqlalchemy import select

from tests.browser.conftest import axe_check, screenshot
from tests.consult.analysis.test_analysis_support import add_response, resident

YEAR = 2025
FIRST, NEW = 500, 50  # answers in the first analysis; new answers before the second
PLACES = ["Church Road", "the high street", "Mill Lane", "Station Road", "the seafront",
          "Victoria Avenue", "Park Road", "the bypass", "School Lane", "Queens Road",
          "the estate", "Brook Street", "the precinct", "Marine Parade", "the rec",
          "Green Lane", "the retail park", "Chapel Street", "the town centre", "Fir Close"]
WHEN = ["", " every night", " and nothing gets done", " for months now", " at weekends",
        " especially after dark", ", it needs sorting", " near the school"]
CONCERNS = {
    "Speeding": ["Cars speeding down {p}", "People drive far too fast along {p}",
                 "Speeding traffic on {p} is dangerous for children",
                 "Boy racers tearing up and down {p}", "Drivers ignore the 20 limit on {p}"],
    "Drug dealing": ["Drug dealing openly on {p}", "You can smell cannabis all over {p}",
                     "Dealers selling to teenagers on {p}", "County lines gangs using flats on {p}",
                     "Needles left lying around on {p}"],
    "Street lighting": ["Street lights broken on {p}, it is pitch black",
                        "{p} is too dark to walk home safely", "We need better lighting on {p}",
                        "The lamp posts on {p} have been out for weeks"],
    "Anti-social behaviour": ["Groups of youths causing trouble on {p}",
                              "Teenagers shouting and throwing stones on {p}",
                              "Kids on mopeds harassing people on {p}",
                              "Gangs of lads drinking and fighting on {p}"],
    "Burglary": ["Two houses broken into on {p}", "Sheds and garages burgled around {p}",
                 "Break-ins on {p} are getting more frequent",
                 "Someone tried to break into my house on {p}"],
    "Police presence": ["Never see a police officer on {p}", "We need police patrols on {p}",
                        "No PCSOs around {p} since the station closed",
                        "When you call 101 about {p} nobody comes"],
    "Fly-tipping": ["Fly-tipping on {p} is disgusting", "Rubbish dumped all over {p}",
                    "Old mattresses and fridges dumped on {p}"],
    "Knife crime": ["Young people carrying knives on {p}", "A stabbing on {p} last month",
                    "Knife crime is rising around {p}"],
}
OFF_TOPIC = ["The bins on {p} should be collected weekly", "Lovely neighbours on {p}",
             "Potholes on {p} need filling"]


def answers(n: int, seed: int, openers: tuple[str, ...] = ()) -> list[tuple[str, str | None]]:
    """``n`` distinct residents' answers with the concern each is about (None: off topic),
    each starting with one of ``openers`` if given (more openers: more distinct answers)."""
    rng = random.Random(seed)
    pool = [(c, t) for c, ts in CONCERNS.items() for t in ts] + [(None, t) for t in OFF_TOPIC]
    out, seen = [], set()
    while len(out) < n:
        concern, pattern = rng.choice(pool)
        opener = rng.choice(openers) if openers else ""
        text = opener + pattern.format(p=rng.choice(PLACES)) + rng.choice(WHEN)
        text = text[0].upper() + text[1:]
        if text not in seen:
            seen.add(text)
            out.append((text, concern))
    return out


def store(live_server, rows, day: int) -> dict[int, str | None]:
    """Stored as responses; returns response id -> concern."""
    concern_of = {}
    with live_server.db() as db:
        for i, (text, concern) in enumerate(rows):
            r = add_response(db, resident(text, district=["worthing", "adur", "arun"][i % 3]),
                             submitted_at=dt.datetime(YEAR, 3, day, 12, 0))
            concern_of[r.id] = concern
        db.commit()
    return concern_of


def answer_response(live_server, answer_id: int) -> int:
    from consult.analysis.models import AnalysedAnswer

    with live_server.db() as db:
        return db.get(AnalysedAnswer, answer_id).response_id


@pytest.fixture
def real_engine(live_server):
    pytest.importorskip("sentence_transformers")
    try:
        from nlp.spacy_model import load_spacy

        load_spacy()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"spaCy model not installed: {exc}")
    live_server.app.config["ANALYSIS_ENGINE_FACTORY"] = None


def _submit(page, name) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _agreement(page) -> str:
    return " ".join(page.locator("#agreement").inner_text().split())


def test_an_analyst_checks_50_answers_by_keyboard_and_a_rerun_keeps_them(
    staff_page, live_server, real_engine
):
    concern_of = store(live_server, answers(FIRST, seed=1), day=1)
    page = staff_page("analyst")

    # --- the first analysis ----------------------------------------------------------------
    page.goto("/analysis/runs/new")
    for box in page.locator('input[name="versions"]').all():
        label = page.locator(f'label[for="{box.get_attribute("id")}"]').inner_text()
        box.set_checked(label.startswith("Community safety survey"))
    for box in page.locator('input[name="questions"]').all():
        label = page.locator(f'label[for="{box.get_attribute("id")}"]').inner_text()
        box.set_checked("worries you most" in label.lower())
    page.get_by_label("Which year's answers?").select_option(str(YEAR))
    page.get_by_label("Name for this analysis (optional)").fill("Residents 2025 (guided)")
    _submit(page, "Start the analysis")
    page.locator("table.app-themes").wait_for(timeout=240_000)
    run_url = page.url
    screenshot(page, "guided-themes-first-pass")

    # --- Check answers, by keyboard ----------------------------------------------------------
    page.get_by_role("link", name="Check answers").first.click()
    page.wait_for_url(re.compile(r"/check$"))
    axe_check(page, "check answers")
    assert "0 answers checked" in page.locator("#queue-progress").inner_text()
    screenshot(page, "guided-check-first")
    decided: dict[int, str | None] = {}  # response id -> the theme the analyst chose
    named: set[str] = set()
    figures = []
    keys = {"a": 0, "o": 0, "n": 0, "x": 0}
    while len(decided) < 50:
        answer_id = int(page.locator('input[name="answer"]').first.get_attribute("value"))
        rid = answer_response(live_server, answer_id)
        want = concern_of[rid]
        suggested = page.locator("#suggested li").first
        top = suggested.inner_text().strip() if suggested.count() else None
        with page.expect_navigation():
            if want is None:
                keys["x"] += 1
                page.keyboard.press("x")
            elif top == want:
                keys["a"] += 1
                page.keyboard.press("a")
            elif want in named:
                keys["o"] += 1
                page.keyboard.press("o")
                page.keyboard.type(want)
                page.keyboard.press("Enter")
            else:
                keys["n"] += 1
                page.keyboard.press("n")
                page.keyboard.type(want)
                page.keyboard.press("Enter")
        progress = page.locator("#queue-progress").inner_text()
        if not progress.startswith(f"{len(decided) + 1} answer"):
            # The suggestions were updated under the page: it says so, and asks again.
            assert "Check it again" in page.locator(".govuk-error-summary").inner_text()
            continue
        if want is not None:
            named.add(want)
        decided[rid] = want
        figures.append(_agreement(page))
    screenshot(page, "guided-check-after-50")
    axe_check(page, "check answers after 50")
    # The estimate moved as the suggestions learned from the decisions.
    shares = [int(m.group(1)) for f in figures if (m := re.search(r"chose (\d+)%", f))]
    assert len(set(shares)) >= 3, figures
    assert keys["a"] >= 5, keys  # the suggestions came to name the analyst's themes
    assert "in the last 50 checks" in figures[-1]

    # --- new answers, and the analysis again -------------------------------------------------
    store(live_server, answers(FIRST + NEW, seed=1)[FIRST:], day=2)
    page.goto(run_url)
    _submit(page, "Run the analysis again with the latest answers")
    page.locator("table.app-themes").wait_for(timeout=240_000)
    assert page.url != run_url
    applied = page.locator("#decisions-applied").inner_text()
    assert re.search(r"\d+ of your earlier decisions were applied", applied), applied
    for name in named:
        assert page.locator("table.app-themes").get_by_role("link", name=name, exact=True
                                                           ).count() >= 1, name
    screenshot(page, "guided-themes-rerun")
    new_run = int(page.url.rstrip("/").split("/")[-1])

    from consult.analysis.models import AnalysedAnswer, AnalysisRun
    from consult.analysis.review.curation import answer_themes

    with live_server.db() as db:
        run = db.get(AnalysisRun, new_run)
        assert run.n_answers == FIRST + NEW
        for rid, want in decided.items():
            answer = db.scalar(select(AnalysedAnswer).where(
                AnalysedAnswer.run_id == new_run, AnalysedAnswer.response_id == rid))
            got = [t.label for t in answer_themes(db, answer)]
            assert got[:1] == ([want] if want else []), (answer.redacted_text, want, got)
    page.get_by_role("link", name="Check answers").first.click()
    page.wait_for_url(re.compile(r"/check$"))
    assert "50 answers checked" in page.locator("#queue-progress").inner_text()
    screenshot(page, "guided-check-rerun")
