"""Saving a draft without losing anyone's change: each save is a compare-and-swap on the
draft's ``updated_at`` (``queries.save``), and each edit form carries that stamp, so a
save over a newer change (or without the stamp) is stopped and shown, never lost."""

from __future__ import annotations

from flask import abort, request

from consult.auth.access import current_user
from consult.db import get_db
from consult.editor import drafting, queries
from consult.editor.common import draft_or_404, record
from consult.editor.models import SurveyDraft


def save(draft: SurveyDraft, definition: dict, change: str, **details) -> bool:
    """Store an edit with its audit event, in one commit, only if nobody saved the draft
    since this request read it (compare-and-swap on ``updated_at``). False: someone did;
    nothing is stored and the draft is read afresh."""
    db = get_db()
    draft_id = draft.id
    if not queries.save(db, draft, definition, current_user()):
        db.rollback()
        if db.get(SurveyDraft, draft_id) is None:  # published or discarded meanwhile
            abort(404)
        return False
    record(draft, "survey_draft_edit", change=change, **details)
    db.commit()
    return True


def save_again(draft_id: int, change_of, change: str, **details) -> SurveyDraft:
    """A move or removal: applied to the draft as it is now, read again if someone saved
    it in the same moment (a relative change needs no stamp of the page it came from)."""
    for _ in range(5):
        draft = draft_or_404(draft_id)
        try:
            definition = change_of(draft.definition)
        except drafting.NotInDraft:
            abort(404)
        if save(draft, definition, change, **details):
            return draft
    abort(409)


STALE = (
    "Someone else changed this draft after you opened this page. Check what you entered "
    "below, then save again to keep it"
)
NO_STAMP = (
    "This page was sent without the draft's version, so it could not be checked against "
    "other people's changes. Nothing was saved: check what you entered below, then save again"
)


def stamp_of(draft: SurveyDraft) -> str:
    """When the draft last changed: sent with each form, so a save over someone else's
    newer change is stopped and shown instead of lost silently."""
    return draft.updated_at.strftime("%Y%m%d%H%M%S%f")


def changed_meanwhile(draft: SurveyDraft) -> dict[str, str]:
    sent = request.form.get("stamp")
    if not sent:
        return {"stale": NO_STAMP}
    if sent != stamp_of(draft):
        return {"stale": STALE}
    return {}
