"""Where each feature package joins the app: its blueprint, hooks and start-up work."""

from __future__ import annotations

from flask import Flask


def register_all(app: Flask) -> None:
    from consult import analysis, auth, jobs, safeguarding, schools
    from consult.admin.views import bp as admin_bp

    auth.init_app(app)
    app.register_blueprint(admin_bp)
    jobs.init_app(app)
    analysis.init_app(app)
    schools.init_app(app)
    safeguarding.init_app(app)
    from consult.editor.views import bp as editor_bp  # the survey editor

    app.register_blueprint(editor_bp)
