"""A school session in a real browser, end to end: a teacher opens a session and projects the
code, two pupils answer one after the other on one device, the projector's count goes up by
itself, the teacher closes the session and a third pupil is turned away. One pupil's answer
discloses harm: the safeguarding lead sees it in the queue, records an outcome, and the
answer is in no export. axe-core checks every page on the way."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from consult.models import Response
from consult.reportable import reportable
from consult.safeguarding.models import SafeguardingFlag
from consult.survey_store import current_version
from tests.browser.conftest import axe_check, screenshot
from tests.consult.schools.test_schools import PUPIL_ANSWERS, SAFEGUARDING_NOTICE, in_an_hour
from tests.smtp_server import smtp_inbox  # noqa: F401 (fixture)
from tests.support import sign_in_page

SCHOOL = "Hillside Browser Academy"
DISCLOSURE = "my step dad gets angry and i have bruises"
SECOND_WORRY = "people vaping in the toilets at break time"
PAGE_URL = re.compile(r"/survey/schools/page/([a-z_]+)")


@pytest.fixture
def new_device(browser, live_server):
    """Another browser context (a classroom device, or a second member of staff), watched
    for console errors and CSP violations like the ``page`` fixture."""
    contexts, problems = [], []

    def _make():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1024, "height": 800}
        )
        # (the first answers screened may wait for the screener's model to finish loading)
        context.set_default_timeout(60_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda msg: problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error"
            else None,
        )
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        return page

    yield _make
    for context in contexts:
        context.close()
    real = [p for p in problems if "Failed to load resource" not in p]
    assert not real, "\n".join(real)


def _continue(page, name="Save and continue") -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def _assert_page_is_blank(page) -> None:
    """Nothing a previous pupil chose or typed shows on this question page."""
    assert page.locator("input[type=radio]:checked, input[type=checkbox]:checked").count() == 0
    for area in page.locator("textarea").all():
        assert area.input_value() == ""


def _answer(page, answers: dict) -> None:
    for code, value in answers.items():
        for v in value if isinstance(value, list) else [value]:
            option = page.locator(f'input[name="{code}"][value="{v}"]')
            if option.count():
                option.check()
            else:
                page.locator(f'[name="{code}"]').fill(v)


def read_the_intro(page, label: str) -> None:
    """After joining, every pupil is on the start page (intro and the safeguarding notice),
    not on a question; its "Continue" leads to the first question."""
    assert not PAGE_URL.search(page.url), f"{label} skipped the intro: {page.url}"
    assert SAFEGUARDING_NOTICE in page.locator("main").inner_text().replace("\n", " ")
    axe_check(page, f"{label}: start")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").or_(
            page.get_by_role("link", name="Continue")
        ).first.click()


def pupil_turn(page, code: str, answers: dict, *, check_blank: bool, label: str) -> list[str]:
    """One pupil: join with the code, answer every page, send. Returns the pages seen."""
    page.goto("/join")
    axe_check(page, f"{label}: join")
    page.get_by_label("Enter your class’s code").fill(code.lower())
    with page.expect_navigation():
        page.get_by_role("button", name="Start").click()
    read_the_intro(page, label)
    seen = []
    for _ in range(30):
        match = PAGE_URL.search(page.url)
        if not match:
            break
        page_id = match.group(1)
        seen.append(page_id)
        # Every page says where to get help now.
        help_panel = page.get_by_role("complementary", name="Get help now")
        assert "0800 1111" in help_panel.inner_text() and "999" in help_panel.inner_text()
        if check_blank:
            _assert_page_is_blank(page)
        axe_check(page, f"{label}: question page {page_id}")
        if label == "pupil 1" and page_id == "worry_most":
            screenshot(page, "pupil-question-worry-most")
        _answer(page, answers.get(page_id, {}))
        _continue(page)
    assert page.url.endswith("/survey/schools/check"), page.url
    axe_check(page, f"{label}: check answers")
    if label == "pupil 1":
        screenshot(page, "pupil-check-answers")
    _continue(page, "Send answers")
    assert page.locator(".govuk-panel").inner_text().startswith("Thank you")
    axe_check(page, f"{label}: finish")
    return seen


def test_a_teacher_runs_a_session_with_two_pupils_on_one_device(
    staff_page, new_device, live_server
):
    # --- the teacher opens a session ----------------------------------------------------
    teacher = staff_page("school_staff", school=SCHOOL)
    teacher.goto("/schools/sessions")
    with teacher.expect_navigation():
        teacher.get_by_text("Open a new session").click()
    axe_check(teacher, "session form")
    _continue(teacher, "Open session")  # nothing filled in
    assert teacher.title().startswith("Error:")
    summary = teacher.locator(".govuk-error-summary")
    assert "There is a problem" in summary.inner_text()
    assert "Select" in summary.inner_text()
    axe_check(teacher, "session form with errors")
    screenshot(teacher, "session-form-errors")
    # The error summary's links reach their fields.
    for link in summary.get_by_role("link").all():
        target = link.get_attribute("href")
        assert teacher.locator(target).count() == 1, target
    teacher.get_by_label("Year group").select_option("year_9")
    teacher.get_by_label("How many pupils do you expect?").fill("28")
    teacher.get_by_label("What time does the session end?").fill(in_an_hour())
    _continue(teacher, "Open session")
    assert re.search(r"/schools/sessions/\d+$", teacher.url), teacher.url

    # --- the projector page: the code, large, and a QR code -----------------------------
    code_box = teacher.locator(".app-join-code [aria-hidden=true]")
    shown = code_box.inner_text()
    code = shown.replace(" ", "")
    assert re.fullmatch(r"[A-Z0-9]{6}", code), shown
    assert float(code_box.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 48
    qr = teacher.get_by_role("img", name=re.compile("QR code"))
    assert qr.is_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    box = qr.bounding_box()
    assert box["width"] >= 200 and box["height"] >= 200
    assert teacher.locator("#submission-count").inner_text() == "0"
    axe_check(teacher, "projector")
    screenshot(teacher, "projector")

    # --- pupil 1, on the shared device --------------------------------------------------
    device = new_device()
    first = {**PUPIL_ANSWERS, "worry_most": {"worry_text": DISCLOSURE}}
    seen = pupil_turn(device, code, first, check_blank=True, label="pupil 1")
    assert {"worries", "worry_most", "feel_safer", "who_tell"} <= set(seen)
    assert "year" not in seen  # the session says the year group
    screenshot(device, "pupil-finish")
    next_pupil = device.locator("#next-pupil").get_attribute("href")

    # The next pupil presses Back: nothing of pupil 1's answers shows.
    for _ in range(3):
        device.go_back()
        device.wait_for_load_state()
        html = device.content()
        # (the pages behind are sent no-store, so the browser asks again, and the server,
        # which has forgotten this device, sends the pupil to the join page)
        assert not device.url.endswith("/check"), device.url
        assert DISCLOSURE not in html
        assert "bruises" not in html
        if PAGE_URL.search(device.url):
            _assert_page_is_blank(device)

    # --- pupil 2 starts empty -----------------------------------------------------------
    device.goto(next_pupil)
    assert device.get_by_label("Enter your class’s code").input_value() == code
    second = {**PUPIL_ANSWERS, "worry_most": {"worry_text": SECOND_WORRY},
              "year": {"year_group": "year_9"}}
    pupil_turn(device, code, second, check_blank=True, label="pupil 2")

    # --- the projector's count reaches 2 by itself (it polls; no reload) -----------------
    teacher.wait_for_function(
        "() => document.getElementById('submission-count').textContent.trim() === '2'",
        timeout=20_000,
    )
    assert "2 of 28 pupils" in teacher.locator("#session-live").inner_text()

    # --- the teacher closes the session; a third pupil is refused -------------------------
    _continue(teacher, "Close session")
    assert "This session has closed" in teacher.locator("h1").inner_text()
    assert teacher.locator("#submission-count").inner_text() == "2"
    axe_check(teacher, "projector, closed")
    device.goto("/join")
    device.get_by_label("Enter your class’s code").fill(code)
    _continue(device, "Start")
    assert "/join" in device.url
    error = device.locator(".govuk-error-summary")
    assert "This session has ended" in error.inner_text()
    assert "This session has ended" in device.locator("#code-error").inner_text()
    axe_check(device, "join refused: session closed")

    with live_server.db() as db:
        stored = db.scalars(select(Response).where(Response.survey_id == "schools")).all()
        mine = [r for r in stored if r.answers.get("worry_text") in (DISCLOSURE, SECOND_WORRY)]
        assert len(mine) == 2
        assert all(r.respondent_type == "pupil" for r in mine)

    # --- the safeguarding lead sees it within seconds -----------------------------------
    lead = new_device()
    lead_email = "dsl.hillside@example.org"
    live_server.create_user(lead_email, "safeguarding_lead", school=SCHOOL)
    sign_in_page(lead, lead_email)
    lead.goto("/safeguarding/")
    # Screening runs as the answer is sent: the flag is there at once, no waiting.
    row = lead.locator("tbody tr", has_text=DISCLOSURE)
    assert row.count() == 1, "the disclosure is not in the safeguarding queue"
    assert SECOND_WORRY not in lead.content()
    assert "Abuse, violence or neglect at home" in row.inner_text()
    axe_check(lead, "safeguarding queue")
    screenshot(lead, "safeguarding-queue")
    with lead.expect_navigation():
        row.get_by_role("link").click()
    assert DISCLOSURE in lead.locator(".app-pupil-answer").inner_text()
    assert SCHOOL in lead.locator(".govuk-summary-list").first.inner_text()
    axe_check(lead, "safeguarding item")
    screenshot(lead, "safeguarding-item")
    # Record an outcome: first without a note (an error), then properly.
    lead.get_by_label("Followed up in school under the safeguarding policy").check()
    _continue(lead, "Record outcome")
    assert "Enter a note about what you did and why" in lead.locator(
        ".govuk-error-summary"
    ).inner_text()
    axe_check(lead, "safeguarding item with an error")
    lead.get_by_label("Followed up in school under the safeguarding policy").check()
    lead.get_by_label("Note", exact=True).fill("Spoke to the head of year; referral made by DSL.")
    _continue(lead, "Record outcome")
    assert "Outcome recorded" in lead.locator(".govuk-notification-banner").inner_text()
    axe_check(lead, "safeguarding queue after an outcome")
    lead.get_by_role("link", name=re.compile("Reviewed")).click()
    lead.wait_for_url(re.compile("status=reviewed"))
    assert DISCLOSURE in lead.locator("tbody").inner_text()
    assert "Followed up in school" in lead.locator("tbody").inner_text()

    with live_server.db() as db:
        flag = db.scalars(
            select(SafeguardingFlag).where(SafeguardingFlag.answer_text == DISCLOSURE)
        ).one()
        assert flag.status == "reviewed" and not flag.cleared
        assert [a.action for a in flag.actions][:1] == ["viewed"]
        version_id = current_version(db, "schools").id
        reportable_ids = {r.id for r in db.scalars(reportable())}
        flagged_response = flag.response_id
    assert flagged_response not in reportable_ids

    # --- ...and the answer is in no export ----------------------------------------------
    admin = new_device()
    admin_email = "admin.exports@example.org"
    live_server.create_user(admin_email, "admin")
    sign_in_page(admin, admin_email)
    with admin.expect_download() as got:
        admin.evaluate(
            "url => { const a = document.createElement('a'); a.href = url;"
            " document.body.appendChild(a); a.click(); }",
            f"/admin/surveys/{version_id}/responses.csv",
        )
    body = open(got.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert any(SECOND_WORRY in " ".join(r.values()) for r in rows), "the export is empty"
    assert DISCLOSURE not in body and "bruises" not in body
    as_json = admin.context.request.get(f"/admin/surveys/{version_id}/responses.json")
    assert as_json.ok
    doc = json.dumps(as_json.json())
    assert SECOND_WORRY in doc and "bruises" not in doc

    # --- with the queue open, a new disclosure arrives: the page says so by itself -------
    lead.clock.install()  # the page's 15 s poll runs on a clock the test moves on
    lead.goto("/safeguarding/")
    watch = lead.locator("#queue-watch")  # the live region, there from the start
    assert watch.get_attribute("role") == "status"
    assert lead.locator("#queue-watch-box").is_hidden()
    with live_server.db() as db:
        db.add(
            SafeguardingFlag(
                response_id=flagged_response,
                item_key=f"r{flagged_response}",
                question_code="safer_text",
                answer_text="he said he will hurt me if i tell",
                school=SCHOOL,
                reasons=["threat"],
            )
        )
        db.commit()
    lead.clock.run_for(16_000)
    lead.wait_for_function("() => !document.getElementById('queue-watch-box').hidden")
    assert "1 new answer to review. Refresh the page to see it." in watch.inner_text()
    assert "he said he will hurt me" not in lead.content()  # the table waits for a refresh
    axe_check(lead, "safeguarding queue with a new answer")
    screenshot(lead, "safeguarding-queue-new-answer")
    lead.reload()
    assert "he said he will hurt me" in lead.locator("tbody").inner_text()
    assert lead.locator("#queue-watch-box").is_hidden()


# --- an abandoned disclosure, an email, and a queue full of junk ------------------------------
ABANDONED = "my uncle touches me when he babysits and says its our secret"
OTHER_SCHOOL = "Riverside Browser School"


def test_abandoned_disclosure_reaches_the_lead_by_email_past_3000_junk_flags(
    staff_page, new_device, live_server, smtp_inbox  # noqa: F811
):
    import datetime as dt

    from sqlalchemy import delete, insert

    app = live_server.app
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_FROM",
                                            "SERVICE_URL", "SAFEGUARDING_PARTNERSHIP_EMAIL")}
    app.config.update(**smtp_inbox.config(), SERVICE_URL=live_server.url,
                      SAFEGUARDING_PARTNERSHIP_EMAIL="csp.browser@example.org")
    lead_email = "dsl.riverside@example.org"
    live_server.create_user(lead_email, "safeguarding_lead", school=OTHER_SCHOOL)
    try:
        # A teacher opens a session; a pupil types a disclosure on one page and walks away.
        teacher = staff_page("school_staff", school=OTHER_SCHOOL)
        teacher.goto("/schools/sessions/new")
        teacher.get_by_label("Year group").select_option("year_7")
        teacher.get_by_label("How many pupils do you expect?").fill("25")
        teacher.get_by_label("What time does the session end?").fill(in_an_hour())
        _continue(teacher, "Open session")
        code = teacher.locator(".app-join-code [aria-hidden=true]").inner_text().replace(" ", "")

        pupil = new_device()
        pupil.set_viewport_size({"width": 375, "height": 667})  # a phone
        pupil.goto("/join")
        pupil.get_by_label("Enter your class’s code").fill(code)
        _continue(pupil, "Start")
        read_the_intro(pupil, "pupil on a phone")
        # On a phone the help is one line, and the question is above the fold.
        help_line = pupil.locator("#help-now summary")
        assert help_line.bounding_box()["height"] < 80
        assert pupil.locator("h1, legend").first.bounding_box()["y"] < 400
        screenshot(pupil, "pupil-phone-first-question")
        for _ in range(12):
            page_id = PAGE_URL.search(pupil.url).group(1)
            if page_id == "worry_most":
                pupil.locator('[name="worry_text"]').fill(ABANDONED)
                _continue(pupil)
                break
            _answer(pupil, PUPIL_ANSWERS.get(page_id, {}))
            _continue(pupil)
        pupil.context.close()  # walks away: nothing is ever sent

        # The lead is emailed: a link and the reason, not the pupil's words.
        # (alerts still unsent from earlier tests, when no mail server was set, go first)
        for count in range(1, 10):
            ours = [(t, m) for t, m in smtp_inbox.wait_for(count) if lead_email in t]
            if ours:
                break
        [(to, message)] = ours
        assert "csp.browser@example.org" in to
        body = message.get_content()
        assert "uncle" not in body and "babysits" not in body and "Sexual abuse" in body
        link = re.search(r"(http://\S+/safeguarding/flags/\d+)", body).group(1)

        # Meanwhile 3,000 junk flags are imported, all newer than the real one.
        with live_server.db() as db:
            real = db.scalars(
                select(SafeguardingFlag).where(SafeguardingFlag.answer_text == ABANDONED)
            ).one()
            assert real.response_id is None
            start, real_id = real.created_at, real.id
            db.execute(insert(SafeguardingFlag), [
                {"item_key": f"junk-browser-{i}", "question_code": "worry_text",
                 "answer_text": f"lol junk {i}", "school": OTHER_SCHOOL,
                 "created_at": start + dt.timedelta(seconds=1 + i), "reasons": ["threatened"],
                 "evidence": [], "score": 0.4, "confidence": 0.1, "method": "rules",
                 "status": "open", "outcome_note": "", "cleared": False,
                 "alerted_at": start}
                for i in range(3000)
            ])
            db.commit()

        lead = new_device()
        sign_in_page(lead, lead_email)
        lead.goto("/safeguarding/")
        assert "To review (3001)" in lead.get_by_role("navigation", name="Answers by status").inner_text()
        first_row = lead.locator("tbody tr").first
        assert "my uncle touches me" in first_row.inner_text()
        assert "Not sent" in first_row.inner_text()
        assert "3,001 pupils: 2,951 more on other pages" in lead.locator("#queue-position").inner_text()
        axe_check(lead, "safeguarding queue, 3001 items")
        screenshot(lead, "safeguarding-queue-3001")

        # The link in the email opens the item; the lead records an outcome.
        lead.goto(link)
        assert ABANDONED in lead.locator(".app-pupil-answer").inner_text()
        assert "did not send" in lead.locator(".govuk-summary-list").first.inner_text()
        axe_check(lead, "safeguarding item, not sent")
        screenshot(lead, "safeguarding-item-not-sent")
        lead.get_by_label("Referred to children’s social care").check()
        lead.get_by_label("Note", exact=True).fill("Referred to MASH the same morning.")
        _continue(lead, "Record outcome")
        assert "Outcome recorded" in lead.locator(".govuk-notification-banner").inner_text()
        assert "To review (3000)" in lead.get_by_role("navigation", name="Answers by status").inner_text()
        with live_server.db() as db:
            real = db.get(SafeguardingFlag, real_id)
            assert real.status == "reviewed" and real.outcome == "referred_social_care"
    finally:
        with live_server.db() as db:
            db.execute(delete(SafeguardingFlag).where(SafeguardingFlag.school == OTHER_SCHOOL,
                                                      SafeguardingFlag.item_key.like("junk-%")))
            db.commit()
        app.config.update(saved)
