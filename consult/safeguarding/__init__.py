"""Safeguarding: pupil answers that may disclose harm are screened at submit, queued for
the designated safeguarding lead, and held back from every report until cleared.

Importing this package registers the screening hook and the reporting exclusion.
"""

from flask import Flask

from consult.safeguarding import alerts as _alerts  # noqa: F401 (registers the alerts job)
from consult.safeguarding import hooks as _hooks
from consult.safeguarding import models as _models  # noqa: F401 (registers the exclusion)
from consult.safeguarding.screening import warm_in_background
from consult.safeguarding.views import bp

_hooks.register()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    warm_in_background(app)


__all__ = ["bp", "init_app"]
