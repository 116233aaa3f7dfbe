"""The analysis service with a fake engine: runs as jobs, held responses left out, the
analyst's curation and its audit trail, re-runs keeping curated themes, splits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult import reportable
from consult.analysis import queries, service
from consult.analysis.models import (
    COMPLETE,
    MERGED,
    AnalysedAnswer,
    AnalysisRun,
    Quote,
    Theme,
    ThemeAssignment,
    ThemeEvent,
)
from consult.analysis.public_views import queries as report_queries
from consult.db import get_db
from consult.jobs import enqueue
from consult.models import Response, User
from tests.consult.analysis.test_analysis_support import (
    ANALYSIS_CONFIG,
    add_response,
    make_user,
    resident,
    seed_residents,
    version_of,
)


def start(db, user=None, codes=("worry_text", "priority_text"), survey="residents"):
    run = service.create_run(
        db, version_ids=[version_of(db, survey).id], question_codes=list(codes), user=user
    )
    db.commit()
    job = enqueue("analysis.run", {"run_id": run.id}, db=db)
    run = db.get(AnalysisRun, run.id)
    db.refresh(run)
    run.job_id = job.id
    db.commit()
    return run, job


def by_label(db, run):
    return {t.label: t for t in queries.themes(db, run.id)}


@pytest.fixture
def app(make_app):
    return make_app(**ANALYSIS_CONFIG)


def test_a_run_stores_themes_answers_and_quotes(app):
    with app.app_context():
        db = get_db()
        seed_residents(db)
        db.commit()
        run, job = start(db)
        assert job.status == "succeeded", job.message
        assert run.status == COMPLETE and run.period == "2026"
        themes = by_label(db, run)
        assert set(themes) == {"Speeding", "Drug dealing", "Street lighting"}
        assert themes["Speeding"].size == 24  # answers: 12 worries and 12 priorities
        assert themes["Speeding"].priority == "road_safety"
        # 12 + 8 + 6 worries, 12 priority answers, 3 non-answers
        assert run.n_answers == 41 and run.n_non_answers == 3
        assert run.n_respondents == 29
        quotes = queries.quotes(db, themes["Speeding"].id)
        assert quotes and all(q.redacted and q.approved_at is None for q in quotes)
        assert job.result == {"run_id": run.id, "themes": 3, "carried": 0}
        # Figures count people: a speeding resident raised it in both answers, once.
        people = report_queries.respondents(db, run)
        assert len(people) == 26
        assert sum(1 for p in people if themes["Speeding"].id in p.themes) == 12


def test_many_people_giving_the_same_words_make_one_quote(app):
    # The engine's representative texts for a theme can repeat (the same short answer from
    # many people); a run must not fail on them, and the words are quoted once.
    with app.app_context():
        db = get_db()
        for i in range(6):
            add_response(db, resident(f"Drug dealing in the park {i}", "More police about"))
        db.commit()
        run, job = start(db)
        assert job.status == "succeeded", job.message
        police = by_label(db, run)["Police presence"]
        assert [q.redacted_text for q in queries.quotes(db, police.id)] == ["More police about"]


def test_held_back_responses_are_never_analysed(app, monkeypatch):
    with app.app_context():
        db = get_db()
        seed_residents(db)
        held = add_response(db, resident("Speeding, and Mr Patel at number 4 hits his kids"))
        db.commit()
        held_id = held.id
        monkeypatch.setattr(
            reportable, "exclusion_rules",
            [*reportable.exclusion_rules, lambda: select(Response.id).where(Response.id == held_id)],
        )
        run, job = start(db)
        assert job.status == "succeeded"
        assert db.scalar(select(AnalysedAnswer).where(AnalysedAnswer.response_id == held_id)) is None
        assert queries.reportable_response(db, held_id) is None


def test_no_answers_fails_with_a_message_and_stores_nothing(app):
    with app.app_context():
        db = get_db()
        run, job = start(db)
        assert job.status == "failed"
        assert "no answers to these questions yet" in job.message
        assert run.status != COMPLETE
        assert db.scalar(select(Theme)) is None


def test_engine_failure_leaves_no_half_written_results(make_app):
    class Broken:
        name = "broken"

        def fit(self, texts, ids=None, metadata=None, progress=None):
            progress("embed", 0.5)
            raise MemoryError("out of memory while embedding")

    app = make_app(JOBS_SYNC=True, ANALYSIS_ENGINE_FACTORY=lambda app: Broken())
    with app.app_context():
        db = get_db()
        seed_residents(db)
        db.commit()
        run, job = start(db)
        assert job.status == "failed"
        assert "MemoryError" in job.message and "Run it again" in job.message
        assert db.scalar(select(Theme)) is None and db.scalar(select(AnalysedAnswer)) is None


def test_curation_is_recorded_with_who_and_when(app):
    with app.app_context():
        db = get_db()
        seed_residents(db)
        db.commit()
        user = db.get(User, make_user(app))
        run, _ = start(db, user)
        t = by_label(db, run)
        speed, drugs, light = t["Speeding"], t["Drug dealing"], t["Street lighting"]

        service.rename(db, run, speed, "  Speeding   and racing ", user)
        service.merge_themes(db, run, drugs, [light], user)
        answers = queries.main_answer_ids(db, drugs.id)[:2]
        service.move_answers(db, run, drugs, answers, speed, user)
        service.set_not_relevant(db, run, drugs, True, user)
        service.link_priority(db, run, speed, "violence_exploitation",
                              {"violence_exploitation": "Serious violence"}, user)
        service.link_priority(db, run, drugs, None, {}, user)
        quote = queries.quotes(db, speed.id)[0]
        service.approve_quote(db, run, quote, user)
        db.commit()

        assert speed.label == "Speeding and racing" and speed.curated
        assert light.state == MERGED and light.merged_into_id == drugs.id
        assert drugs.size == 8 + 6 - 2 and speed.size == 24 + 2
        assert drugs.emerging and drugs.priority is None and drugs.not_relevant
        assert quote.approved_by_id == user.id and quote.approved_at is not None

        events = list(reversed(queries.events(db, run.id)))
        actions = [e.action for e in events if e.user_id == user.id]
        assert actions == ["rename", "merge", "move", "not_relevant", "link_priority",
                           "mark_emerging", "approve_quote"]
        assert all(e.at is not None for e in events)
        rename = events[[e.action for e in events].index("rename")]
        assert rename.details == {"from": "Speeding", "to": "Speeding and racing"}
        assert "Merged ‘Street lighting’ into ‘Drug dealing’" in [e.summary for e in events][2]


def test_only_redacted_text_can_be_approved(app):
    with app.app_context():
        db = get_db()
        seed_residents(db)
        db.commit()
        run, _ = start(db)
        quote = queries.quotes(db, by_label(db, run)["Speeding"].id)[0]
        quote.redacted = False
        with pytest.raises(service.AnalysisError, match="Only redacted text"):
            service.approve_quote(db, run, quote, None)
        assert quote.approved_at is None
        assert db.scalar(select(ThemeEvent).where(ThemeEvent.action == "approve_quote")) is None


def test_shortening_a_quote_redacts_again_and_needs_new_approval(app):
    with app.app_context():
        db = get_db()
        seed_residents(db)
        db.commit()
        run, _ = start(db)
        quote = queries.quotes(db, by_label(db, run)["Speeding"].id)[0]
        service.approve_quote(db, run, quote, None)
        service.edit_quote(db, run, quote, "Cars speeding … every night", lambda t: t, None)
        assert quote.redacted_text == "Cars speeding … every night" and quote.approved_at is None
        with pytest.raises(service.AnalysisError, match="only shorten"):
            service.edit_quote(db, run, quote, "Call Dave about the speeding", lambda t: t, None)


def test_rerun_keeps_curated_themes_where_they_still_match(app):
    with app.app_context():
        db = get_db()
        seed_residents(db)
        db.commit()
        user = db.get(User, make_user(app))
        first, _ = start(db, user)
        t = by_label(db, first)
        service.rename(db, first, t["Speeding"], "Speeding and dangerous driving", user)
        service.merge_themes(db, first, t["Drug dealing"], [t["Street lighting"]], user)
        service.rename(db, first, t["Drug dealing"], "Drugs and dark streets", user)
        service.link_priority(db, first, t["Speeding"], None, {}, user)
        approved = queries.quotes(db, t["Speeding"].id)[0]
        service.approve_quote(db, first, approved, user)
        db.commit()

        # More answers come in, including a new concern; the analysis runs again.
        for i in range(5):
            add_response(db, resident(f"Kids vaping outside the shop {i}"))
        db.commit()
        second, job = start(db, user)
        assert job.status == "succeeded"
        assert second.previous_run_id == first.id
        themes = by_label(db, second)
        assert set(themes) == {"Speeding and dangerous driving", "Drugs and dark streets", "Vaping"}
        speed = themes["Speeding and dangerous driving"]
        assert speed.curated and speed.emerging and speed.priority is None
        assert speed.carried_from_id == t["Speeding"].id
        # Lighting was merged into drugs last time: merged again, with its answers.
        assert themes["Drugs and dark streets"].size == 14
        assert not themes["Vaping"].curated
        carried = [q for q in queries.quotes(db, speed.id) if q.approved_at]
        assert [q.redacted_text for q in carried] == [approved.redacted_text]
        actions = [e.action for e in queries.events(db, second.id)]
        assert actions.count("carry_over") == 2 and "merge" in actions


def test_split_previews_as_a_job_and_changes_nothing_until_confirmed(app):
    with app.app_context():
        db = get_db()
        for i in range(6):
            add_response(db, resident(f"Speeding on the high street {i}"))
        for i in range(5):
            add_response(db, resident(f"Boy racers at night {i}"))
        db.commit()
        user = db.get(User, make_user(app))
        run, _ = start(db)
        speed = by_label(db, run)["Speeding"]
        job = enqueue("analysis.split", {"theme_id": speed.id, "run_id": run.id, "parts": 2})
        assert job.status == "succeeded", job.message
        db.expire_all()
        # The preview: two parts with their typical answers; the run is unchanged.
        parts = job.result["parts"]
        assert [(p["label"], len(p["answers"])) for p in parts] == [("Speeding", 6),
                                                                    ("Boy racers", 5)]
        assert parts[1]["typical"][0].startswith("Boy racers at night")
        assert [t.id for t in queries.themes(db, run.id)] == [speed.id]
        assert db.scalar(select(ThemeEvent).where(ThemeEvent.action == "split")) is None

        new = service.apply_split(db, run, speed, parts, user)
        db.commit()
        themes = queries.themes(db, run.id)
        assert speed.id not in [t.id for t in themes]  # every answer went to a new theme
        assert sorted((t.label, t.size) for t in themes) == [("Boy racers", 5), ("Speeding", 6)]
        assert all(t.split_from_id == speed.id and t.reviewed_at is None for t in new)
        assert db.get(Theme, speed.id).state == "split"
        split_event = db.scalar(select(ThemeEvent).where(ThemeEvent.action == "split"))
        assert split_event.user_id == user.id
        assert db.scalar(
            select(ThemeAssignment).where(ThemeAssignment.theme_id == speed.id)
        ) is None


def test_quotes_of_held_responses_are_not_listed(app, monkeypatch):
    with app.app_context():
        db = get_db()
        seed_residents(db)
        db.commit()
        run, _ = start(db)
        speed = by_label(db, run)["Speeding"]
        quote = queries.quotes(db, speed.id)[0]
        service.approve_quote(db, run, quote, None)
        db.commit()
        held_id = quote.response_id
        monkeypatch.setattr(
            reportable, "exclusion_rules",
            [lambda: select(Response.id).where(Response.id == held_id)],
        )
        assert quote.id not in [q.id for q in queries.quotes(db, speed.id)]
        assert quote.id not in [q.id for qs in queries.publishable_quotes(db, run.id).values()
                                for q in qs]
        with pytest.raises(service.AnalysisError, match="held back"):
            service.add_quote(db, run, speed, quote.answer_id, None)
        other = db.get(Quote, quote.id)
        other.approved_at = None
        with pytest.raises(service.AnalysisError, match="held back"):
            service.approve_quote(db, run, other, None)
