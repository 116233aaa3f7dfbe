"""Decisions are labels: every analyst action is stored as a decision that outlives the
run, and a re-run with new answers applies every one of them again (fake engine)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult import reportable
from consult.analysis import queries, service
from consult.analysis.coding import check_queue as review_queue
from consult.analysis.models import (
    MERGED,
    SPLIT,
    AnalysedAnswer,
    AnalysisRun,
    Decision,
    Quote,
    Theme,
)
from consult.analysis.review import curation, decisions
from consult.analysis.runs.results import run_answers
from consult.db import get_db
from consult.jobs import enqueue
from consult.models import Response, User
from tests.consult.analysis.test_analysis_service import by_label, start
from tests.consult.analysis.test_analysis_support import (
    RULES,
    FakeEngine,
    _onehot,
    add_response,
    make_user,
    resident,
)

MORE_RULES = [
    *RULES,
    ("Car meets", ["car meet", "revving"], "road_safety"),
    ("Anti-social behaviour", ["youths", "anti-social"], "anti_social_behaviour"),
    ("Litter", ["litter", "rubbish", "fly-tipping"], None),
    ("Dog fouling", ["dog"], None),
]
CONCERNS = {
    "Speeding": "Cars speeding down {} every night",
    "Drug dealing": "Drug dealing by {} in broad daylight",
    "Street lighting": "Street lighting is off on {}",
    "Knife crime": "Worried about knife crime near {}",
    "Police presence": "Never see police on {}",
    "Vaping": "Kids vaping outside the shop on {}",
    "Car meets": "Car meets with engines revving on {}",
    "Anti-social behaviour": "Youths hanging about {} at night",
    "Litter": "Litter and rubbish dumped on {}",
    "Dog fouling": "Dog mess all over {}",
}
PLACES = ["Church Road", "the high street", "Mill Lane", "Station Road", "the seafront",
          "Park Road", "the estate", "School Lane"]


class WideFakeEngine(FakeEngine):
    """The fake engine with one-hot centroids as wide as its rules."""

    def fit(self, texts, ids=None, metadata=None, progress=None):
        result = super().fit(texts, ids=ids, metadata=metadata, progress=progress)
        for t in result.themes:
            t.centroid = _onehot(t.id, len(self.rules))
        return result


@pytest.fixture
def app(make_app):
    return make_app(JOBS_SYNC=True,
                    ANALYSIS_ENGINE_FACTORY=lambda app: WideFakeEngine(app, rules=MORE_RULES))


def seed(db, places=PLACES, suffix=""):
    for label, pattern in CONCERNS.items():
        for place in places:
            add_response(db, resident(pattern.format(place) + suffix))
    db.commit()


def answer_in(db, theme, text_start):
    rows, _ = queries.theme_answers(db, theme, per_page=500)
    return next(a for a, _ in rows if a.redacted_text.startswith(text_start))


def where(db, run, response_id, code="worry_text"):
    """The labels of the themes an answer is in (main first)."""
    answer = db.scalar(select(AnalysedAnswer).where(
        AnalysedAnswer.run_id == run.id, AnalysedAnswer.response_id == response_id,
        AnalysedAnswer.question_code == code))
    return [t.label for t in curation.answer_themes(db, answer)] if answer else None


def approved(db, run):
    return sorted(q.redacted_text for q in db.scalars(
        select(Quote).where(Quote.run_id == run.id, Quote.approved_at.is_not(None))))


def merges(db, run):
    return db.scalar(select(func.count(Theme.id)).where(Theme.run_id == run.id,
                                                       Theme.state == MERGED))


def test_rerun_keeps_three_quote_approvals_and_six_merges(app):
    # The issue: "Run the analysis again" dropped quote approvals (3 -> 0) and half of the
    # merges (6 -> 3): merges into a theme that was itself merged, and approvals of quotes
    # in themes the analyst had not otherwise touched, were lost.
    with app.app_context():
        db = get_db()
        seed(db)
        user = db.get(User, make_user(app))
        first, _ = start(db, user, codes=("worry_text",))
        t = by_label(db, first)
        service.merge_themes(db, first, t["Drug dealing"], [t["Street lighting"]], user)
        service.merge_themes(db, first, t["Drug dealing"], [t["Knife crime"]], user)
        service.merge_themes(db, first, t["Police presence"], [t["Anti-social behaviour"]], user)
        service.merge_themes(db, first, t["Litter"], [t["Dog fouling"]], user)
        service.merge_themes(db, first, t["Speeding"], [t["Car meets"]], user)
        service.merge_themes(db, first, t["Drug dealing"], [t["Police presence"]], user)
        for label in ("Vaping", "Litter", "Drug dealing"):
            service.approve_quote(db, first, queries.quotes(db, t[label].id)[0], user)
        db.commit()
        assert merges(db, first) == 6 and len(approved(db, first)) == 3

        seed(db, ["Queens Road", "the bypass"])  # new answers come in
        second, job = start(db, user, codes=("worry_text",))
        assert job.status == "succeeded", job.message
        assert merges(db, second) == 6
        assert approved(db, second) == approved(db, first)
        themes = by_label(db, second)
        assert set(themes) == {"Drug dealing", "Litter", "Speeding", "Vaping"}
        # New answers about lighting follow the merge into drugs.
        assert themes["Drug dealing"].size == 5 * 10  # drugs, lighting, knife, police, ASB


def test_a_rerun_with_new_answers_keeps_every_kind_of_decision(app):
    with app.app_context():
        db = get_db()
        seed(db)
        for place in PLACES[:4]:  # car meets in other words: a theme worth splitting
            add_response(db, resident(f"Engines revving all night on {place}"))
        db.commit()
        user = db.get(User, make_user(app))
        first, _ = start(db, user, codes=("worry_text",))
        t = by_label(db, first)
        # rename, confirm, merge, not relevant, link priority, mark emerging
        service.rename(db, first, t["Speeding"], "Speeding and dangerous driving", user)
        service.confirm(db, first, t["Street lighting"], user)
        service.merge_themes(db, first, t["Drug dealing"], [t["Police presence"]], user)
        service.set_not_relevant(db, first, t["Dog fouling"], True, user)
        service.link_priority(db, first, t["Knife crime"], "public_spaces_lighting",
                              {"public_spaces_lighting": "Lighting"}, user)
        service.link_priority(db, first, t["Vaping"], None, {}, user)
        # move an answer
        moved = answer_in(db, t["Litter"], "Litter and rubbish dumped on Mill Lane")
        service.move_answers(db, first, t["Litter"], [moved.id], t["Anti-social behaviour"], user)
        # approve a quote
        quote = queries.quotes(db, t["Knife crime"].id)[0]
        service.approve_quote(db, first, quote, user)
        # split (preview job, then confirmed)
        job = enqueue("analysis.split", {"theme_id": t["Car meets"].id, "run_id": first.id,
                                         "parts": 2})
        assert job.status == "succeeded", job.message
        parts = job.result["parts"]
        service.apply_split(db, first, t["Car meets"], parts, user)
        # the review queue: accept, another theme, new theme, not relevant
        queue_answers = {
            "accept": answer_in(db, t["Vaping"], "Kids vaping outside the shop on Park Road"),
            "other": answer_in(db, t["Street lighting"], "Street lighting is off on the estate"),
            "new": answer_in(db, t["Litter"], "Litter and rubbish dumped on School Lane"),
            "not_relevant": answer_in(db, t["Dog fouling"], "Dog mess all over the seafront"),
        }
        review_queue.check(db, first, queue_answers["accept"], "accept", user)
        review_queue.check(db, first, queue_answers["other"], "other", user,
                           theme=t["Knife crime"])
        review_queue.check(db, first, queue_answers["new"], "new", user, label="Fly-tipping")
        review_queue.check(db, first, queue_answers["not_relevant"], "not_relevant", user)
        db.commit()
        before = {k: where(db, first, a.response_id) for k, a in queue_answers.items()}
        moved_rid = moved.response_id
        split_parts = {p.label: p.size for p in queries.themes(db, first.id)
                       if p.split_from_id == t["Car meets"].id}
        reviewed_before = {x.label: x.reviewed_at for x in queries.themes(db, first.id)
                           if x.reviewed_at}
        kinds = set(db.scalars(select(Decision.kind)))
        assert {"rename", "confirm", "merge", "not_relevant", "link_priority", "mark_emerging",
                "place", "approve_quote", "split", "new_theme",
                "answer_not_relevant"} <= kinds

        seed(db, ["Queens Road", "the bypass"], suffix=" again")  # 20 new answers
        second, job = start(db, user, codes=("worry_text",))
        assert job.status == "succeeded", job.message
        db.expire_all()
        themes = by_label(db, second)
        # rename + reviewed
        assert "Speeding and dangerous driving" in themes and "Speeding" not in themes
        # confirm
        assert themes["Street lighting"].reviewed_at is not None
        reviewed_after = {x.label: x.reviewed_at for x in queries.themes(db, second.id)
                          if x.reviewed_at}
        assert reviewed_after == reviewed_before  # the same themes, reviewed when they were
        # merge: the new police answers are in drugs too
        assert "Police presence" not in themes
        assert themes["Drug dealing"].size == 2 * 10
        # not relevant, priority, emerging
        assert themes["Dog fouling"].not_relevant
        assert themes["Knife crime"].priority == "public_spaces_lighting"
        assert themes["Vaping"].emerging and themes["Vaping"].priority is None
        # the moved answer
        assert where(db, second, moved_rid) == ["Anti-social behaviour"]
        # the approved quote
        assert approved(db, second) == [quote.redacted_text]
        # split: the parts, each with its answers; the old theme is gone
        assert db.scalar(select(Theme.state).where(
            Theme.run_id == second.id, Theme.label == "Car meets")) == SPLIT
        for label, size in split_parts.items():
            assert themes[label].size >= size
        # the queue's decisions
        after = {k: where(db, second, a.response_id) for k, a in queue_answers.items()}
        assert after == before == {"accept": ["Vaping"], "other": ["Knife crime"],
                                   "new": ["Fly-tipping"], "not_relevant": []}
        summary = db.get(AnalysisRun, second.id).settings["decisions_applied"]
        assert summary["approve_quote"] == 1 and summary["merge"] == 1
        assert summary["place"] >= 4


def test_decisions_about_held_back_answers_are_not_applied_or_learned(app, monkeypatch):
    with app.app_context():
        db = get_db()
        seed(db)
        user = db.get(User, make_user(app))
        first, _ = start(db, user, codes=("worry_text",))
        t = by_label(db, first)
        answer = answer_in(db, t["Vaping"], "Kids vaping outside the shop on Park Road")
        review_queue.check(db, first, answer, "other", user, theme=t["Litter"])
        db.commit()
        held = answer.response_id
        monkeypatch.setattr(
            reportable, "exclusion_rules",
            [*reportable.exclusion_rules, lambda: select(Response.id).where(Response.id == held)],
        )
        second, job = start(db, user, codes=("worry_text",))
        assert job.status == "succeeded", job.message
        assert where(db, second, held) is None  # never analysed
        assert "place" not in second.settings["decisions_applied"]
        assert held not in {a.response_id for a in run_answers(db, second)}


def test_the_queue_records_agreement_and_skips(app):
    with app.app_context():
        db = get_db()
        seed(db)
        user = db.get(User, make_user(app))
        run, _ = start(db, user, codes=("worry_text",))
        t = by_label(db, run)
        seen = set()
        for i in range(6):
            answer = review_queue.next_answer(db, run)
            assert answer.id not in seen
            seen.add(answer.id)
            shown = review_queue.suggestion(db, answer)
            if i < 4:
                review_queue.check(db, run, answer, "accept", user)
            elif i == 4:
                other = next(x for x in t.values() if x.id != shown[0].id)
                review_queue.check(db, run, answer, "other", user, theme=other)
            else:
                review_queue.check(db, run, answer, "skip", user)
            db.commit()
        state = review_queue.state(db, run)
        assert state.checked == 5 and state.labelled == 5
        assert state.remaining == run.n_answers - run.n_non_answers - 6
        a = state.agreement
        assert a.n == 5 and a.share == pytest.approx(0.8)
        assert 0.3 < a.low < 0.8 < a.high <= 1.0
        with pytest.raises(service.AnalysisError, match="Enter a name"):
            review_queue.check(db, run, review_queue.next_answer(db, run), "new", user,
                               label="  ")
        assert decisions.label_count(decisions.for_run(db, run)) == 5
