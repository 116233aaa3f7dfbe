"""The guided coder: learning from decisions, suggestions, the review queue, agreement.

Fast tests use the hashing backend; the ``slow`` ones use all-MiniLM-L6-v2 on a small
real-style consultation (residents' comments on community safety)."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.answer_graph import AnswerGraph
from nlp.coder import NOT_RELEVANT, GuidedCoder
from nlp.intervals import wilson_interval
from nlp.review_queue import agreement, review_order

from .conftest import TINY_CORPUS

# A small consultation in residents' words: several ways of saying each concern.
RESIDENTS = {
    "speeding": [
        "cars speeding on the main road", "speeding cars near the school every morning",
        "dangerous driving through the village", "boy racers on the bypass at night",
        "people drive far too fast down our road", "nobody sticks to the 20 limit",
        "need speed cameras on the high street", "motorbikes racing round the estate",
        "traffic goes too fast past the primary school", "lorries speeding through town",
        "drivers ignore the speed limit", "racing cars late at night keep us awake",
    ],
    "drugs": [
        "drug dealing in the park", "people dealing drugs on the corner",
        "drug dealers outside the shop", "smell of cannabis everywhere",
        "open drug dealing near the station", "young people being used to deal drugs",
        "needles left in the alley", "county lines gangs recruiting kids",
        "people smoking weed in the stairwell", "dealers on bikes selling to teenagers",
        "a crack house on our street", "drugs being sold outside the school gates",
    ],
    "litter": [
        "litter and fly tipping everywhere", "fly tipping in the alley behind the shops",
        "rubbish in the street", "bins overflowing all week", "dumped mattresses on the lane",
        "litter dropped all over the park", "dog mess on the pavements",
        "the streets are filthy", "nobody empties the litter bins",
        "graffiti and rubbish by the underpass", "people dump their waste in the woods",
        "takeaway rubbish thrown from cars",
    ],
    "antisocial": [
        "groups of youths hanging around the shops", "teenagers shouting and swearing at night",
        "kids throwing stones at windows", "noisy neighbours playing music until 3am",
        "gangs of young people intimidating residents", "youths on scooters harassing people",
        "drunk people fighting outside the pub", "vandalism at the bus shelter",
        "fireworks let off in the street", "loitering outside the chip shop",
        "nuisance neighbours causing trouble", "young people setting fire to bins",
    ],
}


def _corpus(themes: dict[str, list[str]]):
    texts, truth = [], []
    for theme, answers in themes.items():
        texts.extend(answers)
        truth.extend([theme] * len(answers))
    return texts, np.asarray(truth)


@pytest.fixture(scope="module")
def tiny(hashing):
    texts, truth = _corpus(TINY_CORPUS)
    return texts, truth, hashing.embed(texts)


@pytest.fixture(scope="module")
def residents(request):
    backend = request.getfixturevalue("minilm")
    texts, truth = _corpus(RESIDENTS)
    return texts, truth, backend.embed(texts), backend


def test_coder_learns_the_themes_it_is_given(tiny):
    texts, truth, vectors = tiny
    train = np.arange(len(texts)) % 2 == 0
    coder = GuidedCoder().fit(vectors[train], [{t} for t in truth[train]],
                              [t for t, m in zip(texts, train, strict=True) if m])
    assert coder.classes_ == ["drugs", "litter", "speeding"]
    held = [t for t, m in zip(texts, train, strict=True) if not m]
    assert coder.predict(vectors[~train], held) == list(truth[~train])
    proba = coder.predict_proba(vectors[~train], held)
    assert proba.shape == (len(held), 3)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_without_texts_the_coder_uses_the_vectors_alone(tiny):
    texts, truth, vectors = tiny
    coder = GuidedCoder().fit(vectors[::2], [{t} for t in truth[::2]], texts[::2])
    assert coder.predict(vectors[1::2]) == list(truth[1::2])


def test_an_answer_raising_two_concerns_gets_both_themes(tiny, hashing):
    texts, truth, vectors = tiny
    coder = GuidedCoder().fit(vectors, [{t} for t in truth], texts)
    both = "speeding cars and drug dealing in the park"
    [s] = coder.suggest(hashing.embed([both]), [both])
    assert {k for k, _ in s.themes} == {"speeding", "drugs"}
    assert s.themes[0][1] >= s.themes[1][1]
    [one] = coder.suggest(hashing.embed(["fly tipping and litter"]), ["fly tipping and litter"])
    assert [k for k, _ in one.themes] == ["litter"] and not one.unthemed


def test_multi_label_decisions_and_not_relevant_are_learned(tiny, hashing):
    texts, truth, vectors = tiny
    labels = [{t} for t in truth]
    extra = ["speeding and drug dealing", "my postcode is on the form", "see my answer above",
             "as i said on the form"]
    labels += [{"speeding", "drugs"}, set(), set(), set()]
    coder = GuidedCoder().fit(np.vstack([vectors, hashing.embed(extra)]), labels, texts + extra)
    assert NOT_RELEVANT in coder.classes_
    [s] = coder.suggest(hashing.embed(["as i said on the form above"]),
                        ["as i said on the form above"])
    assert s.not_relevant and NOT_RELEVANT not in {k for k, _ in s.themes}


def test_more_decisions_code_held_out_answers_better(residents):
    texts, truth, vectors, _ = residents
    rng = np.random.default_rng(0)
    order = rng.permutation(len(texts))
    held, pool = order[:20], order[20:]

    def accuracy(k):
        train = pool[:k]
        coder = GuidedCoder().fit(vectors[train], [{t} for t in truth[train]],
                                  [texts[i] for i in train])
        pred = coder.predict(vectors[held], [texts[i] for i in held])
        return float(np.mean(np.asarray(pred) == truth[held]))

    few, many = accuracy(6), accuracy(len(pool))
    assert many >= 0.85
    assert many > few


test_more_decisions_code_held_out_answers_better = pytest.mark.slow(
    test_more_decisions_code_held_out_answers_better)


@pytest.mark.slow
def test_answers_unlike_anything_coded_are_not_yet_themed(residents):
    texts, truth, vectors, backend = residents
    coder = GuidedCoder().fit(vectors, [{t} for t in truth], texts)
    odd = ["the library should open on sundays", "more allotments for the village",
           "drug dealers outside the shop every evening"]
    got = coder.suggest(backend.embed(odd), odd)
    assert got[0].unthemed and got[1].unthemed
    assert not got[2].unthemed and got[2].themes[0][0] == "drugs"


def test_review_order_prefers_uncertain_answers(tiny, hashing):
    texts, truth, vectors = tiny
    coder = GuidedCoder(lexical=False).fit(vectors, [{t} for t in truth])
    new = ["drug dealers near the station", "speeding cars and drug dealing",
           "cars speeding on our road"]
    all_vectors = np.vstack([vectors, hashing.embed(new)])
    reviewed = np.arange(len(all_vectors)) < len(vectors)
    # First the answer the coder cannot decide between two themes.
    assert review_order(coder, all_vectors, reviewed, n=1) == [len(vectors) + 1]
    assert review_order(coder, all_vectors, reviewed, n=1, uncertainty="entropy") == [
        len(vectors) + 1]
    assert sorted(review_order(coder, all_vectors, reviewed, n=5)) == [24, 25, 26]


def test_review_order_spreads_a_batch_over_different_answers(tiny):
    texts, truth, vectors = tiny
    # Nothing learned yet: a batch of three covers the three themes, not three of one.
    picked = review_order(None, vectors, np.zeros(len(vectors), dtype=bool), n=3)
    assert len(set(picked)) == 3
    assert set(truth[picked]) == {"speeding", "drugs", "litter"}
    # Once one theme is reviewed, the next picks are answers unlike it.
    reviewed = truth == "speeding"
    more = review_order(None, vectors, reviewed, n=2)
    assert "speeding" not in set(truth[more])
    assert review_order(None, vectors, np.ones(len(vectors), dtype=bool), n=3) == []


def test_review_order_is_deterministic(tiny):
    texts, truth, vectors = tiny
    coder = GuidedCoder().fit(vectors[:4], [{t} for t in truth[:4]], texts[:4])
    reviewed = np.arange(len(texts)) < 4
    a = review_order(coder, vectors, reviewed, n=5, random_state=3, texts=texts)
    b = review_order(coder, vectors, reviewed, n=5, random_state=3, texts=texts)
    assert a == b and len(set(a)) == 5


def test_agreement_is_the_share_of_recent_hits_with_a_wilson_interval():
    assert agreement([]) == agreement([], last=10)
    assert agreement([]).share is None and agreement([]).n == 0
    a = agreement([True] * 40 + [False] * 10)
    assert a.n == 50 and a.share == pytest.approx(0.8)
    assert a.low == pytest.approx(0.6696, abs=1e-3)
    assert a.high == pytest.approx(0.8876, abs=1e-3)
    # Only the last decisions count: early misses are forgotten.
    late = agreement([False] * 100 + [True] * 20, last=20)
    assert late.n == 20 and late.share == 1.0 and late.high == 1.0
    assert late.low == pytest.approx(0.8389, abs=1e-3)
    # Few decisions: a wide interval.
    low, high = wilson_interval(1, 2)
    assert low < 0.1 and high > 0.9


def test_self_training_learns_from_the_answers_it_is_sure_of(tiny):
    texts, truth, vectors = tiny
    seen = np.arange(len(texts)) % 4 == 0
    rest = [t for t, s in zip(texts, seen, strict=True) if not s]
    coder = GuidedCoder(self_training=0.5, self_training_threshold=0.5).fit(
        vectors[seen], [{t} for t in truth[seen]], [t for t, s in zip(texts, seen, strict=True)
                                                    if s],
        unlabelled=vectors[~seen], unlabelled_texts=rest)
    assert coder.n_self_trained_ > 0
    assert np.mean(np.asarray(coder.predict(vectors[~seen], rest)) == truth[~seen]) >= 0.8


def test_the_answer_graph_finds_each_answers_nearest_answers_in_the_run(tiny):
    texts, truth, vectors = tiny
    graph = AnswerGraph(vectors, k=3)
    assert graph.index_.shape == (len(texts), 3)
    # An answer is not its own neighbour, and its neighbours mostly share its theme.
    assert not (graph.index_ == np.arange(len(texts))[:, None]).any()
    assert np.mean(truth[graph.index_] == truth[:, None]) >= 0.7
    # Answers are found by their vector, even normalised again; others are searched.
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert list(graph.rows(unit[[4, 0]])) == [4, 0]
    rows, index, _ = graph.neighbours(np.vstack([vectors[2], vectors[2] + 0.05]))
    assert rows[0] == 2 and rows[1] == -1 and 2 in index[1]


def test_near_duplicates_of_a_decided_answer_get_its_theme(tiny, hashing):
    texts, truth, vectors = tiny
    # A run where several residents wrote the same thing; the analyst decides one of them.
    same = ["more police patrols on foot please"] * 3 + ["more police patrols on foot please!"]
    run_texts = texts + same
    run = np.vstack([vectors, hashing.embed(same)])
    decided = list(range(0, len(texts), 2)) + [len(texts)]
    labels = [{truth[i]} for i in decided[:-1]] + [{"policing"}]
    graph = AnswerGraph(run)
    coder = GuidedCoder(graph=graph).fit(run[decided], labels, [run_texts[i] for i in decided])
    rest = list(range(len(texts) + 1, len(run)))
    got = coder.suggest(run[rest], [run_texts[i] for i in rest])
    assert [s.themes[0][0] for s in got] == ["policing"] * 3
    assert all(s.themes[0][1] >= 0.9 for s in got)
    # The other answers keep their own themes.
    held = list(range(1, len(texts), 2))
    assert coder.predict(run[held], [run_texts[i] for i in held]) == list(truth[held])


def test_a_coder_with_the_run_graph_orders_the_review_and_votes(tiny):
    texts, truth, vectors = tiny
    graph = AnswerGraph(vectors)
    seen = np.arange(len(texts)) % 3 == 0
    coder = GuidedCoder(graph=graph, vote=0.3).fit(
        vectors[seen], [{t} for t in truth[seen]], [t for t, s in zip(texts, seen, strict=True)
                                                    if s])
    picked = review_order(coder, vectors, seen, n=4, texts=texts, neighbourhood=1.0)
    assert len(set(picked)) == 4 and not seen[picked].any()
    rest = [t for t, s in zip(texts, seen, strict=True) if not s]
    assert np.mean(np.asarray(coder.predict(vectors[~seen], rest)) == truth[~seen]) >= 0.8
