"""Static public pages: home, accessibility statement, privacy notice, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import text

from consult.db import get_db
from consult.survey_store import current_version, definition_of

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    db = get_db()
    version = current_version(db, "residents")
    return render_template("pages/home.html", survey=definition_of(version) if version else None)


@bp.get("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
def privacy():
    db = get_db()
    version = current_version(db, "residents")
    return render_template(
        "pages/privacy.html", survey=definition_of(version) if version else None
    )


@bp.get("/healthz")
def healthz():
    """A trivial endpoint: the load test's baseline, and a liveness check."""
    get_db().execute(text("SELECT 1"))
    return {"status": "ok", "service": current_app.config["SERVICE_NAME"]}
