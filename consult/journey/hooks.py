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

from flask import Flask, request, session

log = logging.getLogger(__name__)

after_submit: list[Callable] = []
after_page_save: list[Callable] = []
page_guards: list[Callable] = []
finish_views: dict[str, Callable] = {}


def _page_saved(response):
    """After a page's answers were saved (a POST to a page that moves on: a redirect), run
    ``after_page_save`` on the stored progress. Reads what was committed, however the
    journey stored it. A failing callback is logged and never costs the pupil the page."""
    if (
        not after_page_save
        or request.endpoint != "journey.page"
        or request.method != "POST"
        or response.status_code not in (302, 303)
    ):
        return response
    from consult.db import get_db
    from consult.journey import progress as store
    from consult.survey_store import definition_of

    survey_id = (request.view_args or {}).get("survey_id", "")
    db = get_db()
    try:
        progress = store.find(db, session.get(f"progress:{survey_id}"))
        if progress is not None and progress.response_id is None:
            definition = definition_of(progress.survey_version)
            for callback in after_page_save:
                callback(db, progress, definition)
    except Exception:  # noqa: BLE001 - the answers are saved; submit screens them again
        log.exception("after_page_save failed")
        db.rollback()
    return response


def install(app: Flask) -> None:
    """Run ``after_page_save`` callbacks in this app (idempotent)."""
    if _page_saved not in app.after_request_funcs.setdefault(None, []):
        app.after_request(_page_saved)
