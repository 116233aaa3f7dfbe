"""What a retrain may move: the rules that keep the coder from undoing the review.

- **Hysteresis** (:func:`keeps_current`): once the coder has learned from
  :data:`DAMP_FROM` decisions, an unreviewed answer keeps its current main theme unless the
  coder's new choice beats it by :data:`MARGIN` (in the coder's probabilities). Between
  two retrains the coder's weights shift a little; without a margin every answer near a
  boundary flips back and forth.
- **Never in no theme by the engine**: an answer the coder cannot place keeps the themes it
  has (``training._reassign``); only the analyst takes answers out of every theme.
- **Never empties a theme** (:func:`keep_themes_filled`): where the changes would leave a
  theme that has answers with none, its answers stay and the theme is flagged for the
  analyst instead ("the engine would move all its answers elsewhere"); "Check answers"
  suggests for those answers the themes the coder would have put them in.

Plain data in and out (theme ids, answer ids, probabilities): the caller reads and writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

# How much more likely the coder's new main theme must be than the current one for an
# unreviewed answer to move. Largest churn between two retrains after 100 decisions (20
# checks apart, up to 300), without -> with it: synthetic overlapping themes 0.198 -> 0.080
# (tests/consult/analysis/test_retrain_stability.py); 1,500 NHS comments 0.075 -> 0.032,
# 1,500 ANES answers 0.067 -> 0.048 (MiniLM vectors, no lexicon or graph); accuracy on
# the unreviewed answers at 300 decisions 0.620 -> 0.620, 0.639 -> 0.655, 0.458 -> 0.452.
MARGIN = 0.2
# ... once the coder has learned from this many decisions. Before, it should learn fast:
# the first retrains carry the analyst's new themes to the answers of the first pass.
DAMP_FROM = 100


def margin_for(decisions: int) -> float:
    """The margin a new theme must win by, after the coder learned from ``decisions``."""
    return MARGIN if decisions >= DAMP_FROM else 0.0

Assignment = list[tuple[int, bool, float]]  # (theme id, is main, score), main first


def keeps_current(current_key: str | None, new_key: str, classes: Sequence[str],
                  proba: Sequence[float], margin: float = MARGIN) -> bool:
    """Does the answer keep its current main theme (``current_key``) rather than move to
    ``new_key``? Only where the coder knows the current theme and the new one does not win
    by ``margin``."""
    if current_key is None:
        return False
    if current_key == new_key:
        return True
    at = {c: i for i, c in enumerate(classes)}
    if current_key not in at or new_key not in at:
        return False  # the coder knows nothing of the current theme: it cannot judge
    return float(proba[at[new_key]]) - float(proba[at[current_key]]) < margin


def next_themes(current_key: str | None, suggestion, classes: Sequence[str],
                proba: Sequence[float], margin: float = MARGIN
                ) -> list[tuple[str, float]] | None:
    """Where an unreviewed answer now in ``current_key`` goes after a retrain: the coder's
    themes (key, confidence), main first; None: it stays as it is (the coder cannot place
    it, or its new main theme does not win by ``margin``). ``suggestion``: the coder's
    (``nlp.coder.Suggestion``)."""
    keys = [(k, c) for k, c in suggestion.themes]
    if suggestion.unthemed or suggestion.not_relevant or not keys:
        return None
    if current_key != keys[0][0] and keeps_current(current_key, keys[0][0], classes, proba,
                                                   margin):
        return None
    return keys


def main_of(rows: Sequence[tuple]) -> int | None:
    for row in rows:
        if row[1]:
            return int(row[0])
    return int(rows[0][0]) if rows else None


def keep_themes_filled(before: Mapping[int, Sequence[tuple]],
                       changes: Mapping[int, Assignment],
                       themes: set[int]) -> tuple[set[int], set[int]]:
    """Which changes to drop so that no theme in ``themes`` that is some answer's main theme
    now is left as nobody's: ``before`` is every answer's assignments now (answer id ->
    (theme id, is main, ...)), ``changes`` the new assignments of the answers that move.
    Returns (answer ids whose change is dropped, theme ids flagged for the analyst)."""
    sizes = Counter(main_of(rows) for rows in before.values())
    after = sizes.copy()
    for answer_id, new in changes.items():
        after[main_of(before.get(answer_id, []))] -= 1
        after[main_of(new)] += 1
    flagged = {t for t in themes if sizes[t] > 0 and after[t] <= 0}
    dropped = {a for a in changes if main_of(before.get(a, [])) in flagged}
    return dropped, flagged


def churn(before: Mapping[int, int | None], after: Mapping[int, int | None],
          answers: Sequence[int]) -> float:
    """Share of ``answers`` whose main theme differs between two snapshots."""
    if not answers:
        return 0.0
    return sum(before.get(a) != after.get(a) for a in answers) / len(answers)
