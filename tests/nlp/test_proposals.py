"""New themes proposed from the answers that fit none (``nlp.proposals``): which answers are
clustered, and where the others go."""

from __future__ import annotations

import numpy as np

from nlp import proposals


def test_a_small_pool_is_clustered_whole_and_a_large_one_by_a_repeatable_sample():
    assert proposals.sample_rows(5, size=10).tolist() == [0, 1, 2, 3, 4]
    sample = proposals.sample_rows(500, size=180)
    assert len(sample) == len(set(sample.tolist())) == 180
    assert sample.tolist() == sorted(sample.tolist())
    assert sample.tolist() == proposals.sample_rows(500, size=180).tolist()


def test_the_unsampled_answers_join_the_nearest_proposal_only_when_near_enough():
    # Two tight groups (about x and about y); row 8 lies between them, nearest neither.
    vectors = np.array([
        [1.0, 0.0, 0.0], [0.99, 0.05, 0.0], [0.98, -0.05, 0.0],   # sampled: theme "a"
        [0.0, 1.0, 0.0], [0.05, 0.99, 0.0], [-0.05, 0.98, 0.0],   # sampled: theme "b"
        [0.995, 0.0, 0.01],                                       # like "a"
        [0.025, 1.0, 0.0],                                        # like "b"
        [0.6, 0.6, 0.5],                                          # like neither
    ])
    sampled = np.arange(6)
    clustered = [(0, "a", 0.9), (1, "a", 0.8), (2, "a", 0.7),
                 (3, "b", 0.9), (4, "b", 0.8), (5, None, 0.0)]
    found = dict(proposals.proposals(vectors, sampled, clustered, ["a", "b", "c"], pool_min=6))
    assert sorted(k for k, _ in found["a"]) == [0, 1, 2, 6]
    assert sorted(k for k, _ in found["b"]) == [3, 4, 7]
    assert "c" not in found  # no members
    assert all(8 not in [k for k, _ in m] for m in found.values())


def test_a_proposal_with_too_few_answers_is_not_shown():
    vectors = np.eye(7)
    clustered = [(0, "a", 0.9), (1, "a", 0.9), (2, "a", 0.9), (3, "a", 0.9),
                 (4, "b", 0.9), (5, "b", 0.9), (6, "b", 0.9)]
    found = proposals.proposals(vectors, np.arange(7), clustered, ["a", "b"])
    assert [t for t, _ in found] == ["a"]  # "b" has three answers; from a pool of 12, four
    assert proposals.min_members(12) == 4 and proposals.min_members(3) == 3
