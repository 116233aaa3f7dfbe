"""Staff accounts, sign-in and role checks.

Other packages import the helpers from here::

    from consult.auth import current_user, role_required
"""

from consult.auth.access import (
    add_nav_link,
    current_user,
    has_role,
    login_required,
    role_required,
)

__all__ = ["add_nav_link", "current_user", "has_role", "login_required", "role_required"]
