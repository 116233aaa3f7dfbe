"""Extension points of the survey journey, so features stay in their own packages.

- ``after_submit``: called with (db, response, definition) inside the submit transaction,
  e.g. safeguarding screening of pupil free text.
- ``start_guards``: called with (progress) before each page; may return a response (such
  as "this session has closed") to stop the journey.
- ``finish_views``: by audience, the view shown after submission (the classroom one resets
  the device for the next pupil).
"""

from __future__ import annotations

from collections.abc import Callable

after_submit: list[Callable] = []
page_guards: list[Callable] = []
finish_views: dict[str, Callable] = {}
