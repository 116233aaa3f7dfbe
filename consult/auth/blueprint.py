"""The staff blueprint (``/staff``) and the roles' display names, shared by the sign-in
pages (``views``) and the account pages (``account_views``); ``consult.auth.init_app``
imports both page modules and registers the blueprint."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/staff")

ROLE_NAMES = {
    "admin": "Administrator",
    "analyst": "Analyst",
    "school_staff": "School staff",
    "safeguarding_lead": "Designated safeguarding lead",
}
