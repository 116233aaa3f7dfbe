"""The safeguarding queue as a lead uses it after a burst of junk: one item per pupil, oldest
first, every item reachable by paging, filters and counts that agree; and answers typed but
never sent still reach it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import insert, select

from consult import retention
from consult.db import get_db
from consult.models import Progress, utcnow
from consult.safeguarding.models import SafeguardingFlag
from tests.consult.safeguarding.test_safeguarding import DISCLOSURE, flags, pupil_says
from tests.consult.schools.test_schools import (
    PUPIL_ANSWERS,
    SCHOOL,
    first_question,
    open_session,
    responses_of,
    staff_client,
)


@pytest.fixture
def teacher(app):
    return staff_client(app, email="teacher@northbrook.example.org")


@pytest.fixture
def lead(app):
    return staff_client(app, role="safeguarding_lead", school=SCHOOL, email="dsl@example.org")


def import_junk(app, n: int, school: str = SCHOOL, reason: str = "threatened", after=None):
    """``n`` junk flags (a burst of nonsense submissions) arriving after ``after``."""
    start = (after or utcnow()) + dt.timedelta(seconds=1)
    rows = [
        {
            "item_key": f"junk{i}", "question_code": "worry_text",
            "answer_text": f"junk answer number {i}", "school": school,
            "created_at": start + dt.timedelta(seconds=i), "reasons": [reason],
            "evidence": [], "score": 0.5, "confidence": 0.2, "method": "rules",
            "status": "open", "outcome_note": "", "cleared": False,
        }
        for i in range(n)
    ]
    with app.app_context():
        db = get_db()
        db.execute(insert(SafeguardingFlag), rows)
        db.commit()


def item_links(html: str) -> list[str]:
    return re.findall(r'href="/safeguarding/flags/(\d+)"', html)


def test_real_disclosure_stays_on_the_first_page_after_3000_junk_flags(app, teacher, lead):
    pupil_says(app, teacher, worry="my stepdad hits me when mum is at work")
    [real] = flags(app)
    import_junk(app, 3000, after=real.created_at)
    first = lead.get("/safeguarding/").data.decode()
    assert "To review (3001)" in first
    assert "my stepdad hits me" in first
    assert item_links(first)[0] == str(real.id)
    assert "Showing 1 to 50 of 3,001 pupils: 2,951 more on other pages" in first
    # the newest-first order puts it on the last page, and that page is reachable
    newest_last = lead.get("/safeguarding/?sort=newest&page=61").data.decode()
    assert "my stepdad hits me" in newest_last
    assert "Showing 3,001 to 3,001 of 3,001" in newest_last


def test_to_review_count_equals_what_paging_reaches(app, teacher, lead):
    pupil_says(app, teacher)
    pupil_says(app, teacher, worry="i want to kill myself")
    import_junk(app, 120)
    html = lead.get("/safeguarding/").data.decode()
    total = int(re.search(r"To review \((\d+)\)", html).group(1))
    seen, page = set(), 1
    while True:
        html = lead.get(f"/safeguarding/?page={page}").data.decode()
        links = item_links(html)
        if not links:
            break
        seen.update(links)
        if 'rel="next"' not in html:
            break
        page += 1
    assert total == 122 and len(seen) == total and page == 3


def test_one_item_per_pupil_with_session_teacher_and_other_answers(app, teacher, lead):
    classroom = pupil_says(app, teacher, worry=DISCLOSURE, safer="i carry a knife now")
    first, second = flags(app)
    html = lead.get("/safeguarding/").data.decode()
    assert "To review (1)" in html and "and 1 more flagged answer" in html
    item = lead.get(f"/safeguarding/flags/{second.id}").data.decode()
    assert DISCLOSURE in item and "i carry a knife now" in item
    assert "teacher@northbrook.example.org" in item  # who ran the session
    assert f"session {classroom.id}" in item and "Year 8" in item
    # the pupil's other answers, as labels a lead can read
    assert "Not very safe" in item and "A parent or carer" in item and "Bullying" in item
    done = lead.post(f"/safeguarding/flags/{first.id}/outcome",
                     data={"outcome": "school_follow_up", "outcome_note": "Spoke to the pupil"})
    assert done.status_code == 302
    assert all(f.status == "reviewed" for f in flags(app))
    assert "To review (0)" in lead.get("/safeguarding/").data.decode()


def test_filters_and_sort_by_confidence(app, teacher, lead):
    pupil_says(app, teacher, worry="i want to kill myself")
    classroom = open_session(app, teacher)
    pupil_says(app, teacher, worry="my dad hits me every night", school_session=classroom)
    import_junk(app, 3, reason="weapons")
    by_reason = lead.get("/safeguarding/?category=self_harm_suicide").data.decode()
    assert "kill myself" in by_reason and "dad hits me" not in by_reason
    assert "junk answer" not in by_reason and "1 pupil matching the filters" in by_reason
    by_session = lead.get(f"/safeguarding/?session={classroom.id}").data.decode()
    assert "dad hits me" in by_session and "kill myself" not in by_session
    today = dt.date.today().isoformat()
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert "No answers match" in lead.get(f"/safeguarding/?sent_from={tomorrow}").data.decode()
    assert "kill myself" in lead.get(f"/safeguarding/?sent_to={tomorrow}").data.decode()
    assert "kill myself" in lead.get(f"/safeguarding/?sent_from={today}").data.decode()
    bad = lead.get("/safeguarding/?session=abc&sent_from=31/02").data.decode()
    assert "There is a problem" in bad and "Enter a session number" in bad
    assert "Enter a real date" in bad and "kill myself" in bad
    by_confidence = lead.get("/safeguarding/?sort=confidence").data.decode()
    assert by_confidence.index("dad hits me") < by_confidence.index("junk answer")


def abandon_after_typing(app, code, worry):
    """A pupil joins, answers up to the free-text page, types ``worry`` and walks away."""
    client = app.test_client()
    location = first_question(client, code)
    for _ in range(20):
        page_id = location.split("/page/")[1].split("?")[0]
        data = PUPIL_ANSWERS.get(page_id, {})
        if page_id == "worry_most":
            data = {"worry_text": worry}
        location = client.post(location, data=data).location
        if page_id == "worry_most":
            return client
    raise AssertionError("never reached the free-text page")


def test_disclosure_typed_and_abandoned_reaches_the_queue(app, teacher, lead):
    classroom = open_session(app, teacher)
    abandon_after_typing(app, classroom.join_code, "uncle touches me when he babysits")
    [flag] = flags(app)
    assert flag.response_id is None and flag.progress_id is not None
    assert flag.item_key == f"p{flag.progress_id}" and flag.school == SCHOOL
    html = lead.get("/safeguarding/").data.decode()
    assert "uncle touches me" in html and "Not sent" in html and "To review (1)" in html
    # the teacher closes the session and the progress expires and is purged: the flag stays
    teacher.post(f"/schools/sessions/{classroom.id}/close")
    with app.app_context():
        db = get_db()
        retention.purge(db, now=utcnow() + dt.timedelta(days=1))
        db.commit()
        assert db.scalar(select(Progress).where(Progress.id == flag.progress_id)) is None
    item = lead.get(f"/safeguarding/flags/{flag.id}").data.decode()
    assert "uncle touches me" in item and "did not send" in item


def test_sent_answers_join_the_flags_raised_while_typing(app, teacher):
    classroom = pupil_says(app, teacher)
    [flag] = flags(app)
    [response] = responses_of(app, classroom.id)
    assert flag.response_id == response.id and flag.item_key == f"r{response.id}"
    assert flag.progress_id is not None


def test_purge_screens_progress_saved_without_screening(app, teacher, lead, monkeypatch):
    """Progress saved while page screening was not running is screened before deletion."""
    from consult.journey import hooks

    classroom = open_session(app, teacher)
    monkeypatch.setattr(hooks, "after_page_save", [])
    abandon_after_typing(app, classroom.join_code, "i want to kill myself tonight")
    assert flags(app) == []
    with app.app_context():
        db = get_db()
        report = retention.purge(db, now=utcnow() + dt.timedelta(days=1))
        db.commit()
    assert report.expired_progress == 1
    [flag] = flags(app)
    assert flag.answer_text == "i want to kill myself tonight" and flag.response_id is None
    assert "kill myself tonight" in lead.get("/safeguarding/").data.decode()


def test_harmless_answers_saved_page_by_page_raise_nothing(app, teacher):
    classroom = open_session(app, teacher)
    abandon_after_typing(app, classroom.join_code, "people vaping in the toilets")
    assert flags(app) == []
