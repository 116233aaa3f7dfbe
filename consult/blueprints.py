"""Where each feature package registers its blueprint. One line per package."""

from __future__ import annotations

from flask import Flask


def register_all(app: Flask) -> None:
    # Staff side, schools, safeguarding and the analyst workspace add themselves here.
    from consult.auth.views import bp as auth_bp; app.register_blueprint(auth_bp)  # noqa: E702,I001
