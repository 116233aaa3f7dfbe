"""What the survey editor's pages share: the blueprint, who may edit and publish, the
draft (or a 404), its audit events, and the redirect back to a draft's overview."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, url_for

from consult.auth import audit
from consult.auth.access import add_nav_link, current_user, no_store
from consult.db import get_db
from consult.editor import queries
from consult.editor.models import SurveyDraft

bp = Blueprint("editor", __name__, url_prefix="/admin/editor")

EDITORS = ("admin", "analyst")
PUBLISHERS = ("admin",)

add_nav_link(
    "Survey editor",
    "/admin/editor/",
    EDITORS,
    "Start next year's version of a survey from this year's, change its questions and "
    "dates, preview it as a respondent would, and publish it (admins). Import and export "
    "survey definitions as YAML.",
)


@bp.after_request
def _no_store(response):
    return no_store(response)


def draft_or_404(draft_id: int) -> SurveyDraft:
    draft = queries.get_draft(get_db(), draft_id)
    if draft is None:
        abort(404)
    return draft


def record(draft: SurveyDraft, action: str, **details) -> None:
    audit.record(
        get_db(),
        action,
        user=current_user(),
        target=f"{draft.survey_id} draft",
        details={"draft_id": draft.id, **details},
    )


def to_overview(draft: SurveyDraft, anchor: str = ""):
    url = url_for("editor.draft", draft_id=draft.id)
    return redirect(f"{url}#{anchor}" if anchor else url)


def download(body: str, filename: str) -> Response:
    return Response(
        body,
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
