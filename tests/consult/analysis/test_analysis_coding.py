"""The coder in a job: trained on the analyst's decisions over the answers' vectors, it
re-assigns the answers nobody has reviewed, never moves what the analyst placed, and the
answers that fit nothing are clustered afresh into proposed (emerging) themes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from consult import reportable
from consult.analysis import queries
from consult.analysis.coding import check_queue as review_queue
from consult.analysis.coding import features as run_features
from consult.analysis.coding import proposed as proposing
from consult.analysis.coding import training as coding
from consult.analysis.coding.retrain import RetrainRule
from consult.analysis.models import AnalysedAnswer, AnalysisRun, Theme
from consult.analysis.review import curation
from consult.db import get_db
from consult.jobs import enqueue
from consult.models import Response, User
from tests.consult.analysis.test_analysis_decisions import MORE_RULES, PLACES, answer_in, seed
from tests.consult.analysis.test_analysis_service import by_label, start
from tests.consult.analysis.test_analysis_support import (
    RULES,
    FakeEngine,
    add_response,
    make_user,
    resident,
)

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
        # for the analyst to accept, merge or dismiss (no theme is made by the engine).
        assert not db.scalars(select(Theme).where(Theme.run_id == run.id,
                                                  Theme.origin == "coder")).all()
        offered = proposing.listed(db, run)
        assert job.result["proposed"] == len(offered) >= 1
        members = [db.get(AnalysedAnswer, i).redacted_text for p in offered for i in p["answers"]]
        assert members and all(m.startswith(("Car meets", "Youths")) for m in members)
        # The queue's order was worked out in the job: unchecked answers only.
        order = run.settings["queue"]
        assert order and odd.id not in order
        assert review_queue.next_answer(db, run).id == order[0]
        # "Update suggestions" again without new decisions (the coder now starts from the
        # weights it learned last time): nothing moves, the same themes are proposed.
        db.commit()
        again = enqueue("analysis.code", {"run_id": run.id}, db=db)
        assert again.status == "succeeded", again.message
        assert again.result["reassigned"] == 0
        assert again.result["proposed"] == job.result["proposed"]


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
        coding.code_run(db, run, engine, required=True, rule=RetrainRule(min_decisions=2))
        held_text = db.scalar(select(AnalysedAnswer.redacted_text).where(
            AnalysedAnswer.run_id == run.id, AnalysedAnswer.response_id == held))
        assert seen and held_text not in seen
        assert review_queue.next_answer(db, run).response_id != held
        # The run's features kept for the coding jobs (written by the first analysis, when
        # the answer was not held back) are rebuilt without it.
        cache = app.config["ANALYSIS_CODER_CACHE"]
        held_id = db.scalar(select(AnalysedAnswer.id).where(
            AnalysedAnswer.run_id == run.id, AnalysedAnswer.response_id == held))
        stored = run_features._read(Path(cache) / f"run-{run.id}.npz")
        assert held_id in stored["ids"]
        coding.code_run(db, run, engine, required=True, rule=RetrainRule(min_decisions=2),
                        cache_dir=cache)
        stored = run_features._read(Path(cache) / f"run-{run.id}.npz")
        assert held_id not in stored["ids"] and len(stored["ids"]) > 0
        # ... and so is the graph of nearest answers the coder spreads decisions over.
        assert stored["graph_index"].shape[0] == len(stored["ids"])
        assert stored["graph_index"].max() < len(stored["ids"])
        assert run_features.digest(held_text) not in {bytes(d) for d in stored["lex_digests"]}
        assert held_text not in seen


@pytest.mark.slow
def test_the_real_engine_proposes_a_theme_nobody_named_and_names_it_by_its_concern(
        make_app, tmp_path):
    """A concern the first pass never made a theme of (fly-tipping) is "not yet themed";
    the real engine's fresh clustering of those answers proposes it, named by what the
    answers are about, not by the streets they mention."""
    pytest.importorskip("sentence_transformers")
    try:
        from nlp.spacy_model import load_spacy

        load_spacy()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"spaCy model not installed: {exc}")
    from consult.analysis.runs.engine import NlpEngine
    from tests.browser.test_guided_coding_browser import CONCERNS as SAID

    class FirstPassThenReal(NlpEngine):
        """First pass: speeding and drug dealing only (by keyword); the answers' vectors
        and the fresh clustering are the real engine's (MiniLM, spaCy)."""

        def fit(self, texts, ids=None, metadata=None, progress=None):
            return FakeEngine(rules=RULES[:2]).fit(texts, ids=ids, progress=progress)

    app = make_app(JOBS_SYNC=True, ANALYSIS_ENGINE_FACTORY=lambda app: FirstPassThenReal(
        cache_dir=str(tmp_path / "embeddings")))
    places = PLACES + ["Victoria Avenue", "Brook Street", "the precinct", "Marine Parade"]
    with app.app_context():
        db = get_db()
        for concern in ("Speeding", "Drug dealing", "Fly-tipping"):
            for i, place in enumerate(places):
                pattern = SAID[concern][i % len(SAID[concern])]
                add_response(db, resident(pattern.format(p=place)))
        db.commit()
        user = db.get(User, make_user(app))
        run, _ = start(db, user, codes=("worry_text",))
        t = by_label(db, run)
        for label in ("Speeding", "Drug dealing"):
            for a, _ in queries.theme_answers(db, t[label], per_page=5)[0]:
                review_queue.check(db, run, a, "accept", user)
        db.commit()

        job = enqueue("analysis.code", {"run_id": run.id}, db=db)
        assert job.status == "succeeded", job.message
        db.expire_all()
        offered = proposing.listed(db, run)
        assert job.result["proposed"] == len(offered) >= 1
        dumped = ("fly-tipping", "rubbish", "dumped", "mattresses")
        fly = [p for p in offered if any(
            w in db.get(AnalysedAnswer, i).redacted_text.lower() for i in p["answers"]
            for w in dumped)]
        assert fly, [p["label"] for p in offered]
        for p in fly:
            members = [db.get(AnalysedAnswer, i).redacted_text.lower() for i in p["answers"]]
            # Most of its answers are about fly-tipping ...
            assert sum(any(w in m for w in dumped) for m in members) >= 0.8 * len(members)
            theme = proposing.accept(db, run, p["id"], user)
            # ... and so is its name; no street or place names it.
            label = theme.label.lower()
            assert any(w in label for w in ("fly", "tipping", "rubbish", "dump", "mattress",
                                            "fridge", "litter", "waste")), theme.label
            words = {w.strip(".,").lower() for p in places for w in p.split()} - {"the"}
            assert not words & set(label.replace("-", " ").split()), theme.label


