"""The survey editor's pages (thin: forms in ``forms``, changes in ``drafting``, SQL in
``queries``). Admins and analysts edit drafts and preview them; only admins publish. The
YAML pages are in ``yaml_views``, the preview in ``preview_views``; all on one blueprint."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for

from consult.auth import audit
from consult.auth.access import current_user, has_role, role_required
from consult.db import get_db
from consult.editor import (
    checking,
    codes,
    drafting,
    forms,
    preview,
    preview_views,
    queries,
    yaml_views,
)
from consult.editor.common import (
    EDITORS,
    PUBLISHERS,
    bp,
    draft_or_404,
    record,
    to_overview,
)
from consult.editor.saving import STALE, changed_meanwhile, save, save_again, stamp_of
from consult.models import SurveyVersion
from consult.survey_store import current_version

__all__ = ["bp", "preview_views", "yaml_views"]


# --- surveys and drafts -------------------------------------------------------------------------
@bp.get("/")
@role_required(*EDITORS)
def index():
    db = get_db()
    drafts = {d.survey_id: d for d in queries.drafts(db)}
    latest = queries.latest_versions(db)
    return render_template(
        "editor/index.html",
        latest=latest,
        drafts=drafts,
        new_drafts=[d for sid, d in drafts.items() if sid not in {v.survey_id for v in latest}],
    )


@bp.post("/surveys/<survey_id>/draft")
@role_required(*EDITORS)
def start_draft(survey_id: str):
    db = get_db()
    existing = queries.draft_for(db, survey_id)
    if existing is not None:
        return to_overview(existing)
    draft = queries.draft_from_latest(db, survey_id, current_user())
    if draft is None:
        abort(404)
    record(draft, "survey_draft_start", based_on_version=draft.based_on_version)
    db.commit()
    return to_overview(draft)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_survey():
    errors: dict[str, str] = {}
    values = {"title": "", "survey_id": "", "audience": "public"}
    if request.method == "POST":
        db = get_db()
        taken = {v.survey_id for v in queries.latest_versions(db)}
        taken |= {d.survey_id for d in queries.drafts(db)}
        definition, errors, values = forms.parse_new_survey(request.form, taken)
        if not errors:
            draft = queries.start_draft(db, definition["id"], definition, None, current_user())
            record(draft, "survey_draft_start", new_survey=True)
            db.commit()
            return redirect(url_for("editor.settings", draft_id=draft.id))
    return render_template("editor/new_survey.html", errors=errors, values=values)


@bp.get("/drafts/<int:draft_id>")
@role_required(*EDITORS)
def draft(draft_id: int):
    db = get_db()
    draft = draft_or_404(draft_id)
    definition = draft.definition
    _, problems = checking.check(definition)
    latest = current_version(db, draft.survey_id)
    warnings = codes.comparison_warnings(queries.latest_definition(db, draft.survey_id), definition)
    return render_template(
        "editor/draft.html",
        draft=draft,
        defn=definition,
        problems=problems,
        warnings=warnings,
        latest=latest,
        can_publish=has_role(current_user(), *PUBLISHERS),
        describe=lambda cond: forms.describe_condition(definition, cond),
        type_names=dict(forms.QUESTION_TYPES),
    )


# --- survey details --------------------------------------------------------------------------
@bp.route("/drafts/<int:draft_id>/settings", methods=["GET", "POST"])
@role_required(*EDITORS)
def settings(draft_id: int):
    draft = draft_or_404(draft_id)
    errors: dict[str, str] = {}
    values = forms.settings_values(draft.definition)
    if request.method == "POST":
        changes, errors, values = forms.parse_settings(request.form)
        errors = {**changed_meanwhile(draft), **errors}
        if not errors:
            if save(draft, drafting.update_settings(draft.definition, changes), "settings"):
                return to_overview(draft, "settings")
            errors = {"stale": STALE}
    return render_template(
        "editor/settings.html", draft=draft, errors=errors, values=values, stamp=stamp_of(draft)
    )


# --- questions -------------------------------------------------------------------------------
def _question_page(draft, values, errors, existing, page_id, after_page):
    # After an option is moved (nothing saved), the stamp of the page the person opened
    # stays, so a save over a change made meanwhile is still stopped.
    stamp = request.form.get("stamp", "") if values.get("moved") else stamp_of(draft)
    # A condition may look only at earlier questions: before this one, or (for a new
    # question) up to the end of the page it joins or follows.
    candidates = drafting.questions_before(
        draft.definition, existing["code"] if existing else None, page_id or after_page
    )
    return render_template(
        "editor/question.html",
        draft=draft,
        stamp=stamp,
        values=values,
        errors=errors,
        existing=existing,
        page_id=page_id,
        after_page=after_page,
        types=forms.QUESTION_TYPES,
        show_if_choices=forms.show_if_choices(
            candidates, existing.get("show_if") if existing else None
        ),
    )


@bp.route("/drafts/<int:draft_id>/questions/new", methods=["GET", "POST"])
@role_required(*EDITORS)
def new_question(draft_id: int):
    draft = draft_or_404(draft_id)
    page_id = request.values.get("page") or None
    after_page = request.values.get("after") or None
    for pid in (page_id, after_page):
        if pid is not None:
            try:
                drafting.find_page(draft.definition, pid)
            except drafting.NotInDraft:
                abort(404)
    errors: dict[str, str] = {}
    values = forms.question_values(None)
    if request.method == "POST":
        taken = set(drafting.question_codes(draft.definition))
        used = queries.used_codes(get_db(), draft.survey_id)
        new, errors, values = forms.parse_question(request.form, None, taken, used)
        if values["moved"]:
            return _question_page(draft, values, {}, None, page_id, after_page)
        if not errors:
            definition, where = drafting.add_question(draft.definition, new, page_id, after_page)
            if save(draft, definition, "question_added", question=new["code"], page=where):
                return to_overview(draft, f"question-{new['code']}")
            errors = {"stale": STALE}
    return _question_page(draft, values, errors, None, page_id, after_page)


@bp.route("/drafts/<int:draft_id>/questions/<code>", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_question(draft_id: int, code: str):
    draft = draft_or_404(draft_id)
    try:
        existing = drafting.question(draft.definition, code)
    except drafting.NotInDraft:
        abort(404)
    errors: dict[str, str] = {}
    values = forms.question_values(existing)
    if request.method == "POST":
        taken = set(drafting.question_codes(draft.definition)) - {code}
        used = queries.used_codes(get_db(), draft.survey_id)
        new, errors, values = forms.parse_question(request.form, existing, taken, used)
        if values["moved"]:  # an option moved: shown in its new place, saved with the rest
            return _question_page(draft, values, {}, existing, None, None)
        errors = {**changed_meanwhile(draft), **errors}
        if not errors:
            definition = drafting.replace_question(draft.definition, code, new)
            if save(draft, definition, "question_changed", question=code):
                return to_overview(draft, f"question-{code}")
            errors = {"stale": STALE}
    return _question_page(draft, values, errors, existing, None, None)


def _direction() -> int:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    return -1 if direction == "up" else 1


@bp.post("/drafts/<int:draft_id>/questions/<code>/move")
@role_required(*EDITORS)
def move_question(draft_id: int, code: str):
    delta = _direction()
    draft = save_again(
        draft_id,
        lambda defn: drafting.move_question(defn, code, delta),
        "question_moved",
        question=code,
        direction=request.form["direction"],
    )
    return to_overview(draft, f"question-{code}")


@bp.route("/drafts/<int:draft_id>/questions/<code>/remove", methods=["GET", "POST"])
@role_required(*EDITORS)
def remove_question(draft_id: int, code: str):
    draft = draft_or_404(draft_id)
    try:
        existing = drafting.question(draft.definition, code)
    except drafting.NotInDraft:
        abort(404)
    if request.method == "POST":
        change_of = lambda defn: drafting.remove_question(defn, code)  # noqa: E731
        save_again(draft_id, change_of, "question_removed", question=code)
        return to_overview(draft, "pages")
    published = code in queries.used_codes(get_db(), draft.survey_id).questions
    return render_template(
        "editor/remove.html",
        draft=draft,
        what="question",
        item=existing,
        title=existing.get("label") or code,
        published=published,
        action=url_for("editor.remove_question", draft_id=draft.id, code=code),
        back=url_for("editor.draft", draft_id=draft.id, _anchor=f"question-{code}"),
    )


# --- pages -----------------------------------------------------------------------------------
@bp.route("/drafts/<int:draft_id>/pages/<page_id>", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_page(draft_id: int, page_id: str):
    draft = draft_or_404(draft_id)
    try:
        page = draft.definition["pages"][drafting.find_page(draft.definition, page_id)]
    except drafting.NotInDraft:
        abort(404)
    errors: dict[str, str] = {}
    values = {
        "title": page.get("title") or "",
        "hint": page.get("hint") or "",
        "show_if": forms.show_if_value(page.get("show_if")),
    }
    if request.method == "POST":
        changes, errors, values = forms.parse_page(request.form)
        errors = {**changed_meanwhile(draft), **errors}
        if not errors:
            definition = drafting.update_page(draft.definition, page_id, changes)
            if save(draft, definition, "page_changed", page=page_id):
                return to_overview(draft, f"page-{page_id}")
            errors = {"stale": STALE}
    return render_template(
        "editor/page.html",
        draft=draft,
        stamp=stamp_of(draft),
        page=page,
        values=values,
        errors=errors,
        show_if_choices=forms.show_if_choices(
            drafting.questions_on_pages_before(draft.definition, page_id), page.get("show_if")
        ),
    )


@bp.post("/drafts/<int:draft_id>/pages/<page_id>/move")
@role_required(*EDITORS)
def move_page(draft_id: int, page_id: str):
    delta = _direction()
    draft = save_again(
        draft_id,
        lambda defn: drafting.move_page(defn, page_id, delta),
        "page_moved",
        page=page_id,
        direction=request.form["direction"],
    )
    return to_overview(draft, f"page-{page_id}")


@bp.route("/drafts/<int:draft_id>/pages/<page_id>/remove", methods=["GET", "POST"])
@role_required(*EDITORS)
def remove_page(draft_id: int, page_id: str):
    draft = draft_or_404(draft_id)
    try:
        page = draft.definition["pages"][drafting.find_page(draft.definition, page_id)]
    except drafting.NotInDraft:
        abort(404)
    if request.method == "POST":
        change_of = lambda defn: drafting.remove_page(defn, page_id)  # noqa: E731
        save_again(draft_id, change_of, "page_removed", page=page_id)
        return to_overview(draft, "pages")
    used = queries.used_codes(get_db(), draft.survey_id).questions
    published = any(q.get("code") in used for q in page.get("questions") or [])
    return render_template(
        "editor/remove.html",
        draft=draft,
        what="page",
        item=page,
        title=page.get("title") or (page.get("questions") or [{}])[0].get("label", page_id),
        published=published,
        action=url_for("editor.remove_page", draft_id=draft.id, page_id=page_id),
        back=url_for("editor.draft", draft_id=draft.id, _anchor=f"page-{page_id}"),
    )


# --- publish and discard ------------------------------------------------------------------------
@bp.route("/drafts/<int:draft_id>/publish", methods=["GET", "POST"])
@role_required(*PUBLISHERS)
def publish(draft_id: int):
    db = get_db()
    draft = draft_or_404(draft_id)
    defn, problems = checking.check(draft.definition)
    warnings = codes.comparison_warnings(
        queries.latest_definition(db, draft.survey_id), draft.definition
    )
    errors: dict[str, str] = {}
    if request.method == "POST" and defn is not None:
        if warnings and not request.form.get("understood"):
            errors["understood"] = (
                "Confirm that you understand these changes break comparison with earlier years"
            )
        else:
            try:
                version = queries.publish_draft(db, draft, defn, current_app.config["DISTRICTS"])
            except queries.NothingToPublish as exc:
                db.rollback()
                errors["publish"] = str(exc)
            else:
                audit.record(
                    db,
                    "survey_publish",
                    user=current_user(),
                    target=f"{version.survey_id} version {version.version}",
                    details={
                        "survey_version_id": version.id,
                        "definition_hash": version.definition_hash,
                        "based_on_version": draft.based_on_version,
                        "warnings": [w.message for w in warnings],
                    },
                )
                db.commit()
                return redirect(url_for("editor.published", version_id=version.id))
    latest = current_version(db, draft.survey_id)
    return render_template(
        "editor/publish.html",
        draft=draft,
        problems=problems,
        warnings=warnings,
        errors=errors,
        number=(latest.version if latest else 0) + 1,
        latest=latest,
    )


@bp.get("/versions/<int:version_id>/published")
@role_required(*EDITORS)
def published(version_id: int):
    version = get_db().get(SurveyVersion, version_id)
    if version is None:
        abort(404)
    return render_template("editor/published.html", version=version)


@bp.route("/drafts/<int:draft_id>/discard", methods=["GET", "POST"])
@role_required(*EDITORS)
def discard(draft_id: int):
    draft = draft_or_404(draft_id)
    if request.method == "POST":
        db = get_db()
        record(draft, "survey_draft_discard")
        db.delete(draft)
        db.commit()
        preview.restart(draft_id)
        return redirect(url_for("editor.index"))
    return render_template("editor/discard.html", draft=draft)
