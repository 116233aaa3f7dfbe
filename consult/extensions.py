"""Flask extensions shared across blueprints: CSRF, rate limits, security headers."""

from __future__ import annotations

from flask import has_request_context, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

#: In a joined pupil's (signed) session: "<classroom session id>:<random device id>", set by
#: the join page (consult.schools.join_limits) once the pupil's code was right.
PUPIL_DEVICE = "pupil_device"


def client_key() -> str:
    """Whom a rate limit counts. A whole class shares one school address, so a joined pupil
    is counted by their device (the random id the join page gave it); anyone else by their
    address. Only a right join code gives a device id: the session cookie is signed, so a
    client cannot make one up to escape its address's limits."""
    if has_request_context():
        device = session.get(PUPIL_DEVICE)
        if isinstance(device, str) and device:
            return f"pupil:{device}"
    return get_remote_address()


csrf = CSRFProtect()
# The client address is used only as a rate-limit key in memory (or Redis): it is never
# written to the database with a response.
limiter = Limiter(key_func=client_key)
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
