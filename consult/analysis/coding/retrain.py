"""When the coder learns again: the one home of the retrain rule.

- After every ``every`` checks in "Check answers" (``ANALYSIS_CODER_EVERY``; counting every
  queue decision of the run's scope), the coding job is sent on its own (``auto``).
- The coder learns only from at least ``min_decisions`` labelled answers
  (``ANALYSIS_CODER_MIN_DECISIONS``) in at least two themes. Too few is no failure for an
  automatic retrain or the run's first pass; asked for by the analyst ("Update
  suggestions"), the job says what to do first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from consult.analysis.models import Decision


@dataclass(frozen=True)
class RetrainRule:
    every: int = 10
    min_decisions: int = 8

    @classmethod
    def from_config(cls, config: Mapping) -> RetrainRule:
        return cls(every=int(config.get("ANALYSIS_CODER_EVERY", cls.every)),
                   min_decisions=int(config.get("ANALYSIS_CODER_MIN_DECISIONS",
                                                cls.min_decisions)))

    def due(self, decisions: Sequence[Decision], action: str) -> bool:
        """After a check (``action``, skips never count): is a retrain due now?"""
        n = sum(1 for d in decisions if d.hit is not None)
        return action != "skip" and self.every > 0 and n > 0 and n % self.every == 0

    def enough(self, labels: Sequence[Sequence[str]]) -> bool:
        """Enough labelled answers (their theme keys) to learn from."""
        return len(labels) >= self.min_decisions and len({k for ks in labels for k in ks}) >= 2

    def too_few(self) -> str:
        return (f"Check at least {self.min_decisions} answers, into at least two different "
                "themes, first: the suggestions learn from your decisions.")
