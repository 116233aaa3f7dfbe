"""Splits, merges and priority links as the analyst decides them (issue 20, item 4): a
split's parts are reviewed only where the analyst says so, a merge keeps the quote
candidates of both themes, and an engine's priority link is a suggestion (shown with its
score) that counts in the public views only once the analyst confirms it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.analysis import queries, service
from consult.analysis.models import Theme
from consult.db import get_db
from consult.models import User
from tests.consult.analysis.test_analysis_service import by_label, start
from tests.consult.analysis.test_analysis_support import (
    add_response,
    analyst_client,
    make_user,
    resident,
    residents_app,
)
from tests.consult.analysis.test_analysis_views import run_analysis, theme_id


@pytest.fixture
def app(make_app):
    return residents_app(make_app)


def _split_preview(app, analyst, run_id, label):
    tid = theme_id(app, run_id, label)
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{tid}/split", data={"parts": "2"})
    assert r.status_code == 302
    return tid, r.location, analyst.get(r.location)


def test_split_parts_are_not_reviewed_unless_the_analyst_ticks_them(app):
    with app.app_context():
        db = get_db()
        for i in range(5):
            add_response(db, resident(f"Boy racers at night {i}"))
        db.commit()
    analyst = analyst_client(app)
    run_id = run_analysis(app, analyst)
    speed, url, preview = _split_preview(app, analyst, run_id, "Speeding")
    # The confirm page offers the choice, unticked.
    boxes = re.findall(rb'<input[^>]*name="reviewed-(\d)"[^>]*>', preview.data)
    assert boxes == [b"0", b"1"]
    assert b"checked" not in b"".join(re.findall(rb'<input[^>]*name="reviewed-\d"[^>]*>',
                                                   preview.data))
    done = analyst.post(url, data={"label-0": "Speeding cars", "label-1": "Boy racers",
                                   "reviewed-1": "yes"}, follow_redirects=True)
    assert b"is split into 2 themes" in done.data
    with app.app_context():
        db = get_db()
        parts = {t.label: t
                 for t in db.scalars(select(Theme).where(Theme.split_from_id == speed))}
        assert parts["Speeding cars"].reviewed_at is None
        assert parts["Boy racers"].reviewed_at is not None
        # No part is linked to a priority by the split (the engine suggested none for them).
        assert [t.priority for t in parts.values()] == [None, None]
        # A re-run applies the split as the analyst left it: one part reviewed, one not.
        db.commit()
        again, job = start(db, None)
        assert job.status == "succeeded", job.message
        parts = {t.label: t for t in queries.themes(db, again.id)}
        assert parts["Speeding cars"].reviewed_at is None
        assert parts["Boy racers"].reviewed_at is not None


def test_a_merge_keeps_the_quote_candidates_of_both_themes(app):
    with app.app_context():
        db = get_db()
        user = db.get(User, make_user(app))
        run, _ = start(db, user)
        t = by_label(db, run)
        drugs, light = t["Drug dealing"], t["Street lighting"]
        both = queries.quotes(db, drugs.id) + queries.quotes(db, light.id)
        before = {q.redacted_text for q in both}
        assert len(before) == 4
        service.merge_themes(db, run, drugs, [light], user)
        db.commit()
        db.expire_all()
        assert {q.redacted_text for q in queries.quotes(db, drugs.id)} == before


def test_engine_links_are_suggestions_until_the_analyst_confirms_them(app):
    analyst = analyst_client(app)
    run_id = run_analysis(app, analyst)
    speed = theme_id(app, run_id, "Speeding")
    drugs = theme_id(app, run_id, "Drug dealing")
    for tid in (speed, drugs):
        analyst.post(f"/analysis/runs/{run_id}/themes/{tid}/confirm")
    page = analyst.get(f"/analysis/runs/{run_id}/themes/{speed}").get_data(as_text=True)
    assert "Suggested</strong> Road safety (match 0.80)" in page
    assert "Confirm the link to Road safety" in page
    listing = analyst.get(f"/analysis/runs/{run_id}").get_data(as_text=True)
    assert "Suggested</strong> Road safety (0.80)" in listing
    # Below the measured threshold the engine's closest priority is not suggested at all.
    with app.app_context():
        db = get_db()
        db.get(Theme, drugs).priority_score = 0.5
        db.commit()
    page = analyst.get(f"/analysis/runs/{run_id}/themes/{drugs}").get_data(as_text=True)
    assert "Confirm the link to" not in page and "(closest match 0.50)" in page
    # Reviewed themes with the engine's links only: no priority is ranked yet.
    assert _ranked(analyst, run_id) == []
    # The analyst confirms the speeding link with one button: now it counts.
    r = analyst.post(f"/analysis/runs/{run_id}/themes/{speed}/priority",
                     data={"priority": "road_safety"}, follow_redirects=True)
    assert b"Priority updated." in r.data
    page = analyst.get(f"/analysis/runs/{run_id}/themes/{speed}").get_data(as_text=True)
    assert "Confirmed" in page and "Confirm the link to" not in page
    assert _ranked(analyst, run_id) == ["Road safety"]


def _ranked(analyst, run_id) -> list[str]:
    report = analyst.get(f"/analysis/runs/{run_id}/report.json").get_json()
    return [row["priority"] for r in report["priorities"].values() for row in r["ranking"]]
