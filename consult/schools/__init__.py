"""Schools: classroom sessions with a join code, the pupils' side of the shared journey,
and the finish screen that resets a shared device for the next pupil.

``init_app`` registers the blueprint and its journey hooks (session-closed guard, finish
view).
"""

from flask import Flask

from consult.schools import hooks as _hooks
from consult.schools.views import bp


def init_app(app: Flask) -> None:
    _hooks.register()
    app.register_blueprint(bp)


__all__ = ["bp", "init_app"]
