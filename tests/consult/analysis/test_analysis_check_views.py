""""Check answers" and "Start from" through the test client (fake engine)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from consult.analysis.coding import check_queue as review_queue
from consult.analysis.models import AnalysedAnswer, AnalysisRun, Decision, Theme
from consult.db import get_db
from consult.jobs import Job
from tests.consult.analysis.test_analysis_support import (
    analyst_client,
    residents_app,
)
from tests.consult.analysis.test_analysis_views import run_analysis


@pytest.fixture
def app(make_app):
    return residents_app(make_app, ANALYSIS_CODER_EVERY=3)


@pytest.fixture
def analyst(app):
    return analyst_client(app)


def shown_answer(page) -> int:
    return int(re.search(rb'name="answer" value="(\d+)"', page.data).group(1))


def text(page) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page.data.decode()).split())


def post(analyst, run_id, answer, **data):
    return analyst.post(f"/analysis/runs/{run_id}/check", data={"answer": answer, **data})


def test_check_answers_one_at_a_time(app, analyst):
    run_id = run_analysis(app, analyst)
    page = analyst.get(f"/analysis/runs/{run_id}/check")
    assert page.status_code == 200
    html = page.data.decode()
    assert "0 answers checked" in text(page)
    assert "Agreement: shown after your first checks" in text(page)
    assert "Keyboard shortcuts" in html and 'data-shortcut="a"' in html
    assert 'list="theme-list"' in html and '<datalist id="theme-list">' in html
    assert "<script>" not in html  # scripts only from consult/static (CSP)

    first = shown_answer(page)
    r = post(analyst, run_id, first, action="accept")
    assert r.status_code == 302
    page = analyst.get(f"/analysis/runs/{run_id}/check")
    second = shown_answer(page)
    assert second != first
    assert "1 answer checked" in text(page)
    assert "the suggestion was what you chose 100% of the time" in text(page)

    # Another theme, typed by name: a miss for the agreement figure.
    r = post(analyst, run_id, second, action="other", theme="Street lighting")
    assert r.status_code == 302
    # An unknown name: an error, and what was typed is kept.
    third = shown_answer(analyst.get(f"/analysis/runs/{run_id}/check"))
    bad = post(analyst, run_id, third, action="other", theme="Nonsense theme")
    assert bad.status_code == 400
    assert b"There is a problem" in bad.data and b"Select a theme for this answer" in bad.data
    assert b'value="Nonsense theme"' in bad.data
    bad = post(analyst, run_id, third, action="new", label="   ")
    assert bad.status_code == 400 and b"Enter a name for the theme" in bad.data
    # A new theme; then not relevant; then skip.
    assert post(analyst, run_id, third, action="new", label="Noise").status_code == 302
    fourth = shown_answer(analyst.get(f"/analysis/runs/{run_id}/check"))
    assert post(analyst, run_id, fourth, action="not_relevant").status_code == 302
    fifth = shown_answer(analyst.get(f"/analysis/runs/{run_id}/check"))
    assert post(analyst, run_id, fifth, action="skip").status_code == 302
    page = analyst.get(f"/analysis/runs/{run_id}/check")
    assert shown_answer(page) not in {first, second, third, fourth, fifth}
    assert "4 answers checked" in text(page)
    assert ("the suggestion was what you chose 25% of the time (95% interval 5% to 70%)"
            in text(page))  # 1 of 4: accepted, then another, a new theme, not relevant

    with app.app_context():
        db = get_db()
        run = db.get(AnalysisRun, run_id)
        kinds = [d.kind for d in db.scalars(select(Decision).order_by(Decision.id))]
        assert kinds == ["place", "place", "new_theme", "place", "answer_not_relevant", "skip"]
        noise = db.scalar(select(Theme).where(Theme.run_id == run_id, Theme.label == "Noise"))
        assert noise.size == 1 and noise.reviewed_at is not None
        state = review_queue.state(db, run)
        assert state.checked == 4 and state.agreement.n == 4
        # The coder was due after 3 checks: a job ran for this run, and (fewer than 8
        # decisions) left the suggestions as they were.
        jobs = db.scalars(select(Job).where(Job.kind == "analysis.code")).all()
        assert [(j.payload, j.status) for j in jobs] == [
            ({"run_id": run_id, "auto": True}, "succeeded")]
        answer = db.get(AnalysedAnswer, fourth)
        assert review_queue.suggestion(db, answer) == []


def test_update_suggestions_runs_the_coder_as_a_job(app, analyst):
    run_id = run_analysis(app, analyst)
    r = analyst.post(f"/analysis/runs/{run_id}/suggestions", data={"back": "check"},
                     follow_redirects=True)
    assert b"The suggestions are being updated" in r.data
    with app.app_context():
        job = get_db().scalar(select(Job).where(Job.kind == "analysis.code"))
        assert job is not None and job.payload == {"run_id": run_id}


def test_confirm_a_theme(app, analyst):
    run_id = run_analysis(app, analyst)
    with app.app_context():
        theme_id = get_db().scalar(select(Theme.id).where(Theme.run_id == run_id,
                                                          Theme.label == "Speeding"))
    page = analyst.get(f"/analysis/runs/{run_id}/themes/{theme_id}")
    assert b"Confirm this theme" in page.data
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{theme_id}/confirm", follow_redirects=True)
    assert b"Theme confirmed" in r.data and b"Reviewed" in r.data
    with app.app_context():
        assert get_db().get(Theme, theme_id).reviewed_at is not None


def test_start_from_a_frame_file_is_checked(app, analyst):
    with app.app_context():
        from tests.consult.analysis.test_analysis_support import version_of

        version_id = version_of(get_db()).id
    data = {"versions": [version_id], "questions": ["worry_text"], "start": "frame"}
    r = analyst.post("/analysis/runs/new", data=data)
    assert r.status_code == 400 and b"Select a code frame file (CSV or YAML)" in r.data
    r = analyst.post("/analysis/runs/new", data={
        **data, "frame_file": (io.BytesIO(b"not a frame"), "frame.docx")},
        content_type="multipart/form-data")
    assert r.status_code == 400 and b"must be a CSV or YAML file" in r.data
    assert b'value="residents:worry_text" checked' in r.data  # what was chosen is kept
    r = analyst.post("/analysis/runs/new", data={**data, "start": "last_year"})
    assert r.status_code == 400 and b"Select last year" in r.data
