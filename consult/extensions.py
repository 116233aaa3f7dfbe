"""Flask extensions shared across blueprints: CSRF, rate limits, security headers."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
# The client address is used only as a rate-limit key in memory (or Redis): it is never
# written to the database with a response.
limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()

# GOV.UK Frontend needs its own script and the inline "js-enabled" snippet (given a nonce).
CSP = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:"],
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
