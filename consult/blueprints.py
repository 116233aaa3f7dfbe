"""Where each feature package registers its blueprint. One line per package."""

from __future__ import annotations

from flask import Flask


def register_all(app: Flask) -> None:
    # Staff side, schools, safeguarding and the analyst workspace add themselves here.
    from consult.auth.views import bp as auth_bp; app.register_blueprint(auth_bp)  # noqa: E702,I001
    from consult.admin.views import bp as admin_bp; app.register_blueprint(admin_bp)  # noqa: E702,I001
    from consult.jobs import init_app as jobs_init; jobs_init(app)  # noqa: E702,I001
    from consult.analysis import init_app as analysis_init; analysis_init(app)  # noqa: E702,I001
    from consult.schools import bp as schools_bp; app.register_blueprint(schools_bp)  # noqa: E702,I001
    from consult.safeguarding import bp as safeguarding_bp; app.register_blueprint(safeguarding_bp)  # noqa: E702,I001,E501
