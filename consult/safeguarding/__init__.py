"""Safeguarding: pupil answers that may disclose harm are screened at submit, queued for
the designated safeguarding lead, and held back from every report until cleared.

Importing this package registers the screening hook and the reporting exclusion.
"""

from consult.safeguarding import hooks as _hooks
from consult.safeguarding import models as _models  # noqa: F401 (registers the exclusion)
from consult.safeguarding.views import bp

_hooks.register()

__all__ = ["bp"]
