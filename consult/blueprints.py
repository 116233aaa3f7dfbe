"""Where each feature package joins the app: its blueprint, hooks and start-up work."""

from __future__ import annotations

from flask import Flask


def register_all(app: Flask) -> None:
    from consult import admin, analysis, auth, jobs, safeguarding, schools

    auth.init_app(app)
    admin.init_app(app)
    jobs.init_app(app)
    analysis.init_app(app)
    schools.init_app(app)
    safeguarding.init_app(app)
    from consult.editor.views import bp as editor_bp  # the survey editor

    app.register_blueprint(editor_bp)