def test_the_run_features_read_back_give_the_graph_they_were_written_with(tmp_path):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    answers = [(100 + i, f"answer {i}") for i in range(40)]
    by_text = {t: vectors[i] for i, (_, t) in enumerate(answers)}

    def vectors_of(texts):
        return np.asarray([by_text[t] for t in texts])

    first = run_features.features(7, answers, [], vectors_of, tmp_path)
    again = run_features.features(7, answers[::-1], [], lambda texts: None, tmp_path)
    assert again is not None  # read back: the engine was not asked
    assert np.allclose(again.typical[::-1], first.typical)
    probe = first.vectors[:5]
    rows1, index1, sims1 = first.graph.neighbours(probe)
    rows2, index2, sims2 = again.graph.neighbours(probe)
    assert np.array_equal(rows1, rows2)  # graph rows: the order the file was written in
    assert np.array_equal(np.sort(index1, axis=1), np.sort(index2, axis=1))
    assert np.allclose(np.sort(sims1, axis=1), np.sort(sims2, axis=1))


def test_a_retrain_keeps_the_suggested_quotes_of_answers_that_stay_in_their_theme(app):
    """Issue 20: a merge of themes with 3 suggested quotes ended with none once the coder
    re-placed their answers. Re-placing an answer drops its suggested quote only when the
    answer leaves the quote's theme."""
    from consult.analysis.models import Quote
    from consult.analysis.runs.results import answer_rows

    with app.app_context():
        db = get_db()
        seed(db)
        run, _ = start(db, db.get(User, make_user(app)), codes=("worry_text",))
        t = {label: theme.id for label, theme in by_label(db, run).items()}
        quotes = db.scalars(select(Quote).where(Quote.theme_id == t["Speeding"],
                                                Quote.approved_at.is_(None))).all()
        assert len(quotes) >= 2
        stays, leaves = quotes[0], quotes[1]
        rows = {r.id: r for r in answer_rows(db, run)}
        coding._rewrite(db, run, [
            # the same theme, now with a second concern: its quote stays a candidate
            (rows[stays.answer_id], [(t["Speeding"], True, 0.9), (t["Drug dealing"], False, 0.6)]),
            # moved to another theme: no longer a quote of Speeding
            (rows[leaves.answer_id], [(t["Drug dealing"], True, 0.8)]),
        ])
        db.commit()
        left = {q.id for q in db.scalars(select(Quote).where(Quote.theme_id == t["Speeding"]))}
    assert stays.id in left and leaves.id not in left
