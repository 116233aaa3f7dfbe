"""The progress endpoint pages poll: ``GET /jobs/<id>`` gives the job's state as JSON."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify

from consult.auth import role_required
from consult.jobs.queue import get_job

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

# The roles that start long work (analysis runs) and watch it.
JOB_ROLES = ("analyst", "admin")


@bp.get("/<int:job_id>")
@role_required(*JOB_ROLES)
def status(job_id: int):
    job = get_job(job_id)
    if job is None:
        abort(404)
    response = jsonify(job.to_dict())
    response.headers["Cache-Control"] = "no-store, max-age=0"
    return response
