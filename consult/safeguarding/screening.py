"""The one door to the screening engine (``nlp.screening``), imported lazily.

Fails closed: if the engine cannot be loaded or raises, the answer is flagged for a person
to read ("screening_unavailable"). Recall matters more than precision, and an exception
here must never lose the pupil's submission.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

UNAVAILABLE = "screening_unavailable"


@dataclass
class Screening:
    flagged: bool
    reasons: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    score: float = 0.0
    method: str = ""


_lock = threading.Lock()
_screener = None


def get_screener():
    """The default screener, built once per process."""
    global _screener
    if _screener is None:
        with _lock:
            if _screener is None:
                from nlp.screening import default_screener

                _screener = default_screener()
    return _screener


def reset() -> None:
    """Forget the cached screener (tests)."""
    global _screener
    _screener = None


def screen(text: str) -> Screening:
    try:
        result = get_screener().screen(text)
        return Screening(
            flagged=bool(result.flagged),
            reasons=[str(r) for r in (result.reasons or [])],
            matched=[str(m) for m in (result.matched or [])],
            score=float(result.score or 0.0),
            method=str(result.method or ""),
        )
    except Exception:  # noqa: BLE001 - any failure means a person reads it
        log.exception("safeguarding screening failed; flagging the answer for review")
        return Screening(flagged=True, reasons=[UNAVAILABLE], matched=[], score=1.0,
                         method="unavailable")
