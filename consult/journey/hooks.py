"""Extension points of the survey journey, so features stay in their own packages.

- ``after_submit``: called with (db, response, definition) inside the submit transaction,
  e.g. safeguarding screening of pupil free text.
- ``after_page_save``: called with (db, progress, definition) once a page's answers have
  been saved and committed (screening of pupils' free text as they go, so nothing typed
  and then abandoned is lost unscreened). The callback commits its own work.
- ``page_guards``: called with (progress) before each page; may return a response (such
  as "this session has closed") to stop the journey.
- ``finish_views``: by audience, the view shown after submission (the classroom one resets
  the device for the next pupil).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

after_submit: list[Callable] = []
after_page_save: list[Callable] = []
page_guards: list[Callable] = []
finish_views: dict[str, Callable] = {}


def page_saved(db, progress, definition) -> None:
    """Run ``after_page_save`` once a page's answers are committed. A failing callback is
    logged and never costs the person the page: submit screens the answers again."""
    try:
        for callback in after_page_save:
            callback(db, progress, definition)
    except Exception:  # noqa: BLE001 - the answers are saved; submit screens them again
        log.exception("after_page_save failed")
        db.rollback()
