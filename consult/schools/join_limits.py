"""Limits on wrong join codes, so codes cannot be guessed and a class is never held up.

A whole class shares one school address, so one pupil's (or one prankster's) wrong codes
must not lock the others out:

- **per browser** (a random id kept in the pupil's session cookie): after
  ``SCHOOLS_WRONG_CODES_PER_BROWSER`` (default 10 a minute) wrong codes, that browser waits
  a minute; its attempts are not even checked meanwhile.
- **per address**: after ``SCHOOLS_WRONG_CODES_PER_ADDRESS`` (default 30 a minute) wrong
  codes from one address, further wrong codes get "too many wrong codes" at once, but a
  *right* code still joins.
- A ceiling on every attempt from one address, right or wrong,
  ``SCHOOLS_JOIN_ATTEMPTS_PER_ADDRESS`` (default 120 a minute: four classes joining in the
  same minute from one school), bounds guessing by a client that throws its cookie away.

Guessing, at that ceiling: 25**6 = 244,140,625 codes; 120 * 60 * 12 = 86,400 attempts in a
session's longest life (12 hours) from one address, so about 1 in 2,800 to hit one given
open session; a client keeping its cookie gets 10 a minute (about 1 in 34,000).

Counters live in the rate limiter's storage (memory, or Redis when ``REDIS_URL`` is set):
never in the database, and the address is never written anywhere else.
"""

from __future__ import annotations

import secrets

from flask import current_app, request, session
from limits import parse

from consult.extensions import limiter

DEFAULTS = {
    "SCHOOLS_WRONG_CODES_PER_BROWSER": "10 per minute",
    "SCHOOLS_WRONG_CODES_PER_ADDRESS": "30 per minute",
    "SCHOOLS_JOIN_ATTEMPTS_PER_ADDRESS": "120 per minute",
}
_BROWSER_KEY = "join_browser"


def _limit(name: str):
    return parse(current_app.config.get(name, DEFAULTS[name]))


def _on() -> bool:
    return bool(limiter.enabled) and current_app.config.get("RATELIMIT_ENABLED", True)


def browser_id() -> str:
    """This browser's random id for counting its wrong codes (kept in its session)."""
    if _BROWSER_KEY not in session:
        session[_BROWSER_KEY] = secrets.token_urlsafe(12)
    return session[_BROWSER_KEY]


def _address() -> str:
    return request.remote_addr or "unknown"


def attempt_refused() -> str | None:
    """Before checking a code: a reason to refuse this attempt without checking it (this
    browser has made too many wrong codes, or this address far too many attempts)."""
    if not _on():
        return None
    strategy = limiter.limiter
    if not strategy.test(_limit("SCHOOLS_WRONG_CODES_PER_BROWSER"), "join-browser", browser_id()):
        return "browser"
    if not strategy.hit(_limit("SCHOOLS_JOIN_ATTEMPTS_PER_ADDRESS"), "join-all", _address()):
        return "address"
    return None


def wrong_code() -> bool:
    """Count a wrong code; True when this address has now had too many (say so)."""
    if not _on():
        return False
    strategy = limiter.limiter
    strategy.hit(_limit("SCHOOLS_WRONG_CODES_PER_BROWSER"), "join-browser", browser_id())
    return not strategy.hit(_limit("SCHOOLS_WRONG_CODES_PER_ADDRESS"), "join-wrong", _address())
