"""The public views' figures are built once per change, by a job sent when the change is
saved, and a page never shows figures from before a change as current."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from consult.analysis.models import AnalysisRun, Theme
from consult.analysis.public_views import cache as report_cache
from consult.db import get_db
from consult.jobs import QUEUED, RUNNING, SUCCEEDED, Job
from consult.models import utcnow
from tests.consult.analysis.test_analysis_support import (
    analyst_client,
    residents_app,
)
from tests.consult.analysis.test_analysis_views import run_analysis, theme_id

UPDATING = b"Updating the figures after your last change"


@pytest.fixture
def app(make_app):
    return residents_app(make_app)


@pytest.fixture
def analyst(app):
    return analyst_client(app)


@pytest.fixture
def run_id(app, analyst) -> int:
    run_id = run_analysis(app, analyst)
    with app.app_context():  # everything reviewed, so every theme is published
        for t in get_db().scalars(select(Theme).where(Theme.run_id == run_id)):
            t.reviewed_at = utcnow()
        get_db().commit()
    return run_id


def _no_building_here(monkeypatch):
    def fail(*_a, **_k):
        raise AssertionError("the figures were built while the page was being shown")

    monkeypatch.setattr(report_cache, "build_report", fail)


def _never_wait(monkeypatch):
    def fail(*_a, **_k):
        raise AssertionError("the request waited on a job")

    monkeypatch.setattr(time, "sleep", fail)


def _stored(app, run_id):
    with app.app_context():
        db = get_db()
        return report_cache.lookup(app, report_cache.key_of(db, db.get(AnalysisRun, run_id)))


def test_a_change_builds_the_figures_and_charts_before_the_next_view(app, analyst, run_id,
                                                                     monkeypatch):
    speed = theme_id(app, run_id, "Speeding")
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{speed}/rename",
                     data={"label": "Speeding cars"})
    assert r.status_code == 302
    built = _stored(app, run_id)
    assert built is not None and "Speeding cars" in {f.label for f in built.all_themes}
    with app.app_context():
        jobs = get_db().scalars(select(Job).where(Job.kind == "analysis.report")).all()
        assert [j.status for j in jobs][-1] == SUCCEEDED

    _no_building_here(monkeypatch)
    page = analyst.get(f"/analysis/runs/{run_id}/report")
    assert page.status_code == 200 and b"Speeding cars" in page.data
    chart = analyst.get(f"/analysis/runs/{run_id}/charts/theme-{speed}.png")
    assert chart.status_code == 200 and chart.data[:4] == b"\x89PNG"
    # Another process of the app (an empty memory) reads the same figures from disk.
    report_cache._cache(app).clear()
    page = analyst.get(f"/analysis/runs/{run_id}/report")
    assert page.status_code == 200 and b"Speeding cars" in page.data


def test_while_a_build_runs_the_page_says_so_and_never_shows_old_figures(app, analyst, run_id,
                                                                         monkeypatch):
    speed = theme_id(app, run_id, "Speeding")
    assert b"Speeding" in analyst.get(f"/analysis/runs/{run_id}/report").data
    with app.app_context():  # a change made elsewhere (a script), its build job running
        db = get_db()
        db.get(Theme, speed).label = "Cars going too fast"
        db.get(Theme, speed).reviewed_at = utcnow()
        job = Job(kind="analysis.report", payload={"run_id": run_id}, status=RUNNING,
                  backend="thread", started_at=utcnow(), heartbeat_at=utcnow())
        db.add(job)
        db.commit()
        job_id = job.id
    _never_wait(monkeypatch)  # said at once: the request does not wait on the job
    page = analyst.get(f"/analysis/runs/{run_id}/report")
    assert page.status_code == 202 and UPDATING in page.data
    assert b"Speeding" not in page.data
    assert f"/jobs/{job_id}".encode() in page.data  # the page follows the build

    with app.app_context():  # the job ends without the figures (a change came meanwhile)
        get_db().get(Job, job_id).status = SUCCEEDED
        get_db().commit()
    page = analyst.get(f"/analysis/runs/{run_id}/report")
    assert page.status_code == 200 and b"Cars going too fast" in page.data
    assert b"Speeding was raised" not in page.data


def test_a_build_queued_behind_other_work_is_not_waited_for(app, analyst, run_id, monkeypatch):
    speed = theme_id(app, run_id, "Speeding")
    assert b"Speeding" in analyst.get(f"/analysis/runs/{run_id}/report").data
    with app.app_context():  # a change made by a script; its build waits for a busy worker
        db = get_db()
        db.get(Theme, speed).label = "Cars going too fast"
        db.get(Theme, speed).reviewed_at = utcnow()
        db.add(Job(kind="analysis.report", payload={"run_id": run_id}, status=QUEUED,
                   backend="thread", heartbeat_at=utcnow()))
        db.commit()
    _never_wait(monkeypatch)
    page = analyst.get(f"/analysis/runs/{run_id}/report")  # built here: late, never wrong
    assert page.status_code == 200 and b"Cars going too fast" in page.data
    assert UPDATING not in page.data and b"Speeding was raised" not in page.data


def test_figures_are_not_stored_when_a_change_arrives_during_the_build(app, run_id,
                                                                      monkeypatch):
    real = report_cache.build_report

    def build_then_change(db, run, **kw):
        report = real(db, run, **kw)
        other = db.scalar(select(Theme).where(Theme.run_id == run.id, Theme.label == "Speeding"))
        other.reviewed_at = None  # the analyst takes a theme out of the review meanwhile
        db.commit()
        return report

    with app.app_context():
        report_cache.clear(app)
        monkeypatch.setattr(report_cache, "build_report", build_then_change)
        db = get_db()
        assert report_cache.build(db, db.get(AnalysisRun, run_id)) is None
    assert _stored(app, run_id) is None


def test_a_purge_leaves_no_built_report_holding_deleted_answers(app, analyst, run_id):
    import datetime as dt

    from sqlalchemy import update

    from consult.models import Response
    from consult.retention import purge

    assert analyst.get(f"/analysis/runs/{run_id}/report").status_code == 200
    folder = report_cache._folder(app)
    assert list(folder.glob("run-*.json")), "the built report was not kept on disk"
    with app.app_context():
        db = get_db()
        db.execute(update(Response).values(submitted_at=utcnow() - dt.timedelta(days=3000)))
        assert purge(db).responses > 0
        db.commit()
    assert not list(folder.glob("run-*.json"))
    assert _stored(app, run_id) is None


def test_a_stored_report_is_plain_data_read_back_whole(app, analyst, run_id):
    """Issue 23, finding 16: the report cache was pickled in instance/reports (a file
    swapped in there would run code when read). It is JSON now, and what another process
    reads back is the same report, charts included."""
    import json

    from consult.analysis.public_views import stored
    from consult.analysis.public_views.charts import chart_names, chart_png

    with app.app_context():
        db = get_db()
        run = db.get(AnalysisRun, run_id)
        built = report_cache.build(db, run, charts=True)
        key = report_cache.key_of(db, run)
    [path] = report_cache._folder(app).glob("run-*.json")
    raw = path.read_bytes()
    assert not raw.startswith(b"\x80")  # no pickle protocol header
    data = json.loads(raw)
    assert data["report"]["run_id"] == run_id
    report_cache._cache(app).clear()  # as another process would: from the file only
    again = report_cache.lookup(app, key)
    assert again == built
    assert again.themes and again.themes[0].audiences == built.themes[0].audiences
    names = chart_names(built)
    assert names and all(chart_png(again, n) == chart_png(built, n) for n in names)
    assert stored.load(json.loads(json.dumps(stored.dump(built)))) == built
