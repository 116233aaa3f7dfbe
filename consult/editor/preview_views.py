"""The editor's preview: a draft walked exactly as a respondent would, storing nothing
(answers in the signed session cookie, see ``preview``)."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for

from consult.auth.access import role_required
from consult.editor import checking, preview
from consult.editor.common import EDITORS, bp, draft_or_404
from consult.editor.models import SurveyDraft
from consult.survey_store import resolve
from surveys import answers as rules
from surveys.schema import SurveyDefinition


def _previewable(draft_id: int) -> tuple[SurveyDraft, SurveyDefinition]:
    draft = draft_or_404(draft_id)
    defn, _ = checking.check(draft.definition)
    if defn is None:
        abort(redirect(url_for("editor.draft", draft_id=draft.id)))
    return draft, resolve(defn, current_app.config["DISTRICTS"])


def _preview_context(draft: SurveyDraft, defn: SurveyDefinition) -> dict:
    return {
        "draft": draft,
        "survey": defn,
        "progress": None,  # no timeout warning: nothing is kept to time out
        "honeypot": "website_url",
        "classroom": defn.audience == "classroom",
        "lifetime_seconds": 0,
        "warning_seconds": 0,
    }


def _preview_url(draft: SurveyDraft, page_id: str | None, change: bool = False) -> str:
    if page_id is None:
        return url_for("editor.preview_check", draft_id=draft.id)
    return url_for(
        "editor.preview_page", draft_id=draft.id, page_id=page_id, change=1 if change else None
    )


@bp.get("/drafts/<int:draft_id>/preview/")
@role_required(*EDITORS)
def preview_start(draft_id: int):
    draft, defn = _previewable(draft_id)
    return render_template("editor/preview_start.html", **_preview_context(draft, defn))


@bp.post("/drafts/<int:draft_id>/preview/")
@role_required(*EDITORS)
def preview_begin(draft_id: int):
    draft, defn = _previewable(draft_id)
    preview.restart(draft.id)
    return redirect(_preview_url(draft, defn.pages[0].id))


@bp.route("/drafts/<int:draft_id>/preview/page/<page_id>", methods=["GET", "POST"])
@role_required(*EDITORS)
def preview_page(draft_id: int, page_id: str):
    draft, defn = _previewable(draft_id)
    try:
        page = defn.page(page_id)
    except KeyError:
        abort(404)
    change = request.args.get("change") == "1"
    current = preview.state(draft.id)
    answers = rules.prune(defn, current["answers"])
    if not rules.is_visible(page.show_if, answers):
        return redirect(_preview_url(draft, preview.next_page_id(defn, current, page_id, change)))
    errors: dict[str, str] = {}
    shown = dict(answers)
    if request.method == "POST":
        values, errors, raw = rules.parse_page(page, request.form.to_dict(flat=False), answers)
        if not errors:
            current = preview.save_page(draft.id, defn, page.id, values)
            return redirect(
                _preview_url(draft, preview.next_page_id(defn, current, page_id, change))
            )
        shown.update(raw)
    before = preview.previous_page_id(defn, answers, page_id)
    if change:
        back_url = _preview_url(draft, None)
    elif before:
        back_url = _preview_url(draft, before)
    else:
        back_url = url_for("editor.preview_start", draft_id=draft.id)
    return render_template(
        "editor/preview_page.html",
        **_preview_context(draft, defn),
        page=page,
        questions=page.questions,
        visible_codes={q.code for q in rules.visible_questions(page, shown)},
        values=shown,
        errors=errors,
        back_url=back_url,
        change=change,
        position=preview.position(defn, answers, page_id),
    )


@bp.get("/drafts/<int:draft_id>/preview/check")
@role_required(*EDITORS)
def preview_check(draft_id: int):
    draft, defn = _previewable(draft_id)
    current = preview.state(draft.id)
    answers = rules.prune(defn, current["answers"])
    incomplete = rules.first_incomplete_page(defn, answers, set(current["done"]))
    if incomplete is not None:
        return redirect(_preview_url(draft, incomplete.id))
    rows = [
        {
            "question": q,
            "value": rules.display_value(q, answers.get(q.code)),
            "change_url": _preview_url(draft, page.id, change=True),
        }
        for page in rules.visible_pages(defn, answers)
        for q in rules.visible_questions(page, answers)
    ]
    return render_template(
        "editor/preview_check.html",
        **_preview_context(draft, defn),
        rows=rows,
        errors={},
        back_url=_preview_url(draft, rules.visible_pages(defn, answers)[-1].id),
    )
