"""Issue 12's sample re-created in a real browser, as the analyst would make it, ending in
the Word export converted to PDF and PNG pages to look at.

    PYTHONPATH=$PWD .venv/bin/python bench/public_views_sample.py [--out bench/out/sample]
        [--residents 1100] [--pupils 3] [--review 10]

Starts the real app on 127.0.0.1 (a scratch instance folder and SQLite database, the real
theme engine, jobs in a background thread) and drives Debian's Chromium through Playwright:

1. an analyst signs in and imports ``--residents`` residents' answers through the import
   page (a CSV made from ../shared/data: the Bowling Green consultation's comments and NHS
   comments as what worries them most, with districts, age groups and days in the eight
   weeks up to today);
2. a teacher opens a pupil session, ``--pupils`` pupils join with its code on a classroom
   device and answer;
3. the analyst runs the analysis of "what worries you most" in both surveys and watches its
   progress page to the end;
4. the analyst reviews ``--review`` themes on their pages: confirms each (and the priority
   link the engine suggests, if any), renames the ones whose suggested name is lower case,
   approves up to three quotes;
5. opens the public views page (printing how long it took) and downloads the Word file.

The .docx is converted with ``libreoffice --headless --convert-to pdf`` and the PDF with
``pdftoppm -r 60 -png`` into ``--out`` (bench/out/ is git-ignored): look at every page.
Takes a few minutes (the engine reads every answer). Needs ../shared/data, Chromium at
/usr/bin/chromium and LibreOffice.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.report_speed import AGES, DISTRICTS, sample_texts  # noqa: E402

ANALYST = ("analyst@example.org", "orange kettle harbour 12")
TEACHER = ("teacher@example.org", "violet compass meadow 12")
SCHOOL = "Hillside Sample Academy"
SAFE = ["very_safe", "fairly_safe", "neither", "fairly_unsafe", "very_unsafe"]
# The second required question; it is not analysed here, so short answers do.
PRIORITIES = ["More police on foot", "Tackle speeding", "Stop the drug dealing",
              "Better street lighting", "Clean up the town centre", "Youth clubs"]
PUPILS = [
    "people vaping in the toilets at break time",
    "older kids hanging round the park by the bus stop",
    "people on bikes riding on the path really fast",
]


def residents_csv(n: int, seed: int = 12) -> bytes:
    """n residents' answers as a paper-survey export would give them."""
    rng = random.Random(seed)
    texts = sample_texts(rng, n)
    start = dt.date.today() - dt.timedelta(days=56)  # the pupils answer today
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["district", "connection", "age_group", "safe_day", "safe_dark",
                     "safety_change", "problems", "worry_text", "priority_text", "incident",
                     "submitted_at"])
    for text in texts:
        day = start + dt.timedelta(days=rng.randrange(0, 56))
        writer.writerow([
            rng.choice(DISTRICTS), "live", rng.choice(AGES), rng.choice(SAFE[:4]),
            rng.choice(SAFE[1:]), rng.choice(["safer", "same", "less_safe"]),
            ";".join(rng.sample(["asb", "road_safety", "drugs", "burglary"], 2)),
            " ".join(text.split()), rng.choice(PRIORITIES), "no", day.isoformat(),
        ])
    return out.getvalue().encode()


def navigate(page, click) -> None:
    with page.expect_navigation():
        click()


def import_residents(page, content: bytes, folder: Path) -> None:
    page.goto("/admin/surveys")
    table = page.locator("table", has=page.locator("caption", has_text="Community safety survey"))
    navigate(page, table.get_by_role("link", name=re.compile("Import responses")).first.click)
    upload = folder / "residents-paper-survey.csv"
    upload.write_bytes(content)
    page.set_input_files("#file", str(upload))
    navigate(page, page.get_by_role("button", name="Upload and continue").click)
    navigate(page, page.get_by_role("button", name="Check the rows").click)
    problems = page.locator(".govuk-error-summary")
    assert not problems.count(), problems.inner_text()
    navigate(page, page.get_by_role("button", name=re.compile(r"^Import \d+ responses")).click)
    print(" ", page.locator("h1").inner_text())


def pupil_session(teacher, device, n: int) -> None:
    from tests.consult.schools.test_schools import PUPIL_ANSWERS, in_an_hour

    teacher.goto("/schools/sessions/new")
    teacher.get_by_label("Year group").select_option("year_9")
    teacher.get_by_label("How many pupils do you expect?").fill("28")
    teacher.get_by_label("What time does the session end?").fill(in_an_hour())
    navigate(teacher, teacher.get_by_role("button", name="Open session").click)
    code = teacher.locator(".app-join-code [aria-hidden=true]").inner_text().replace(" ", "")
    for k in range(n):
        answers = {**PUPIL_ANSWERS, "worry_most": {"worry_text": PUPILS[k % len(PUPILS)]}}
        device.goto("/join")
        device.get_by_label("Enter your class’s code").fill(code)
        navigate(device, device.get_by_role("button", name="Start").click)
        start = device.get_by_role("button", name="Continue").or_(
            device.get_by_role("link", name="Continue"))
        if start.count():
            navigate(device, start.first.click)
        for _ in range(30):
            match = re.search(r"/survey/schools/page/([a-z_]+)", device.url)
            if not match:
                break
            for code_, value in answers.get(match.group(1), {}).items():
                for v in value if isinstance(value, list) else [value]:
                    option = device.locator(f'input[name="{code_}"][value="{v}"]')
                    if option.count():
                        option.check()
                    else:
                        device.locator(f'[name="{code_}"]').fill(v)
            navigate(device, device.get_by_role("button", name="Save and continue").click)
        navigate(device, device.get_by_role("button", name="Send answers").click)
        assert device.locator(".govuk-panel").inner_text().startswith("Thank you")
    print(f"  pupil session {code}: {n} pupils answered")


