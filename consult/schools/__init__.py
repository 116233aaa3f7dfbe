"""Schools: classroom sessions with a join code, the pupils' side of the shared journey,
and the finish screen that resets a shared device for the next pupil.

Importing this package registers its journey hooks (session-closed guard, finish view).
"""

from consult.schools import hooks as _hooks
from consult.schools.views import bp

_hooks.register()

__all__ = ["bp"]
