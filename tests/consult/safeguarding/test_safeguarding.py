"""Safeguarding: pupils' free text is screened at submit; possible disclosures go to the
safeguarding queue and stay out of every report until a reviewer clears them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.db import get_db
from consult.models import Response
from consult.reportable import reportable
from consult.safeguarding import screening
from consult.safeguarding.models import SafeguardingAction, SafeguardingFlag
from consult.survey_store import current_version
from tests.consult.helpers import RESIDENT_ANSWERS, token_of
from tests.consult.helpers import complete as complete_resident
from tests.consult.schools.test_schools import (
    PUPIL_ANSWERS,
    SCHOOL,
    complete_as_pupil,
    open_session,
    responses_of,
    staff_client,
)

DISCLOSURE = "my step dad gets angry and i have bruises"
BENIGN = "more police near the park after school"


def _has_real_screener() -> bool:
    try:
        import nlp.screening  # noqa: F401
    except ImportError:
        return False
    return True


class _KeywordScreener:
    """Stands in for nlp.screening where it is not installed."""

    def screen(self, text):
        words = ("bruises", "hits me", "kill myself", "knife")
        hits = [w for w in words if w in text.lower()]
        return screening.Screening(
            flagged=bool(hits), reasons=["abuse_at_home"] if hits else [], matched=hits,
            score=1.0 if hits else 0.0, method="rules",
        )


@pytest.fixture(autouse=True)
def _screener(monkeypatch):
    if not _has_real_screener():
        monkeypatch.setattr(screening, "get_screener", lambda: _KeywordScreener())


def pupil_says(app, staff, worry=DISCLOSURE, safer=BENIGN, school_session=None):
    classroom = school_session or open_session(app, staff)
    answers = {**PUPIL_ANSWERS, "worry_most": {"worry_text": worry},
               "feel_safer": {"safer_text": safer}}
    complete_as_pupil(app.test_client(), classroom.join_code, answers)
    return classroom


def flags(app) -> list[SafeguardingFlag]:
    with app.app_context():
        return list(get_db().scalars(select(SafeguardingFlag).order_by(SafeguardingFlag.id)))


def reportable_ids(app) -> set[int]:
    with app.app_context():
        return {r.id for r in get_db().scalars(reportable())}


@pytest.fixture
def teacher(app):
    return staff_client(app)


@pytest.fixture
def lead(app):
    return staff_client(app, role="safeguarding_lead", school=SCHOOL, email="dsl@example.org")


# --- screening at submit ----------------------------------------------------------------------
def test_disclosure_is_flagged_at_submit_with_reason(app, teacher):
    classroom = pupil_says(app, teacher)
    [flag] = flags(app)
    [response] = responses_of(app, classroom.id)
    assert flag.response_id == response.id
    assert flag.question_code == "worry_text"
    assert flag.answer_text == DISCLOSURE
    assert flag.school == SCHOOL and flag.classroom_session_id == classroom.id
    assert flag.reasons == ["abuse_at_home"] and flag.evidence
    assert flag.method.startswith("rules")
    assert flag.status == "open" and not flag.cleared and flag.created_at is not None


def test_ordinary_answers_are_not_flagged(app, teacher):
    pupil_says(app, teacher, worry="people vaping in the toilets", safer=BENIGN)
    assert flags(app) == []


def test_resident_answers_are_not_screened(app, client):
    answers = {**RESIDENT_ANSWERS, "worries": {"worry_text": DISCLOSURE}}
    check = complete_resident(client, answers)
    client.post("/survey/residents/submit", data={"submission_token": token_of(check.data)})
    assert flags(app) == []


def test_screening_failure_flags_the_answer_and_keeps_the_response(app, teacher, monkeypatch):
    def broken():
        raise RuntimeError("engine away")

    monkeypatch.setattr(screening, "get_screener", broken)
    classroom = pupil_says(app, teacher, worry="people vaping", safer="more lights")
    assert len(responses_of(app, classroom.id)) == 1
    assert {f.question_code for f in flags(app)} == {"worry_text", "safer_text"}
    assert all(f.reasons == ["screening_unavailable"] for f in flags(app))


# --- the queue --------------------------------------------------------------------------------
def test_flag_appears_in_the_schools_queue_oldest_first(app, teacher, lead):
    classroom = pupil_says(app, teacher)
    pupil_says(app, teacher, worry="i want to kill myself", school_session=classroom)
    page = lead.get("/safeguarding/")
    html = page.data.decode()
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    assert DISCLOSURE in html and SCHOOL in html
    assert "Abuse, violence or neglect at home" in html
    assert html.index(DISCLOSURE) < html.index("kill myself")  # oldest first
    assert "To review (2)" in html
    newest = lead.get("/safeguarding/?sort=newest").data.decode()
    assert newest.index("kill myself") < newest.index(DISCLOSURE)


def test_queue_page_announces_new_answers_without_a_refresh(app, teacher, lead):
    """The queue polls its counts (only this lead's school) and says when more arrive."""
    classroom = pupil_says(app, teacher)
    html = lead.get("/safeguarding/").data.decode()
    assert 'id="queue-watch"' in html and 'data-open-count="1"' in html
    assert "safeguarding-queue.js" in html and 'role="status"' in html
    pupil_says(app, teacher, worry="i want to kill myself", school_session=classroom)
    other_teacher = staff_client(app, school="Southway School", email="t@southway.example.org")
    pupil_says(app, other_teacher, worry="my dad hits me every night")
    counts = lead.get("/safeguarding/counts.json")
    assert counts.json == {"open": 2, "reviewed": 0}
    assert "no-store" in counts.headers["Cache-Control"]
    assert teacher.get("/safeguarding/counts.json").status_code == 403


def test_school_lead_sees_only_their_school_partnership_lead_sees_all(app, teacher, lead):
    pupil_says(app, teacher)
    other_teacher = staff_client(app, school="Southway School", email="t@southway.example.org")
    pupil_says(app, other_teacher, worry="my dad hits me every night")
    mine = lead.get("/safeguarding/").data.decode()
    assert DISCLOSURE in mine and "my dad hits me" not in mine
    partnership = staff_client(app, role="safeguarding_lead", school=None, email="csp@example.org")
    everyone = partnership.get("/safeguarding/").data.decode()
    assert DISCLOSURE in everyone and "my dad hits me" in everyone
    southway_flag = next(f for f in flags(app) if f.school == "Southway School")
    assert lead.get(f"/safeguarding/flags/{southway_flag.id}").status_code == 404


@pytest.mark.parametrize("role", ["school_staff", "analyst"])
def test_other_staff_cannot_see_the_queue(app, teacher, role):
    pupil_says(app, teacher)
    other = teacher if role == "school_staff" else staff_client(app, role=role, school=None)
    [flag] = flags(app)
    assert other.get("/safeguarding/").status_code == 403
    assert other.get(f"/safeguarding/flags/{flag.id}").status_code == 403
    assert other.post(f"/safeguarding/flags/{flag.id}/outcome",
                      data={"outcome": "not_a_disclosure", "outcome_note": "x"}).status_code == 403
    assert not flags(app)[0].cleared


def test_queue_needs_sign_in(client):
    response = client.get("/safeguarding/")
    assert response.status_code == 302 and "/staff/sign-in" in response.location


# --- review -----------------------------------------------------------------------------------
def test_opening_an_item_records_who_viewed_it_and_when(app, teacher, lead):
    pupil_says(app, teacher)
    [flag] = flags(app)
    page = lead.get(f"/safeguarding/flags/{flag.id}")
    html = page.data.decode()
    assert page.status_code == 200
    assert DISCLOSURE in html and "What worries you most about staying safe?" in html
    assert "dsl@example.org" in html  # the history shows who looked
    lead.get(f"/safeguarding/flags/{flag.id}")
    with app.app_context():
        actions = list(get_db().scalars(select(SafeguardingAction)))
        assert [a.action for a in actions] == ["viewed", "viewed"]
        assert all(a.user.email == "dsl@example.org" and a.at is not None for a in actions)


def test_note_and_outcome_are_recorded_and_keep_it_out_of_reports(app, teacher, lead):
    classroom = pupil_says(app, teacher)
    [flag] = flags(app)
    [response] = responses_of(app, classroom.id)
    lead.post(f"/safeguarding/flags/{flag.id}/note", data={"note": "Told head of year"})
    done = lead.post(
        f"/safeguarding/flags/{flag.id}/outcome",
        data={"outcome": "referred_social_care", "outcome_note": "Referred to MASH"},
    )
    assert done.status_code == 302
    [flag] = flags(app)
    assert flag.status == "reviewed" and flag.outcome == "referred_social_care"
    assert not flag.cleared and flag.reviewed_at is not None
    with app.app_context():
        actions = list(get_db().scalars(select(SafeguardingAction).order_by(SafeguardingAction.id)))
        assert [(a.action, a.note) for a in actions] == [
            ("noted", "Told head of year"),
            ("referred", "Referred to MASH"),
        ]
        assert {a.user.email for a in actions} == {"dsl@example.org"}
    assert response.id not in reportable_ids(app)
    queue = lead.get("/safeguarding/").data.decode()
    assert "There are no answers to review" in queue
    assert DISCLOSURE in lead.get("/safeguarding/?status=reviewed").data.decode()


def test_outcome_form_errors(app, teacher, lead):
    pupil_says(app, teacher)
    [flag] = flags(app)
    page = lead.post(f"/safeguarding/flags/{flag.id}/outcome", data={"outcome_note": ""})
    html = page.data.decode()
    assert page.status_code == 400
    assert "There is a problem" in html
    assert "Select what you did" in html and "Enter a note about what you did" in html
    assert flags(app)[0].status == "open"


# --- reporting --------------------------------------------------------------------------------
def test_flagged_response_is_excluded_until_cleared(app, teacher, lead):
    flagged_session = pupil_says(app, teacher)
    pupil_says(app, teacher, worry="people vaping in the toilets")
    with app.app_context():
        all_ids = {r.id for r in get_db().scalars(select(Response))}
    [flagged] = responses_of(app, flagged_session.id)
    assert len(all_ids) == 2
    assert reportable_ids(app) == all_ids - {flagged.id}

    [flag] = flags(app)
    lead.post(f"/safeguarding/flags/{flag.id}/outcome",
              data={"outcome": "not_a_disclosure", "outcome_note": "Song lyrics, checked with DSL"})
    [flag] = flags(app)
    assert flag.cleared and flag.status == "reviewed"
    assert reportable_ids(app) == all_ids
    with app.app_context():
        assert get_db().scalars(select(SafeguardingAction.action)).all()[-1] == "cleared"

    # reopening holds it back again
    lead.post(f"/safeguarding/flags/{flag.id}/reopen")
    assert reportable_ids(app) == all_ids - {flagged.id}


def test_every_uncleared_flag_holds_the_response_back(app, teacher, lead):
    classroom = pupil_says(app, teacher, worry=DISCLOSURE, safer="i carry a knife now")
    [response] = responses_of(app, classroom.id)
    first, second = flags(app)
    # One pupil, one decision: the outcome covers both flagged answers.
    assert first.item_key == second.item_key == f"r{response.id}"
    lead.post(f"/safeguarding/flags/{second.id}/reopen")  # (open already: no change)
    assert response.id not in reportable_ids(app)
    lead.post(f"/safeguarding/flags/{first.id}/outcome",
              data={"outcome": "not_a_disclosure", "outcome_note": "ok"})
    assert response.id in reportable_ids(app)
    # reopening either answer holds the whole response back again
    lead.post(f"/safeguarding/flags/{second.id}/reopen")
    assert response.id not in reportable_ids(app)


def test_flagged_answer_appears_in_no_export(app, teacher, lead):
    pupil_says(app, teacher)
    pupil_says(app, teacher, worry="people vaping in the toilets")
    analyst = staff_client(app, role="analyst", school=None)
    with app.app_context():
        version = current_version(get_db(), "schools")
        assert get_db().scalar(select(func.count(Response.id))) == 2
    csv = analyst.get(f"/admin/surveys/{version.id}/responses.csv")
    assert csv.status_code == 200
    body = csv.data.decode()
    assert "people vaping in the toilets" in body
    assert DISCLOSURE not in body
    doc = analyst.get(f"/admin/surveys/{version.id}/responses.json").data.decode()
    assert DISCLOSURE not in doc and "people vaping" in doc


def test_held_back_follows_clearing_and_reopening(app, teacher, lead):
    """What analysis code calls to drop held-back answers from stored themes and jobs."""
    from consult.reportable import held_back_ids

    flagged_session = pupil_says(app, teacher)
    pupil_says(app, teacher, worry="people vaping in the toilets")
    [flagged] = responses_of(app, flagged_session.id)
    with app.app_context():
        db = get_db()
        all_ids = set(db.scalars(select(Response.id)))
        assert held_back_ids(db) == {flagged.id}
        assert held_back_ids(db, all_ids - {flagged.id}) == set()
        assert held_back_ids(db, []) == set()
    [flag] = flags(app)
    lead.post(f"/safeguarding/flags/{flag.id}/outcome",
              data={"outcome": "not_a_disclosure", "outcome_note": "a film plot"})
    with app.app_context():
        assert held_back_ids(get_db()) == set()
    lead.post(f"/safeguarding/flags/{flag.id}/reopen")
    with app.app_context():
        assert held_back_ids(get_db(), all_ids) == {flagged.id}
