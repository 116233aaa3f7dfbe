"""Questions are keyed by survey and code (issue 20, item 5): the pupils' "What worries you
most about staying safe?" shares the code ``worry_text`` with the residents' question, and is
still its own question in the new-analysis form, the run's scope, the analysis and the
public views. Runs stored with plain codes read as before."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.analysis import service
from consult.analysis.models import AnalysedAnswer, AnalysisRun
from consult.analysis.runs.start import collect_answers
from consult.db import get_db
from tests.consult.analysis.test_analysis_support import (
    add_response,
    analyst_client,
    residents_app,
    version_of,
)
from tests.consult.analysis.test_analysis_views import theme_id

PUPILS = "What worries you most about staying safe?"
RESIDENTS = "What worries you most about community safety where you live?"


@pytest.fixture
def app(make_app):
    app = residents_app(make_app)
    with app.app_context():
        db = get_db()
        for i in range(6):
            add_response(db, {"year_group": "year_9", "worry_text": f"Vaping in the toilets {i}"},
                         survey_id="schools", respondent_type="pupil")
        db.commit()
    return app


def _versions(app):
    with app.app_context():
        db = get_db()
        return version_of(db).id, version_of(db, "schools").id


def test_the_form_offers_each_surveys_question_with_its_own_wording(app):
    analyst = analyst_client(app)
    page = analyst.get("/analysis/runs/new").get_data(as_text=True)
    boxes = dict(re.findall(r'name="questions" type="checkbox" value="([^"]+)"[^>]*>\s*'
                            r'<label[^>]*>([^<]+)<', page))
    assert boxes["schools:worry_text"].strip() == PUPILS
    assert boxes["residents:worry_text"].strip() == RESIDENTS


def test_each_question_is_analysed_in_its_own_survey(app):
    residents, schools = _versions(app)
    analyst = analyst_client(app)
    # Both surveys ticked, only the residents' question chosen: no pupil's answer is read.
    r = analyst.post("/analysis/runs/new", data={"versions": [residents, schools],
                                                 "questions": ["residents:worry_text"]})
    assert r.status_code == 302, r.data[:800]
    only_residents = int(r.location.rstrip("/").split("/")[-1])
    r = analyst.post("/analysis/runs/new", data={"versions": [residents, schools],
                                                 "questions": ["schools:worry_text"]})
    only_pupils = int(r.location.rstrip("/").split("/")[-1])
    with app.app_context():
        db = get_db()

        def surveys_answered(run_id):
            return {t for (t,) in db.execute(
                select(AnalysedAnswer.redacted_text).where(AnalysedAnswer.run_id == run_id))}

        assert not any(t.startswith("Vaping") for t in surveys_answered(only_residents))
        texts = surveys_answered(only_pupils)
        assert texts and all(t.startswith("Vaping in the toilets") for t in texts)
        run = db.get(AnalysisRun, only_pupils)
        assert run.question_codes == ["worry_text"]  # the scope decisions are found by
    # The theme page names the question each answer was given to.
    vaping = theme_id(app, only_pupils, "Vaping")
    table = analyst.get(f"/analysis/runs/{only_pupils}/themes/{vaping}").get_data(as_text=True)
    assert "<td class=\"govuk-table__cell\">What worries you most</td>" in table
    # The public views name each survey's question in its own words.
    report = analyst.get(f"/analysis/runs/{only_pupils}/report.json").get_json()
    asked = {s["survey"]: [q["question"] for q in s["questions"]]
             for s in report["sample"]["surveys"]}
    assert asked.get("schools") == [PUPILS]
    assert RESIDENTS not in str(asked)


def test_runs_stored_with_plain_codes_read_as_before(app):
    from consult.analysis.runs.start import run_questions

    residents, schools = _versions(app)
    with app.app_context():
        db = get_db()
        run = service.create_run(db, version_ids=[residents, schools],
                                 question_codes=["worry_text"], user=None)
        # A plain code given (the command line's way) is that question in every survey.
        assert sorted(run_questions(run)) == [("residents", "worry_text"),
                                              ("schools", "worry_text")]
        # An older run: plain codes, no refs in its settings; every survey's answers.
        run.settings = {k: v for k, v in (run.settings or {}).items() if k != "questions"}
        assert run_questions(run) == [(None, "worry_text")]
        texts = collect_answers(db, run).texts
        assert sum(t.startswith("Vaping") for t in texts) == 6
        assert any(t.startswith("Cars speeding") for t in texts)
