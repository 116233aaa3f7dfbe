"""Where each feature package joins the app: its blueprint, hooks and start-up work."""

from __future__ import annotations

from flask import Flask


def register_all(app: Flask) -> None:
    from consult import analysis, jobs, safeguarding
    from consult.admin.views import bp as admin_bp
    from consult.auth.views import bp as auth_bp
    from consult.schools import bp as schools_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    jobs.init_app(app)
    analysis.init_app(app)
    app.register_blueprint(schools_bp)
    safeguarding.init_app(app)
    from consult.editor.views import bp as editor_bp  # the survey editor

    app.register_blueprint(editor_bp)
