"""Admin pages: surveys and versions with response counts, exports, codebook, CSV import."""

from __future__ import annotations

import json
from pathlib import Path

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

from consult.admin import exports, importing, queries
from consult.admin.staging import Staging
from consult.auth import audit
from consult.auth.access import current_user, no_store, role_required
from consult.db import get_db
from consult.models import SurveyVersion, utcnow
from consult.survey_store import definition_of, versions_with_counts

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Who may see surveys, export and import responses.
STAFF_ROLES = ("admin", "analyst")


@bp.after_request
def _no_store(response):
    return no_store(response)


def _version(version_id: int) -> SurveyVersion:
    version = get_db().get(SurveyVersion, version_id)
    if version is None:
        abort(404)
    return version


def _filename(version: SurveyVersion, what: str, ext: str) -> str:
    return f"{version.survey_id}-v{version.version}-{what}-{utcnow():%Y%m%d}.{ext}"


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/")
@role_required(*STAFF_ROLES)
def index():
    return redirect(url_for("admin.surveys"))


@bp.get("/surveys")
@role_required(*STAFF_ROLES)
def surveys():
    # One rule, one count: the responses reports, exports and /analysis/ count; those held
    # back (for safeguarding review) are said in words beside it.
    grouped: dict[str, list[tuple[SurveyVersion, int, int]]] = {}
    for version, count, held in versions_with_counts(get_db()):
        grouped.setdefault(version.survey_id, []).append((version, count, held))
    for versions in grouped.values():
        versions.sort(key=lambda vc: vc[0].version, reverse=True)
    return render_template("admin/surveys.html", grouped=grouped)


# --- exports --------------------------------------------------------------------------------
def _audit_export(version: SurveyVersion, fmt: str, rows: int) -> None:
    db = get_db()
    audit.record(
        db,
        "responses_export",
        user=current_user(),
        target=f"{version.survey_id} version {version.version}",
        details={"survey_version_id": version.id, "format": fmt, "rows": rows},
    )
    db.commit()


@bp.get("/surveys/<int:version_id>/responses.csv")
@role_required(*STAFF_ROLES)
def export_csv(version_id: int):
    version = _version(version_id)
    defn = definition_of(version)
    body, rows = exports.write_csv(defn, queries.reportable_responses(get_db(), version.id))
    _audit_export(version, "csv", rows)
    return _download(body, "text/csv", _filename(version, "responses", "csv"))


@bp.get("/surveys/<int:version_id>/responses.json")
@role_required(*STAFF_ROLES)
def export_json(version_id: int):
    version = _version(version_id)
    defn = definition_of(version)
    doc = exports.json_document(
        defn, queries.reportable_responses(get_db(), version.id), utcnow()
    )
    _audit_export(version, "json", doc["count"])
    body = json.dumps(doc, ensure_ascii=False, indent=2)
    return _download(body, "application/json", _filename(version, "responses", "json"))


@bp.get("/surveys/<int:version_id>/codebook")
@role_required(*STAFF_ROLES)
def codebook(version_id: int):
    version = _version(version_id)
    defn = definition_of(version)
    return render_template(
        "admin/codebook.html",
        version=version,
        survey=defn,
        entries=exports.codebook(defn),
        meta_columns=exports.META_COLUMNS,
    )


@bp.get("/surveys/<int:version_id>/codebook.csv")
@role_required(*STAFF_ROLES)
def codebook_csv(version_id: int):
    version = _version(version_id)
    body = exports.codebook_csv(definition_of(version))
    return _download(body, "text/csv", _filename(version, "codebook", "csv"))


# --- import ---------------------------------------------------------------------------------
def _staging() -> Staging:
    return Staging(Path(current_app.instance_path) / "imports")


def _max_bytes() -> int:
    return int(current_app.config["IMPORT_MAX_BYTES"])


def _read_csv(content: bytes) -> importing.CsvTable:
    return importing.read_csv(content, max_columns=current_app.config["IMPORT_MAX_COLUMNS"])


