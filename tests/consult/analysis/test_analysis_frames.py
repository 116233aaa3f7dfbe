"""Starting a run from a code frame file, the shipped priorities, or last year's reviewed
run (whose decisions seed this year's coder). Fake engine; its vectors tell concerns apart
by their keywords."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from consult.analysis import queries, service
from consult.analysis.coding import check_queue as review_queue
from consult.analysis.models import AnalysedAnswer, AnalysisRun, Theme
from consult.analysis.review import curation
from consult.db import get_db
from consult.jobs import enqueue
from consult.models import User
from tests.consult.analysis.test_analysis_service import by_label
from tests.consult.analysis.test_analysis_support import (
    ANALYSIS_CONFIG,
    add_response,
    make_user,
    resident,
    version_of,
)
from tests.support import signed_in_as, staff_id

pytest.importorskip("nlp.codeframe")

FRAME_CSV = """name,description,examples
Road safety,Speeding cars and boy racers,Cars speeding past the school|Boy racers racing at night
Drugs,Drug dealing and county lines,Drug dealing in the park
Dark streets,Street lighting off at night,The street lighting is broken
"""


@pytest.fixture
def app(make_app):
    return make_app(**ANALYSIS_CONFIG)


def seed_year(db, year, n=6):
    at = dt.datetime(year, 3, 1, 12, 0)
    for i in range(n):
        add_response(db, resident(f"Cars speeding down our road {year} {i}"), submitted_at=at)
        add_response(db, resident(f"Drug dealing in the park {year} {i}"), submitted_at=at)
        add_response(db, resident(f"The street lighting is off again {year} {i}"),
                     submitted_at=at)
    db.commit()


def run_with(db, start=None, year=None, user=None):
    run = service.create_run(db, version_ids=[version_of(db).id], question_codes=["worry_text"],
                             user=user, year=year, start=start)
    db.commit()
    job = enqueue("analysis.run", {"run_id": run.id}, db=db)
    assert job.status == "succeeded", job.message
    db.expire_all()
    return db.get(AnalysisRun, run.id)


def labels_of(db, run, text_start):
    answers = db.scalars(select(AnalysedAnswer).where(
        AnalysedAnswer.run_id == run.id, AnalysedAnswer.redacted_text.startswith(text_start)))
    return {tuple(t.label for t in curation.answer_themes(db, a))[:1] for a in answers}


def test_a_run_starts_from_a_code_frame_file(app, tmp_path):
    frame = tmp_path / "frame.csv"
    frame.write_text(FRAME_CSV)
    with app.app_context():
        db = get_db()
        seed_year(db, 2026)
        run = run_with(db, {"frame": str(frame), "frame_name": "frame.csv"})
        made = db.scalars(select(Theme).where(Theme.run_id == run.id, Theme.origin == "frame"))
        assert sorted(t.label for t in made) == ["Dark streets", "Drugs", "Road safety"]
        assert labels_of(db, run, "Cars speeding") == {("Road safety",)}
        assert labels_of(db, run, "Drug dealing") == {("Drugs",)}
        assert labels_of(db, run, "The street lighting") == {("Dark streets",)}
        assert run.settings["start_summary"] == {"source": "frame.csv", "themes": 3,
                                                 "placed": 18}
        # Frame themes are suggestions until the analyst reviews them.
        assert all(t.reviewed_at is None for t in queries.themes(db, run.id))


def test_a_broken_frame_file_is_a_clear_error(app, tmp_path):
    frame = tmp_path / "frame.csv"
    frame.write_text("title,notes\nRoad safety,x\n")
    with app.app_context():
        from consult.analysis.runs import frames

        with pytest.raises(service.AnalysisError, match="frame.csv"):
            frames.load(frame)


def test_a_run_starts_from_the_shipped_priorities(app):
    with app.app_context():
        db = get_db()
        seed_year(db, 2026)
        run = run_with(db, {"frame": app.config["ANALYSIS_TAXONOMY"],
                            "frame_name": "the partnership's priorities"})
        made = db.scalars(select(Theme).where(Theme.run_id == run.id, Theme.origin == "frame"))
        assert len(made.all()) >= 5
        assert run.settings["start_summary"]["source"] == "the partnership's priorities"


def test_last_years_reviewed_run_seeds_this_years_themes_and_coder(app):
    with app.app_context():
        db = get_db()
        seed_year(db, 2025)
        seed_year(db, 2026)
        user = db.get(User, make_user(app))
        last = run_with(db, year="2025", user=user)
        t = by_label(db, last)
        service.rename(db, last, t["Speeding"], "Road danger", user)
        service.confirm(db, last, t["Drug dealing"], user)
        for label in ("Road danger", "Drug dealing"):
            theme = by_label(db, last)[label]
            for a, _ in queries.theme_answers(db, theme, per_page=4)[0]:
                review_queue.check(db, last, a, "accept", user)
        db.commit()

        this = run_with(db, {"seed_run": last.id}, year="2026", user=user)
        themes = by_label(db, this)
        road = themes["Road danger"]
        assert road.key == by_label(db, last)["Road danger"].key  # the same theme
        assert road.reviewed_at is None  # this year's run is reviewed again
        assert labels_of(db, this, "Cars speeding down our road 2026") == {("Road danger",)}
        # Last year's eight decisions taught this year's coder.
        assert this.settings["coder"]["decisions"] == 8
        # Street lighting was not reviewed last year: not part of the frame.
        assert not db.scalar(select(Theme).where(Theme.run_id == this.id,
                                                 Theme.origin == "frame",
                                                 Theme.label == "Street lighting"))


def test_a_rerun_of_a_run_from_a_code_frame_keeps_the_frame_and_every_decision(app, tmp_path):
    frame = tmp_path / "frame.csv"
    frame.write_text(FRAME_CSV)
    client = app.test_client()
    user_id = staff_id(app, signed_in_as(app, client))
    with app.app_context():
        db = get_db()
        seed_year(db, 2026)
        user = db.get(User, user_id)
        first = run_with(db, {"frame": str(frame), "frame_name": "frame.csv"}, user=user)
        t = by_label(db, first)
        service.rename(db, first, t["Drugs"], "Drug dealing and supply", user)
        odd = db.scalar(select(AnalysedAnswer).where(
            AnalysedAnswer.run_id == first.id,
            AnalysedAnswer.redacted_text == "The street lighting is off again 2026 0"))
        review_queue.check(db, first, odd, "other", user, theme=t["Road safety"])
        dropped = db.scalar(select(AnalysedAnswer).where(
            AnalysedAnswer.run_id == first.id,
            AnalysedAnswer.redacted_text == "Drug dealing in the park 2026 1"))
        review_queue.check(db, first, dropped, "not_relevant", user)
        for text in ("Cars speeding past the shops", "The street lighting by the shops is out"):
            add_response(db, resident(text), submitted_at=dt.datetime(2026, 3, 2, 12, 0))
        db.commit()
        first_id = first.id

    assert client.post(f"/analysis/runs/{first_id}/rerun").status_code == 302
    with app.app_context():
        db = get_db()
        second = db.scalar(select(AnalysisRun).order_by(AnalysisRun.id.desc()).limit(1))
        assert second.id != first_id and second.settings["start_summary"]["source"] == "frame.csv"
        made = db.scalars(select(Theme).where(Theme.run_id == second.id, Theme.origin == "frame"))
        # The frame's themes, with the analyst's name for the one they renamed ...
        assert sorted(t.label for t in made) == ["Dark streets", "Drug dealing and supply",
                                                 "Road safety"]
        # ... the new answers placed in them, as in the first run ...
        assert labels_of(db, second, "Cars speeding past") == {("Road safety",)}
        assert labels_of(db, second, "The street lighting by the shops") == {("Dark streets",)}
        # ... and every decision kept.
        assert labels_of(db, second, "The street lighting is off again 2026 0") == {
            ("Road safety",)}
        assert labels_of(db, second, "Drug dealing in the park 2026 1") == {()}
        assert labels_of(db, second, "Drug dealing in the park 2026 2") == {
            ("Drug dealing and supply",)}
