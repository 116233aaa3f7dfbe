"""Retraining never undoes the review (issue 20, item 3), through the coding job and the
pages (fake engine): the themes change only by the analyst's action or a proposal they
accept; the coder never empties a theme nor puts answers in no theme; every retrain is one
entry in Change history, by the engine, and can be undone as one step."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult.analysis import queries
from consult.analysis.coding import check_queue as review_queue
from consult.analysis.coding import proposed as proposing
from consult.analysis.models import AnalysedAnswer, AnalysisRun, Decision, ThemeEvent
from consult.analysis.review import curation
from consult.db import get_db
from consult.jobs import enqueue
from consult.models import User
from nlp.proposals import name_key
from tests.consult.analysis.test_analysis_decisions import MORE_RULES, PLACES, answer_in, seed
from tests.consult.analysis.test_analysis_service import by_label, start
from tests.consult.analysis.test_analysis_support import (
    RULES,
    FakeEngine,
    add_response,
    resident,
)
from tests.support import signed_in_as, staff_id

pytest.importorskip("nlp.coder")


class FirstPass(FakeEngine):
    """The first pass finds six concerns; car meets, youths, litter and dog fouling are in
    no theme. Vectors and the fresh clustering of the answers in no theme tell all ten
    apart."""

    def vectors(self, texts):
        return FakeEngine(rules=MORE_RULES).vectors(texts)

    def split(self, texts, ids=None, progress=None, n_parts=None):
        return FakeEngine(rules=MORE_RULES).split(texts, ids=ids, progress=progress,
                                                  n_parts=n_parts)


@pytest.fixture
def app(make_app):
    return make_app(JOBS_SYNC=True, ANALYSIS_ENGINE_FACTORY=lambda app: FirstPass(app, RULES))


def text(page) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page.data.decode()).split())


def placements(db, run) -> dict[int, list[str]]:
    """Every answer's themes (labels, main first)."""
    answers = db.scalars(select(AnalysedAnswer).where(AnalysedAnswer.run_id == run.id))
    return {a.id: [t.label for t in curation.answer_themes(db, a)] for a in answers}


MIXED = "Boy racers and drug dealing at night on {}"


def seed_run(db, user) -> AnalysisRun:
    """Ten concerns in eight places, and six answers about boy racers *and* drug dealing
    (the first pass puts them in Speeding)."""
    seed(db)
    for place in PLACES[:6]:
        add_response(db, resident(MIXED.format(place)))
    db.commit()
    run, _ = start(db, user, codes=("worry_text",))
    return run


def teach(db, run, user):
    """The analyst puts three vaping answers in Drug dealing (the only vaping decisions),
    and three of the mixed answers; and accepts two suggestions in each of four other
    themes: 14 checks."""
    t = by_label(db, run)
    for place in PLACES[:3]:
        a = answer_in(db, t["Speeding"], MIXED.format(place))
        review_queue.check(db, run, a, "other", user, theme=t["Drug dealing"])
    for place in PLACES[:3]:
        a = answer_in(db, t["Vaping"], f"Kids vaping outside the shop on {place}")
        review_queue.check(db, run, a, "other", user, theme=t["Drug dealing"])
    for label in ("Speeding", "Street lighting", "Knife crime", "Police presence"):
        for a, _ in queries.theme_answers(db, t[label], per_page=2)[0]:
            review_queue.check(db, run, a, "accept", user)
    db.commit()


def retrain(db, run) -> AnalysisRun:
    job = enqueue("analysis.code", {"run_id": run.id}, db=db)
    assert job.status == "succeeded", job.message
    db.expire_all()
    return db.get(AnalysisRun, run.id)


