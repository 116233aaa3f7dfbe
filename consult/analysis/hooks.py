"""The analysis's part in ``consult purge``, registered by ``consult.analysis.init_app``:
before responses are deleted, the text of their quotes is scrubbed from the theme history
(``analysis_theme_event.details``), so personal text copied elsewhere goes with the
response. (``init_app`` also drops the built reports after a purge: they hold quotes.)
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from consult import retention
from consult.analysis.models import Quote, ThemeEvent

SCRUBBED = "[removed: the response was deleted at the end of its retention period]"
_QUOTE_ACTIONS = ("approve_quote", "add_quote", "edit_quote", "withdraw_quote")
_TEXT_KEYS = ("text", "from_text", "to_text")


def scrub_quoted_text(db: Session, response_ids: Select) -> int:
    """Remove the quoted text of these responses' quotes from the theme history; returns how
    many events were scrubbed."""
    quote_ids = set(db.scalars(select(Quote.id).where(Quote.response_id.in_(response_ids))))
    if not quote_ids:
        return 0
    scrubbed = 0
    for event in db.scalars(select(ThemeEvent).where(ThemeEvent.action.in_(_QUOTE_ACTIONS))):
        details = dict(event.details or {})
        if details.get("quote") in quote_ids and any(
            isinstance(details.get(k), str) and details[k] != SCRUBBED for k in _TEXT_KEYS
        ):
            for key in _TEXT_KEYS:
                if key in details:
                    details[key] = SCRUBBED
            event.details = details
            scrubbed += 1
    return scrubbed


def register() -> None:
    """Called by ``consult.analysis.init_app`` (idempotent)."""
    retention.register_before_response_purge(scrub_quoted_text)
