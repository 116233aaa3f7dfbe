"""The analyst's workspace through the browser's eyes (test client, fake engine)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from consult import reportable
from consult.analysis.models import AnalysisRun, Quote, Theme, ThemeEvent
from consult.db import get_db
from consult.models import Response
from tests.consult.analysis.test_analysis_support import (
    ANALYSIS_CONFIG,
    add_response,
    analyst_client,
    resident,
    residents_app,
    version_of,
)
from tests.support import signed_in_as


@pytest.fixture
def app(make_app):
    return residents_app(make_app)


@pytest.fixture
def analyst(app):
    return analyst_client(app)


def run_analysis(app, client) -> int:
    with app.app_context():
        version_id = version_of(get_db()).id
    response = client.post(
        "/analysis/runs/new",
        data={"versions": [version_id], "questions": ["worry_text", "priority_text"],
              "title": "Residents 2026"},
    )
    assert response.status_code == 302, response.data[:1000]
    return int(response.location.rstrip("/").split("/")[-1])


def theme_id(app, run_id, label) -> int:
    with app.app_context():
        return get_db().scalar(
            select(Theme.id).where(Theme.run_id == run_id, Theme.label == label)
        )


def test_workspace_is_for_analysts_and_admins(app):
    client = app.test_client()
    assert client.get("/analysis/").status_code == 302  # to sign in
    signed_in_as(app, client, "school_staff")
    assert client.get("/analysis/").status_code == 403
    admin = app.test_client()
    signed_in_as(app, admin, "admin")
    assert admin.get("/analysis/").status_code == 200


def test_run_review_merge_rename_approve_and_download(app, analyst):
    page = analyst.get("/analysis/runs/new")
    assert page.status_code == 200 and b"What worries you most" in page.data
    # Nothing chosen: an error summary, not a crash.
    page = analyst.post("/analysis/runs/new", data={})
    assert b"There is a problem" in page.data and b"Select at least one survey version" in page.data

    run_id = run_analysis(app, analyst)
    page = analyst.get(f"/analysis/runs/{run_id}")
    assert page.status_code == 200
    for label in (b"Speeding", b"Drug dealing", b"Street lighting"):
        assert label in page.data

    drugs = theme_id(app, run_id, "Drug dealing")
    light = theme_id(app, run_id, "Street lighting")
    speed = theme_id(app, run_id, "Speeding")
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{drugs}/merge", data={"others": [light]})
    assert r.status_code == 302
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{drugs}/rename",
                     data={"label": "Drugs and dark streets"}, follow_redirects=True)
    assert b"Theme renamed." in r.data and b"Drugs and dark streets" in r.data
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{drugs}/rename", data={"label": " "},
                     follow_redirects=True)
    assert b"There is a problem" in r.data and b"Enter a name for the theme" in r.data

    theme_page = analyst.get(f"/analysis/runs/{run_id}/themes/{speed}")
    assert theme_page.status_code == 200
    assert b"Places named" in theme_page.data and b"our road (12)" in theme_page.data
    quote_ids = [int(x) for x in re.findall(rb"/quotes/(\d+)/approve", theme_page.data)]
    assert quote_ids
    r = analyst.post(f"/analysis/runs/{run_id}/quotes/{quote_ids[0]}/approve",
                     follow_redirects=True)
    assert b"Quote approved for publication." in r.data

    history = analyst.get(f"/analysis/runs/{run_id}/history")
    assert b"Merged" in history.data and b"Renamed" in history.data
    assert b"Approved a quote" in history.data and b"Ana analyst" in history.data

    with app.app_context():  # only reviewed themes are published (issue 12)
        db = get_db()
        for t in db.scalars(select(Theme).where(Theme.run_id == run_id, Theme.state == "active")):
            t.reviewed_at = t.reviewed_at or dt.datetime(2026, 4, 1)
        db.commit()
    # Only a link the analyst confirmed ranks a priority (issue 20).
    analyst.post(f"/analysis/runs/{run_id}/themes/{theme_id(app, run_id, 'Speeding')}/priority",
                 data={"priority": "road_safety"})
    report = analyst.get(f"/analysis/runs/{run_id}/report")
    assert report.status_code == 200
    assert b"respondents select themselves" in report.data
    assert b"Speeding was raised by" in report.data

    docx = analyst.get(f"/analysis/runs/{run_id}/report.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    assert "attachment" in docx.headers["Content-Disposition"]
    csv = analyst.get(f"/analysis/runs/{run_id}/report.csv")
    assert csv.status_code == 200 and b"section,item,audience,breakdown" in csv.data
    # One charset, not "text/csv; charset=utf-8; charset=utf-8" (issue 23, finding 16).
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    html = analyst.get(f"/analysis/runs/{run_id}/report.html")
    assert html.headers["Content-Type"] == "text/html; charset=utf-8"
    data = analyst.get(f"/analysis/runs/{run_id}/report.json").get_json()
    assert {t["label"] for t in data["themes"]} == {"Speeding", "Drugs and dark streets"}
    png = analyst.get(f"/analysis/runs/{run_id}/charts/priorities-residents.png")
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"
    assert analyst.get(f"/analysis/runs/{run_id}/charts/nonsense.png").status_code == 404


def test_move_answers_relevance_priority_and_split_from_the_pages(app, analyst):
    run_id = run_analysis(app, analyst)
    speed = theme_id(app, run_id, "Speeding")
    drugs = theme_id(app, run_id, "Drug dealing")
    page = analyst.get(f"/analysis/runs/{run_id}/themes/{drugs}")
    answer_ids = re.findall(rb'name="answers" type="checkbox" value="(\d+)"', page.data)[:3]
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{drugs}/move",
                     data={"answers": answer_ids, "target": str(speed)}, follow_redirects=True)
    assert b"Answers moved." in r.data
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{drugs}/move",
                     data={"answers": answer_ids, "target": ""}, follow_redirects=True)
    assert b"Select the theme to move the answers to" in r.data
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{drugs}/relevance",
                     data={"not_relevant": "yes"}, follow_redirects=True)
    assert b"Theme marked as not relevant." in r.data
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{speed}/priority",
                     data={"priority": "emerging"}, follow_redirects=True)
    assert b"Priority updated." in r.data
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{speed}/split", data={"parts": "9"},
                     follow_redirects=True)
    assert b"Enter a number of parts from 2 to 8" in r.data
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{speed}/split", data={"parts": "2"})
    assert r.status_code == 302
    preview = analyst.get(r.location)
    assert b"Nothing has changed yet" in preview.data and b"Typical answers" in preview.data
    with app.app_context():
        assert get_db().get(Theme, speed).state == "active"  # nothing changed yet
    names = re.findall(rb'name="(label-\d+)" type="text" maxlength="200" value="([^"]*)"',
                       preview.data)
    assert len(names) == 2
    bad = analyst.post(r.location, data={"label-0": "Speeding", "label-1": " "})
    assert bad.status_code == 400 and b"Enter a name for part 2" in bad.data
    done = analyst.post(r.location, data={"label-0": "Speeding", "label-1": "Boy racers"},
                        follow_redirects=True)
    assert b"is split into 2 themes" in done.data
    with app.app_context():
        db = get_db()
        assert db.get(Theme, drugs).size == 5 and db.get(Theme, drugs).not_relevant
        assert db.get(Theme, speed).state == "split"
        actions = set(db.scalars(select(ThemeEvent.action).where(ThemeEvent.run_id == run_id)))
        assert {"move", "not_relevant", "mark_emerging", "split"} <= actions
    report = analyst.get(f"/analysis/runs/{run_id}/report.json").get_json()
    assert "Drug dealing" not in {t["label"] for t in report["themes"]}


def test_progress_page_survives_reload_and_shows_failure(make_app):
    app = make_app(JOBS_SYNC=True, ANALYSIS_ENGINE_FACTORY=ANALYSIS_CONFIG["ANALYSIS_ENGINE_FACTORY"])
    client = app.test_client()
    signed_in_as(app, client)
    run_id = run_analysis(app, client)  # no responses at all: the job fails
    for _ in range(2):  # reload: the same state, from the server
        page = client.get(f"/analysis/runs/{run_id}")
        assert b"The analysis did not finish" in page.data
        assert b"no answers to these questions yet" in page.data
    with app.app_context():
        db = get_db()
        add_response(db, resident("Speeding lorries"))
        db.commit()
    r = client.post(f"/analysis/runs/{run_id}/rerun")
    assert r.status_code == 302
    page = client.get(f"/analysis/runs/{run_id}")
    assert b"Speeding" in page.data and b"did not finish" not in page.data


def test_progress_page_while_running_polls_the_job(make_app):
    app = make_app(ANALYSIS_ENGINE_FACTORY=ANALYSIS_CONFIG["ANALYSIS_ENGINE_FACTORY"],
                   REDIS_URL="redis://127.0.0.1:1/0")  # queue away: stays visible as failed
    client = app.test_client()
    signed_in_as(app, client)
    with app.app_context():
        db = get_db()
        run = AnalysisRun(survey_id="residents", survey_version_ids=[], question_codes=[])
        from consult.jobs import Job

        job = Job(kind="analysis.run", payload={}, status="running", backend="rq", attempt=1,
                  progress=0.42, stage="Finding themes")
        from consult.models import utcnow

        job.heartbeat_at = utcnow()
        db.add_all([run, job])
        db.flush()
        run.job_id = job.id
        db.commit()
        run_id, job_id = run.id, job.id
    page = client.get(f"/analysis/runs/{run_id}")
    assert b'<progress id="job-progress"' in page.data and b'value="42"' in page.data
    assert f'data-job-url="/jobs/{job_id}"'.encode() in page.data
    assert b"Finding themes" in page.data
    assert b"app/analysis.js" in page.data


def test_responses_browser_filters_and_hides_held_responses(app, analyst, monkeypatch):
    run_id = run_analysis(app, analyst)
    page = analyst.get("/analysis/surveys/residents/responses")
    assert b"29 responses" in page.data
    # Adur: every third speeding and drugs answer (4 + 3).
    page = analyst.get("/analysis/surveys/residents/responses?district=adur")
    assert b"7 responses match" in page.data
    page = analyst.get("/analysis/surveys/residents/responses?q=street+lighting")
    assert b"6 responses match" in page.data
    page = analyst.get("/analysis/surveys/residents/responses?age_group=age_65_74")
    assert b"6 responses match" in page.data
    speed = theme_id(app, run_id, "Speeding")
    page = analyst.get(f"/analysis/surveys/residents/responses?theme={speed}")
    assert b"12 responses match" in page.data
    page = analyst.get("/analysis/surveys/residents/responses?priority=drugs_county_lines")
    assert b"8 responses match" in page.data
    page = analyst.get("/analysis/surveys/residents/responses?respondent_type=pupil")
    assert b"0 responses match" in page.data
    page = analyst.get("/analysis/surveys/residents/responses?q=%25")
    assert b"0 responses match" in page.data  # a literal %, not a wildcard

    with app.app_context():
        db = get_db()
        held = add_response(db, resident("Something a safeguarding lead must see first"))
        db.commit()
        held_id = held.id
    monkeypatch.setattr(
        reportable, "exclusion_rules",
        [lambda: select(Response.id).where(Response.id == held_id)],
    )
    page = analyst.get("/analysis/surveys/residents/responses?q=safeguarding+lead")
    assert b"0 responses match" in page.data
    assert analyst.get(f"/analysis/responses/{held_id}").status_code == 404
    with app.app_context():
        other = get_db().scalar(select(Quote.response_id))
    page = analyst.get(f"/analysis/responses/{other}")
    assert page.status_code == 200 and b"Themes (analysis run" in page.data


def test_a_response_page_shows_free_text_redacted_unless_asked_and_audited(app, analyst):
    """Issue 23, finding 16: analysts saw third parties' personal data on a response page.
    Redacted by default (from the run, else by the redactor now); the original on request,
    recorded in the audit trail."""
    from consult.models import AuditEvent

    with app.app_context():
        db = get_db()
        named = add_response(db, resident("Sarah sells drugs, ring 07700 900123 about the speeding"))
        db.commit()
        named_id, reference = named.id, named.reference
    run_analysis(app, analyst)
    page = analyst.get(f"/analysis/responses/{named_id}").data.decode()
    assert "Sarah" not in page and "07700 900123" not in page
    assert "[NAME]" in page and "Show what the person wrote" in page
    with app.app_context():
        db = get_db()
        late = add_response(db, resident("call me on 07700 900456 about the street lights"))
        db.commit()
        late_id = late.id
    page = analyst.get(f"/analysis/responses/{late_id}").data.decode()  # in no run yet
    assert "07700 900456" not in page and "street lights" in page
    original = analyst.get(f"/analysis/responses/{named_id}?original=1").data.decode()
    assert "Sarah sells drugs, ring 07700 900123" in original
    assert "recorded in the audit trail" in original
    with app.app_context():
        events = get_db().scalars(
            select(AuditEvent).where(AuditEvent.action == "response_original_viewed")
        ).all()
    assert [e.target for e in events] == [reference]
