"""Safeguarding: pupil answers that may disclose harm are screened at submit, queued for
the designated safeguarding lead, and held back from every report until cleared.

``init_app`` registers the screening hooks in the journey and the purge, the reporting
exclusion, the purge hold and the safeguarding records' own retention (``purge_rules``).
"""

from flask import Flask

from consult.safeguarding import alerts as _alerts  # noqa: F401 (registers the alerts job)
from consult.safeguarding import hooks as _hooks
from consult.safeguarding import purge_rules as _purge_rules
from consult.safeguarding.screening import warm_in_background
from consult.safeguarding.views import bp


def init_app(app: Flask) -> None:
    _hooks.register()
    _purge_rules.register()
    app.register_blueprint(bp)
    warm_in_background(app)


__all__ = ["bp", "init_app"]
