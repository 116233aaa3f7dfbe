"""Where each feature package registers its blueprint. One line per package."""

from __future__ import annotations

from flask import Flask


def register_all(app: Flask) -> None:
    # Staff side, schools, safeguarding and the analyst workspace add themselves here.
    return None