def _version_key(version: SurveyVersion) -> str:
    return f"{version.survey_id}:{version.version}:{version.definition_hash}"


@bp.route("/surveys/<int:version_id>/import", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def import_upload(version_id: int):
    version = _version(version_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors["file"] = "Select a CSV file"
        else:
            limit = _max_bytes()
            content = upload.stream.read(limit + 1)
            if len(content) > limit:
                errors["file"] = f"The selected file must be smaller than {limit // 1048576} MB"
            elif not upload.filename.lower().endswith((".csv", ".txt")):
                errors["file"] = "The selected file must be a CSV"
            else:
                try:
                    _read_csv(content)
                except importing.ImportFileError as exc:
                    errors["file"] = str(exc)
        if not errors:
            db = get_db()
            batch = importing.batch_id(content, _version_key(version))
            at = queries.imported_at(db, batch)
            if at is not None:
                errors["file"] = str(queries.AlreadyImported(batch, at))
            else:
                user = current_user()
                _staging().save(
                    batch,
                    content,
                    {"filename": upload.filename, "version_id": version.id, "user_id": user.id},
                )
                return redirect(url_for("admin.import_map", version_id=version.id, batch=batch))
    return render_template(
        "admin/import_upload.html",
        version=version,
        survey=definition_of(version),
        errors=errors,
        max_mb=_max_bytes() // 1048576,
        max_columns=current_app.config["IMPORT_MAX_COLUMNS"],
    )


@bp.route("/surveys/<int:version_id>/import/<batch>", methods=["GET", "POST"])
@role_required(*STAFF_ROLES)
def import_map(version_id: int, batch: str):
    version = _version(version_id)
    defn = definition_of(version)
    db = get_db()
    staged = _staging().load(batch)
    if staged is None or staged[1].get("version_id") != version.id:
        if queries.batch_count(db, batch):
            return redirect(url_for("admin.import_done", version_id=version.id, batch=batch))
        return render_template("admin/import_expired.html", version=version), 404
    content, meta = staged
    try:
        table = _read_csv(content)
    except importing.ImportFileError:  # staged before a lower column limit was set
        _staging().discard(batch)
        return render_template("admin/import_expired.html", version=version), 404
    errors: dict[str, str] = {}
    report = None
    if request.method == "GET":
        mapping = importing.suggest_mapping(defn, table.headers)
    else:
        mapping = importing.mapping_from_form(defn, request.form)
        problems = importing.check_mapping(defn, table.headers, mapping)
        errors = {
            (k if k in ("separator", "submitted_at") else f"col-{k}"): v
            for k, v in problems.items()
        }
        if not errors:
            report = importing.validate_rows(defn, table, mapping)
            if request.form.get("action") == "import" and report.ok:
                try:
                    queries.store_import(
                        db, version, batch, report.rows,
                        user=current_user(), filename=meta.get("filename", ""),
                        submitted_at=report.submitted_at,
                    )
                except queries.AlreadyImported as exc:
                    db.rollback()
                    errors["file"] = str(exc)
                else:
                    db.commit()
                    _staging().discard(batch)
                    return redirect(
                        url_for("admin.import_done", version_id=version.id, batch=batch)
                    )
    return render_template(
        "admin/import_map.html",
        version=version,
        survey=defn,
        table=table,
        meta=meta,
        mapping=mapping,
        errors=errors,
        report=report,
        questions={q.code: q for q in defn.questions()},
        asked_when={e["code"]: e["show_if"] for e in exports.codebook(defn)},
        max_problems=500,
    )


@bp.get("/surveys/<int:version_id>/import/<batch>/done")
@role_required(*STAFF_ROLES)
def import_done(version_id: int, batch: str):
    version = _version(version_id)
    db = get_db()
    count = queries.batch_count(db, batch)
    if not count:
        return redirect(url_for("admin.import_upload", version_id=version.id))
    return render_template(
        "admin/import_done.html",
        version=version,
        count=count,
        at=queries.imported_at(db, batch),
        batch=batch,
    )
