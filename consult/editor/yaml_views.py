"""Survey definitions as YAML files from the editor: export a version or a draft, and
import a file as a new draft (checked by the same schema as ``consult surveys load``)."""

from __future__ import annotations

from flask import abort, render_template, request

from consult.auth.access import current_user, role_required
from consult.db import get_db
from consult.editor import checking, queries
from consult.editor.common import EDITORS, bp, download, draft_or_404, record, to_overview
from consult.editor.yaml_io import from_yaml, to_yaml
from consult.models import SurveyVersion
from consult.survey_store import current_version, definition_of
from surveys.schema import DefinitionError, SurveyDefinition

MAX_YAML_BYTES = 1024 * 1024


@bp.get("/versions/<int:version_id>/definition.yaml")
@role_required(*EDITORS)
def export_version(version_id: int):
    version = get_db().get(SurveyVersion, version_id)
    if version is None:
        abort(404)
    return download(
        to_yaml(definition_of(version)), f"{version.survey_id}-v{version.version}.yaml"
    )


@bp.get("/drafts/<int:draft_id>/definition.yaml")
@role_required(*EDITORS)
def export_draft(draft_id: int):
    draft = draft_or_404(draft_id)
    defn, problems = checking.check(draft.definition)
    if defn is None:
        return render_template("editor/not_ready.html", draft=draft, problems=problems), 409
    return download(to_yaml(defn), f"{draft.survey_id}-draft-v{defn.version}.yaml")


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
    record(draft, "survey_draft_import", filename=filename[:200])
    db.commit()
    return to_overview(draft)