def test_a_retrain_keeps_every_theme_and_answer_and_is_one_undoable_engine_entry(app):
    client = app.test_client()
    uid = staff_id(app, signed_in_as(app, client))
    with app.app_context():
        db = get_db()
        user = db.get(User, uid)
        run = seed_run(db, user)
        teach(db, run, user)
        run = db.get(AnalysisRun, run.id)
        names_before = sorted(by_label(db, run))
        unthemed_before = run.n_unthemed
        before = placements(db, run)

        run = retrain(db, run)
        # The coder would move every vaping answer left to Drug dealing: Vaping keeps
        # them, flagged for the analyst, and is still listed with its answers.
        t = by_label(db, run)
        assert sorted(t) == names_before
        assert t["Vaping"].size == len(PLACES) - 3
        flags = db.scalars(select(ThemeEvent).where(ThemeEvent.run_id == run.id,
                                                    ThemeEvent.action == "engine_flag")).all()
        assert [f.theme_id for f in flags] == [t["Vaping"].id]
        assert "would move all its answers elsewhere" in flags[0].summary
        # "Check answers" still says where the coder would put them.
        kept = answer_in(db, t["Vaping"], "Kids vaping")
        assert [x.label for x in review_queue.suggestion(db, kept)] == ["Drug dealing"]
        # Nobody's answers went to "no theme".
        assert run.n_unthemed <= unthemed_before
        after = placements(db, run)
        assert not [a for a in before if before[a] and not after[a]]
        moved = [a for a in before if before[a][:1] != after[a][:1]]
        assert moved  # the coder did learn something
        run_id = run.id
    table = client.get(f"/analysis/runs/{run_id}").data.decode().split("app-themes", 1)[1]
    listed = re.search(r">Vaping<.*?</tr>", table, re.S).group(0)
    assert "the engine would move all its answers elsewhere" in listed

    # Change history: the retrain is one line, by the engine, saying what moved.
    page = client.get(f"/analysis/runs/{run_id}/history")
    assert page.status_code == 200
    retrains = re.findall(r'data-action="retrain".*?</tr>', page.data.decode(), re.S)
    assert len(retrains) == 1
    line = text(type("P", (), {"data": retrains[0].encode()}))
    assert "The engine" in line
    assert f"After 14 checks: {len(moved)} answers re-assigned" in line
    assert "Undo this retrain" in line
    with app.app_context():
        event = get_db().scalar(select(ThemeEvent).where(ThemeEvent.run_id == run_id,
                                                         ThemeEvent.action == "retrain"))
        event_id = event.id
    # ... undone as one step: every answer it moved is back where it was.
    done = client.post(f"/analysis/runs/{run_id}/history/{event_id}/undo")
    assert done.status_code == 302
    with app.app_context():
        db = get_db()
        run = db.get(AnalysisRun, run_id)
        assert placements(db, run) == before
        undo = db.scalar(select(ThemeEvent).where(ThemeEvent.run_id == run_id,
                                                  ThemeEvent.action == "undo_retrain"))
        assert undo.user_id == uid
    page = client.get(f"/analysis/runs/{run_id}/history")
    assert "Undo this retrain" not in text(page) and "Undone." in text(page)
    again = client.post(f"/analysis/runs/{run_id}/history/{event_id}/undo", follow_redirects=True)
    assert "already been undone" in text(again)


def test_answers_in_no_theme_are_proposed_and_only_the_analyst_makes_a_theme(app):
    client = app.test_client()
    uid = staff_id(app, signed_in_as(app, client))
    with app.app_context():
        db = get_db()
        user = db.get(User, uid)
        run = seed_run(db, user)
        teach(db, run, user)
        # The analyst already has a theme whose name the engine would give again.
        curation.rename(db, run, by_label(db, run)["Knife crime"], "The dogs", user)
        db.commit()
        count = len(by_label(db, run))
        run = retrain(db, run)
        assert len(by_label(db, run)) == count
        offered = {p["label"]: p for p in proposing.listed(db, run)}
        assert offered, "the answers in no theme are proposed"
        # A proposal is never named like an existing theme.
        taken = {name_key(label) for label in by_label(db, run)}
        assert not {name_key(label) for label in offered} & taken
        run_id = run.id

    page = client.get(f"/analysis/runs/{run_id}")
    shown = text(page)
    dogs = next(p for label, p in offered.items() if label.startswith("Dog"))
    assert dogs["label"] == "Dog (2)"  # "The dogs" is taken
    assert f"{dogs['waiting']} answers look like a new theme: ‘{dogs['label']}’" in shown
    assert "Accept" in shown and "Merge into" in shown and "Dismiss" in shown
    rubbish = next(p for label, p in offered.items() if label.startswith("Rubbish"))
    youths = next(p for label, p in offered.items() if label.startswith("Youth"))

    # Accept: a theme, named apart from the others, the analyst's decision.
    r = client.post(f"/analysis/runs/{run_id}/proposals/{dogs['id']}",
                    data={"action": "accept"})
    assert r.status_code == 302
    with app.app_context():
        db = get_db()
        run = db.get(AnalysisRun, run_id)
        themes = by_label(db, run)
        assert len(themes) == count + 1
        keys = [name_key(label) for label in themes]
        assert len(keys) == len(set(keys)), sorted(themes)
        made = themes[dogs["label"]]
        assert made.size == dogs["waiting"] and made.reviewed_at is not None
        decision = db.scalar(select(Decision).where(Decision.run_id == run_id,
                                                    Decision.kind == "new_theme"))
        assert decision.theme_key == made.key and decision.user_id == uid
        target = themes["Police presence"]
        size = target.size
    # Merge into: the answers join that theme, no theme is made.
    client.post(f"/analysis/runs/{run_id}/proposals/{rubbish['id']}",
                data={"action": "merge", "theme": str(target.id)})
    # Dismiss: the answers stay in no theme.
    client.post(f"/analysis/runs/{run_id}/proposals/{youths['id']}", data={"action": "dismiss"})
    with app.app_context():
        db = get_db()
        run = db.get(AnalysisRun, run_id)
        themes = by_label(db, run)
        assert len(themes) == count + 1
        assert themes["Police presence"].size == size + rubbish["waiting"]
        left = {p["id"] for p in proposing.listed(db, run)}
        assert not left & {dogs["id"], rubbish["id"], youths["id"]}
        actions = set(db.scalars(select(ThemeEvent.action).where(ThemeEvent.run_id == run_id)))
        assert {"accept_proposal", "merge_proposal", "dismiss_proposal"} <= actions
