"""The one door to the screening engine (``nlp.screening``), imported lazily.

Fails closed: if the engine cannot be loaded or raises, the answer is flagged for a person
to read ("screening_unavailable"). Recall matters more than precision, and an exception
here must never lose the pupil's submission.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import current_app, has_app_context

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
_screeners: dict[str, object] = {}


def _kind() -> str:
    """``SAFEGUARDING_SCREENER``: "best" (rules + embeddings when the NLP extra is installed,
    the default) or "rules" (rules only: deterministic, no model; the test suite's choice)."""
    if has_app_context():
        return current_app.config.get("SAFEGUARDING_SCREENER", "best")
    return "best"


def get_screener(kind: str | None = None):
    """The screener of this kind, built once per process."""
    kind = kind or _kind()
    if kind not in _screeners:
        with _lock:
            if kind not in _screeners:
                from nlp import screening

                if kind == "rules":
                    _screeners[kind] = screening.default_screener()
                else:
                    _screeners[kind] = screening.best_available_screener()
    return _screeners[kind]


def warm_in_background(app) -> None:
    """Load the embedding model at start-up, off the request path, so the first pupil's
    submission does not wait for it. Any failure is logged; screening then uses the rules."""
    kind = app.config.get("SAFEGUARDING_SCREENER", "best")
    if kind != "best" or app.config.get("TESTING"):
        return

    def _warm():
        try:
            get_screener(kind).warm()
        except Exception:  # the screener falls back to rules by itself; just say so
            log.exception("could not warm the safeguarding screener")

    threading.Thread(target=_warm, name="warm-screener", daemon=True).start()


def warm_now(app) -> None:
    """Load the screener's model now, in this thread (gunicorn's post_worker_init)."""
    kind = app.config.get("SAFEGUARDING_SCREENER", "best")
    if kind == "best":
        try:
            get_screener(kind).warm()
        except Exception:
            log.exception("could not warm the safeguarding screener")


def reset() -> None:
    """Forget the cached screeners (tests)."""
    _screeners.clear()


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
