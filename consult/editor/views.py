"""The survey editor's pages (thin: forms in ``forms``, changes in ``drafting``, SQL in
``queries``). Admins and analysts edit drafts and preview them; only admins publish."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from consult.auth import audit
from consult.auth.access import add_nav_link, current_user, has_role, no_store, role_required
from consult.db import get_db
from consult.editor import checking, codes, drafting, forms, preview, queries
from consult.editor.models import SurveyDraft
from consult.editor.yaml_io import from_yaml, to_yaml
from consult.models import SurveyVersion
from consult.survey_store import current_version, definition_of, resolve
from surveys import answers as rules
from surveys.schema import DefinitionError, SurveyDefinition

bp = Blueprint("editor", __name__, url_prefix="/admin/editor")

EDITORS = ("admin", "analyst")
PUBLISHERS = ("admin",)
MAX_YAML_BYTES = 1024 * 1024

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


def _draft(draft_id: int) -> SurveyDraft:
    draft = queries.get_draft(get_db(), draft_id)
    if draft is None:
        abort(404)
    return draft


def _record(draft: SurveyDraft, action: str, **details) -> None:
    audit.record(
        get_db(),
        action,
        user=current_user(),
        target=f"{draft.survey_id} draft",
        details={"draft_id": draft.id, **details},
    )


def _save(draft: SurveyDraft, definition: dict, change: str, **details) -> bool:
    """Store an edit with its audit event, in one commit, only if nobody saved the draft
    since this request read it (compare-and-swap on ``updated_at``). False: someone did;
    nothing is stored and the draft is read afresh."""
    db = get_db()
    if not queries.save(db, draft, definition, current_user()):
        db.rollback()
        return False
    _record(draft, "survey_draft_edit", change=change, **details)
    db.commit()
    return True


def _save_again(draft_id: int, change_of, change: str, **details) -> SurveyDraft:
    """A move or removal: applied to the draft as it is now, read again if someone saved
    it in the same moment (a relative change needs no stamp of the page it came from)."""
    for _ in range(5):
        draft = _draft(draft_id)
        try:
            definition = change_of(draft.definition)
        except drafting.NotInDraft:
            abort(404)
        if _save(draft, definition, change, **details):
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


def _stamp(draft: SurveyDraft) -> str:
    """When the draft last changed: sent with each form, so a save over someone else's
    newer change is stopped and shown instead of lost silently."""
    return draft.updated_at.strftime("%Y%m%d%H%M%S%f")


def _changed_meanwhile(draft: SurveyDraft) -> dict[str, str]:
    sent = request.form.get("stamp")
    if not sent:
        return {"stale": NO_STAMP}
    if sent != _stamp(draft):
        return {"stale": STALE}
    return {}


def _to_overview(draft: SurveyDraft, anchor: str = ""):
    url = url_for("editor.draft", draft_id=draft.id)
    return redirect(f"{url}#{anchor}" if anchor else url)


def _download(body: str, filename: str) -> Response:
    return Response(
        body,
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


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
        return _to_overview(existing)
    draft = queries.draft_from_latest(db, survey_id, current_user())
    if draft is None:
        abort(404)
    _record(draft, "survey_draft_start", based_on_version=draft.based_on_version)
    db.commit()
    return _to_overview(draft)


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
            _record(draft, "survey_draft_start", new_survey=True)
            db.commit()
            return redirect(url_for("editor.settings", draft_id=draft.id))
    return render_template("editor/new_survey.html", errors=errors, values=values)


@bp.get("/drafts/<int:draft_id>")
@role_required(*EDITORS)
def draft(draft_id: int):
    db = get_db()
    draft = _draft(draft_id)
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
    draft = _draft(draft_id)
    errors: dict[str, str] = {}
    values = forms.settings_values(draft.definition)
    if request.method == "POST":
        changes, errors, values = forms.parse_settings(request.form)
        errors = {**_changed_meanwhile(draft), **errors}
        if not errors:
            if _save(draft, drafting.update_settings(draft.definition, changes), "settings"):
                return _to_overview(draft, "settings")
            errors = {"stale": STALE}
    return render_template(
        "editor/settings.html", draft=draft, errors=errors, values=values, stamp=_stamp(draft)
    )


# --- questions -------------------------------------------------------------------------------
def _question_page(draft, values, errors, existing, page_id, after_page):
    # After an option is moved (nothing saved), the stamp of the page the person opened
    # stays, so a save over a change made meanwhile is still stopped.
    stamp = request.form.get("stamp", "") if values.get("moved") else _stamp(draft)
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
    draft = _draft(draft_id)
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
            if _save(draft, definition, "question_added", question=new["code"], page=where):
                return _to_overview(draft, f"question-{new['code']}")
            errors = {"stale": STALE}
    return _question_page(draft, values, errors, None, page_id, after_page)


@bp.route("/drafts/<int:draft_id>/questions/<code>", methods=["GET", "POST"])
@role_required(*EDITORS)
def edit_question(draft_id: int, code: str):
    draft = _draft(draft_id)
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
        errors = {**_changed_meanwhile(draft), **errors}
        if not errors:
            definition = drafting.replace_question(draft.definition, code, new)
            if _save(draft, definition, "question_changed", question=code):
                return _to_overview(draft, f"question-{code}")
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
    draft = _save_again(
        draft_id,
        lambda defn: drafting.move_question(defn, code, delta),
        "question_moved",
        question=code,
        direction=request.form["direction"],
    )
    return _to_overview(draft, f"question-{code}")


@bp.route("/drafts/<int:draft_id>/questions/<code>/remove", methods=["GET", "POST"])
@role_required(*EDITORS)
def remove_question(draft_id: int, code: str):
    draft = _draft(draft_id)
    try:
        existing = drafting.question(draft.definition, code)
    except drafting.NotInDraft:
        abort(404)
    if request.method == "POST":
        change_of = lambda defn: drafting.remove_question(defn, code)  # noqa: E731
        _save_again(draft_id, change_of, "question_removed", question=code)
        return _to_overview(draft, "pages")
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
    draft = _draft(draft_id)
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
        errors = {**_changed_meanwhile(draft), **errors}
        if not errors:
            definition = drafting.update_page(draft.definition, page_id, changes)
            if _save(draft, definition, "page_changed", page=page_id):
                return _to_overview(draft, f"page-{page_id}")
            errors = {"stale": STALE}
    return render_template(
        "editor/page.html",
        draft=draft,
        stamp=_stamp(draft),
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
    draft = _save_again(
        draft_id,
        lambda defn: drafting.move_page(defn, page_id, delta),
        "page_moved",
        page=page_id,
        direction=request.form["direction"],
    )
    return _to_overview(draft, f"page-{page_id}")


@bp.route("/drafts/<int:draft_id>/pages/<page_id>/remove", methods=["GET", "POST"])
@role_required(*EDITORS)
def remove_page(draft_id: int, page_id: str):
    draft = _draft(draft_id)
    try:
        page = draft.definition["pages"][drafting.find_page(draft.definition, page_id)]
    except drafting.NotInDraft:
        abort(404)
    if request.method == "POST":
        change_of = lambda defn: drafting.remove_page(defn, page_id)  # noqa: E731
        _save_again(draft_id, change_of, "page_removed", page=page_id)
        return _to_overview(draft, "pages")
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
    draft = _draft(draft_id)
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
    draft = _draft(draft_id)
    if request.method == "POST":
        db = get_db()
        _record(draft, "survey_draft_discard")
        db.delete(draft)
        db.commit()
        preview.restart(draft_id)
        return redirect(url_for("editor.index"))
    return render_template("editor/discard.html", draft=draft)


# --- YAML --------------------------------------------------------------------------------------
@bp.get("/versions/<int:version_id>/definition.yaml")
@role_required(*EDITORS)
def export_version(version_id: int):
    version = get_db().get(SurveyVersion, version_id)
    if version is None:
        abort(404)
    return _download(
        to_yaml(definition_of(version)), f"{version.survey_id}-v{version.version}.yaml"
    )


@bp.get("/drafts/<int:draft_id>/definition.yaml")
@role_required(*EDITORS)
def export_draft(draft_id: int):
    draft = _draft(draft_id)
    defn, problems = checking.check(draft.definition)
    if defn is None:
        return render_template("editor/not_ready.html", draft=draft, problems=problems), 409
    return _download(to_yaml(defn), f"{draft.survey_id}-draft-v{defn.version}.yaml")


@bp.route("/import", methods=["GET", "POST"])
@role_required(*EDITORS)
def import_yaml():
    errors: dict[str, str] = {}
    problems: list[str] = []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors["file"] = "Select a YAML file"
        else:
            content = upload.stream.read(MAX_YAML_BYTES + 1)
            if len(content) > MAX_YAML_BYTES:
                errors["file"] = "The selected file must be smaller than 1 MB"
            elif not upload.filename.lower().endswith((".yaml", ".yml")):
                errors["file"] = "The selected file must be a YAML file (.yaml or .yml)"
            else:
                try:
                    defn = from_yaml(content.decode("utf-8"), upload.filename)
                except UnicodeDecodeError:
                    errors["file"] = "The selected file must be saved as UTF-8 text"
                except DefinitionError as exc:
                    errors["file"] = "The selected file is not a valid survey definition"
                    problems = [f"{path or '(top level)'}: {msg}" for path, msg in exc.problems]
                else:
                    return _import(defn, upload.filename)
    return render_template("editor/import.html", errors=errors, problems=problems)


def _import(defn: SurveyDefinition, filename: str):
    db = get_db()
    if queries.draft_for(db, defn.id) is not None:
        errors = {"file": f"There is already a draft of ‘{defn.id}’: publish or discard it first"}
        return render_template("editor/import.html", errors=errors, problems=[])
    latest = current_version(db, defn.id)
    draft = queries.start_draft(
        db,
        defn.id,
        defn.model_dump(mode="json"),
        latest.version if latest else None,
        current_user(),
    )
    _record(draft, "survey_draft_import", filename=filename[:200])
    db.commit()
    return _to_overview(draft)


# --- preview -----------------------------------------------------------------------------------
def _previewable(draft_id: int) -> tuple[SurveyDraft, SurveyDefinition]:
    draft = _draft(draft_id)
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
