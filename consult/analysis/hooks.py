"""The analysis's part in ``consult purge``, registered by ``consult.analysis.init_app``:
before responses are deleted, the text of their quotes is scrubbed from the theme history
(``analysis_theme_event.details``), so personal text copied elsewhere goes with the
response; after it, the caches of derived copies (embeddings with redacted texts, the
coder's features) are removed. (``init_app`` also drops the built reports: they hold quotes.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import current_app
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


def forget_cached_copies(report, dry_run: bool) -> int:
    """After responses are purged, the caches holding derived copies of answers go whole:
    the embedding cache (vectors, redacted texts, label and place parses keyed by text
    hash) and the coder's per-run features. Both are rebuilt on the next analysis; keyed
    by hashes, they cannot be cleared answer by answer. Returns how many files."""
    if not report.responses:
        return 0
    removed = 0
    for key in ("ANALYSIS_EMBEDDING_CACHE", "ANALYSIS_CODER_CACHE"):
        folder = current_app.config.get(key)
        if not folder or not Path(folder).is_dir():
            continue
        files = [p for p in Path(folder).rglob("*") if p.is_file()]
        removed += len(files)
        if not dry_run:
            shutil.rmtree(folder, ignore_errors=True)
    return removed


def register() -> None:
    """Called by ``consult.analysis.init_app`` (idempotent)."""
    retention.register_before_response_purge(scrub_quoted_text)
    retention.register_file_cleanup(forget_cached_copies)
