"""The one door to the screening engine (``nlp.screening``).

Fails closed: if the engine cannot be loaded or raises, the answer is flagged for a person
to read ("screening_unavailable"). Recall matters more than precision, and an exception
here must never lose the pupil's submission.

``SAFEGUARDING_SCREENER`` chooses the screener: "best" (rules + embeddings when the NLP
extra is installed; the default) or "rules" (rules only: deterministic, no model; the test
suite's choice).
"""

from __future__ import annotations

import atexit
import logging
import threading

from flask import current_app, has_app_context

from nlp.screening import Screening

log = logging.getLogger(__name__)

UNAVAILABLE = "screening_unavailable"

_lock = threading.Lock()
_screeners: dict[str, object] = {}


def _kind() -> str:
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


def warm_now(app) -> None:
    """Load the screener's model now, in this thread (gunicorn's post_worker_init), so the
    first pupil's submission does not wait for it. A failure is logged; screening then
    uses the rules."""
    kind = app.config.get("SAFEGUARDING_SCREENER", "best")
    if kind != "best":
        return
    try:
        get_screener(kind).warm()
    except Exception:
        log.exception("could not warm the safeguarding screener")


def warm_in_background(app) -> None:
    """``warm_now`` off the request path, started by the app's first request (the development
    server; gunicorn workers call ``warm_now`` in post_worker_init). A command line tool
    creates the app too but serves no pupil: it loads no model (and draws no progress bar
    over a password prompt)."""
    if app.config.get("SAFEGUARDING_SCREENER", "best") != "best" or app.config.get("TESTING"):
        return
    once = threading.Lock()

    @app.before_request
    def _start_warming():
        if once.acquire(blocking=False):  # the first request only; never released
            _start_thread(app)


_stop_warming = threading.Event()


def _start_thread(app) -> None:
    # At exit Python first runs threading's exit hooks: concurrent.futures' hook stops every
    # thread pool taking work, and a model load still running then fails with "cannot
    # schedule new futures after interpreter shutdown"; a process that ends while PyTorch is
    # loading in a daemon thread aborts ("terminate called without an active exception").
    # So the load is waited for in a threading exit hook registered after concurrent.futures'
    # (those hooks run last registered first), and a load not yet begun is not begun.
    import concurrent.futures.thread  # noqa: F401 - registers its exit hook before ours

    def load():
        if not _stop_warming.is_set():
            warm_now(app)

    thread = threading.Thread(target=load, name="warm-screener", daemon=True)

    def wait_for_load():
        _stop_warming.set()
        thread.join(300)

    register = getattr(threading, "_register_atexit", None)  # CPython 3.9+
    if register is not None:
        register(wait_for_load)
    else:  # pragma: no cover
        atexit.register(wait_for_load)
    thread.start()


def reset() -> None:
    """Forget the cached screeners (tests)."""
    _screeners.clear()


def screen(text: str) -> Screening:
    try:
        return get_screener().screen(text)
    except Exception:  # noqa: BLE001 - any failure means a person reads it
        log.exception("safeguarding screening failed; flagging the answer for review")
        return Screening(
            flagged=True, reasons=[UNAVAILABLE], matched=[], score=1.0, method="unavailable"
        )