def run_analysis(page) -> str:
    page.goto("/analysis/")
    navigate(page, page.get_by_text("Analyse free-text answers").click)
    for box in page.locator('input[name="versions"]').all():
        box.check()
    for box in page.locator('input[name="questions"]').all():
        box.set_checked(box.get_attribute("value").split(":")[-1] == "worry_text")
    page.get_by_label("Name for this analysis (optional)").fill("Community safety 2026")
    navigate(page, page.get_by_role("button", name="Start the analysis").click)
    started = time.perf_counter()
    page.locator("table.app-themes").wait_for(timeout=20 * 60_000)
    print(f"  analysis finished in {time.perf_counter() - started:.0f} s: {page.url}")
    return page.url


def review(page, run_url: str, n: int) -> None:
    page.goto(run_url)
    links = page.locator("table.app-themes a.govuk-link")
    hrefs = [a.get_attribute("href") for a in links.all()]
    hrefs = [h for h in hrefs if re.search(r"/themes/\d+$", h)][:n]
    for href in hrefs:
        page.goto(href)
        label = page.locator("h1").inner_text()
        if label == label.lower():
            page.get_by_label("Rename this theme").fill(label[:1].upper() + label[1:])
            navigate(page, page.get_by_role("button", name="Rename").click)
        approved = 0
        for _ in range(3):
            button = page.get_by_role("button", name=re.compile("^Approve for publication"))
            if not button.count():
                break
            navigate(page, button.first.click)
            approved += 1
        link = page.get_by_role("button", name=re.compile("^Confirm the link to"))
        if link.count():  # the engine's suggested priority: only a confirmed link is ranked
            navigate(page, link.first.click)
        confirm = page.get_by_role("button", name="Confirm this theme")
        if confirm.count():  # confirming the link confirmed the theme too
            navigate(page, confirm.click)
        print(f"  reviewed ‘{page.locator('h1').inner_text()}’, {approved} quotes approved")


def export(page, run_url: str, out: Path) -> Path:
    started = time.perf_counter()
    page.goto(run_url + "/report", wait_until="domcontentloaded")
    shown = time.perf_counter() - started  # the page, or "Updating the figures"
    page.get_by_role("link", name="Download as Word (.docx)").wait_for(timeout=120_000)
    page.wait_for_load_state("load")
    print(f"  public views page: first response {shown:.2f} s, figures and every chart "
          f"{time.perf_counter() - started:.2f} s after the last review")
    with page.expect_download() as got:
        page.get_by_role("link", name="Download as Word (.docx)").click()
    docx = out / "public-views.docx"
    got.value.save_as(docx)
    return docx


def to_pages(docx: Path) -> list[Path]:
    out = docx.parent
    subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(out),
                    str(docx)], check=True, capture_output=True, timeout=300)
    pdf = docx.with_suffix(".pdf")
    for old in out.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out / "page")], check=True,
                   timeout=300)
    return sorted(out.glob("page-*.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "sample"))
    parser.add_argument("--residents", type=int, default=1100)
    parser.add_argument("--pupils", type=int, default=3)
    parser.add_argument("--review", type=int, default=10)
    args = parser.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, serve_live
    from tests.conftest import make_sqlite_template
    from tests.support import sign_in_page

    scratch = Path(tempfile.mkdtemp(prefix="consult-sample-browser-"))
    template = make_sqlite_template(scratch / "template.sqlite3")
    with serve_live(scratch, template, "sample-server") as live, sync_playwright() as pw:
        live.create_user(ANALYST[0], "analyst", password=ANALYST[1], name="Sam Analyst")
        live.create_user(TEACHER[0], "school_staff", password=TEACHER[1], name="Tess Teacher",
                         school=SCHOOL)
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

        def context():
            ctx = browser.new_context(base_url=live.url, accept_downloads=True,
                                      viewport={"width": 1024, "height": 800})
            ctx.set_default_timeout(60_000)
            return ctx.new_page()

        analyst, teacher, device = context(), context(), context()
        print(f"app on {live.url}, instance {scratch}")
        sign_in_page(analyst, *ANALYST)
        import_residents(analyst, residents_csv(args.residents), scratch)
        sign_in_page(teacher, *TEACHER)
        pupil_session(teacher, device, args.pupils)
        run_url = run_analysis(analyst)
        review(analyst, run_url, args.review)
        docx = export(analyst, run_url, out)
        browser.close()
    pages = to_pages(docx)
    print(f"{docx} -> {len(pages)} pages: {pages[0].parent}/page-*.png")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
