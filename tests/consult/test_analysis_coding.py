"""The coder in a job: trained on the analyst's decisions over the answers' vectors, it
re-assigns the answers nobody has reviewed, never moves what the analyst placed, and the
answers that fit nothing are clustered afresh into proposed (emerging) themes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult import reportable
from consult.analysis import coding, curation, queries
from consult.analysis import queue as review_queue
from consult.analysis.models import AnalysedAnswer, AnalysisRun, Theme
from consult.db import get_db
from consult.jobs import enqueue
from consult.models import Response, User
from tests.consult.test_analysis_decisions import MORE_RULES, PLACES, answer_in, seed
from tests.consult.test_analysis_service import by_label, start
from tests.consult.test_analysis_support import RULES, FakeEngine, make_user

pytest.importorskip("nlp.coder")


class FirstPass(FakeEngine):
    """The first pass finds only six concerns: litter, dog fouling, car meets and youths
    hanging about are "not yet themed" until the analyst names them. The answers' vectors
    still tell all ten apart (as sentence embeddings would)."""

    def vectors(self, texts):
        return FakeEngine(rules=MORE_RULES).vectors(texts)


@pytest.fixture
def app(make_app):
    return make_app(JOBS_SYNC=True, ANALYSIS_ENGINE_FACTORY=lambda app: FirstPass(app, RULES))


def unthemed_texts(db, run, start_text):
    return [a for a in coding.unthemed_answers(db, run) if a.redacted_text.startswith(start_text)]


def themes_of(db, answer):
    return [t.label for t in curation.answer_themes(db, answer)]


def test_the_coder_learns_from_decisions_and_never_moves_the_analysts_answers(app):
    with app.app_context():
        db = get_db()
        seed(db)
        user = db.get(User, make_user(app))
        run, _ = start(db, user, codes=("worry_text",))
        assert run.n_unthemed == 4 * len(PLACES)
        t = by_label(db, run)
        litter = unthemed_texts(db, run, "Litter and rubbish")
        dogs = unthemed_texts(db, run, "Dog mess")
        review_queue.check(db, run, litter[0], "new", user, label="Litter")
        review_queue.check(db, run, dogs[0], "new", user, label="Dog fouling")
        t = by_label(db, run)
        for a in litter[1:3]:
            review_queue.check(db, run, a, "other", user, theme=t["Litter"])
        for a in dogs[1:3]:
            review_queue.check(db, run, a, "other", user, theme=t["Dog fouling"])
        # The analyst puts one speeding answer somewhere the coder would never put it.
        odd = answer_in(db, t["Speeding"], "Cars speeding down Mill Lane")
        review_queue.check(db, run, odd, "other", user, theme=t["Drug dealing"])
        for label, text in (("Speeding", "Cars speeding down Church Road"),
                            ("Drug dealing", "Drug dealing by Church Road"),
                            ("Knife crime", "Worried about knife crime near Church Road")):
            review_queue.check(db, run, answer_in(db, t[label], text), "accept", user)
        db.commit()

        job = enqueue("analysis.code", {"run_id": run.id}, db=db)
        assert job.status == "succeeded", job.message
        assert job.result["decisions"] == 10 and job.result["reassigned"] > 0
        db.expire_all()
        run = db.get(AnalysisRun, run.id)
        # Every litter and dog answer found its theme, from three decisions each.
        litter_all = db.scalars(select(AnalysedAnswer).where(
            AnalysedAnswer.run_id == run.id,
            AnalysedAnswer.redacted_text.startswith("Litter and rubbish"))).all()
        assert [themes_of(db, a)[:1] for a in litter_all] == [["Litter"]] * len(PLACES)
        dogs_all = db.scalars(select(AnalysedAnswer).where(
            AnalysedAnswer.run_id == run.id,
            AnalysedAnswer.redacted_text.startswith("Dog mess"))).all()
        assert [themes_of(db, a)[:1] for a in dogs_all] == [["Dog fouling"]] * len(PLACES)
        # The analyst's odd placement stands; the other speeding answers stay in Speeding.
        assert themes_of(db, db.get(AnalysedAnswer, odd.id)) == ["Drug dealing"]
        assert by_label(db, run)["Speeding"].size == len(PLACES) - 1
        # Car meets and youths fit nothing the analyst taught: clustered afresh, proposed
        # as new emerging themes for the analyst to name.
        proposed = db.scalars(select(Theme).where(Theme.run_id == run.id,
                                                  Theme.origin == "coder")).all()
        assert job.result["proposed"] == len(proposed) >= 1
        assert all(p.emerging and p.reviewed_at is None for p in proposed)
        members = [a.redacted_text for p in proposed
                   for a, _ in queries.theme_answers(db, p, per_page=100)[0]]
        assert members and all(m.startswith(("Car meets", "Youths")) for m in members)
        # The queue's order was worked out in the job: unchecked answers only.
        order = run.settings["queue"]
        assert order and odd.id not in order
        assert review_queue.next_answer(db, run).id == order[0]


def test_the_coding_job_needs_two_themes_of_decisions(app):
    with app.app_context():
        db = get_db()
        seed(db)
        run, _ = start(db, codes=("worry_text",))
        job = enqueue("analysis.code", {"run_id": run.id}, db=db)
        assert job.status == "failed"
        assert "Check at least 8 answers, into at least two different themes" in job.message


def test_held_back_answers_never_reach_the_coder(app, monkeypatch):
    with app.app_context():
        db = get_db()
        seed(db)
        user = db.get(User, make_user(app))
        run, _ = start(db, user, codes=("worry_text",))
        t = by_label(db, run)
        for label in ("Speeding", "Vaping"):
            rows, _ = queries.theme_answers(db, t[label], per_page=3)
            for a, _ in rows:
                review_queue.check(db, run, a, "accept", user)
        db.commit()
        held = rows[0][0].response_id
        monkeypatch.setattr(
            reportable, "exclusion_rules",
            [*reportable.exclusion_rules, lambda: select(Response.id).where(Response.id == held)],
        )
        seen: list[str] = []
        engine = FirstPass(app, RULES)
        real = engine.vectors
        engine.vectors = lambda texts: (seen.extend(texts), real(texts))[1]
        coding.code_run(db, run, engine, required=True, min_decisions=2)
        held_text = db.scalar(select(AnalysedAnswer.redacted_text).where(
            AnalysedAnswer.run_id == run.id, AnalysedAnswer.response_id == held))
        assert seen and held_text not in seen
        assert review_queue.next_answer(db, run).response_id != held
