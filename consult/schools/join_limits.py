"""Limits for pupils: on guessing join codes, and on a joined pupil's requests.

A whole class (a year group of 240) shares one school address, so limits follow the thing
they protect, not the address alone.

Joined pupils (``pupil_limits``)
  A right code gives the pupil's device a random id in its signed session
  (``consult.extensions.PUPIL_DEVICE``): every rate limit (``RATELIMIT_DEFAULT``,
  ``RATELIMIT_SUBMIT``) then counts that device, not the school's address, so one device
  hammering is limited and its classmates are not. All of one classroom session's pupils
  together get ``SCHOOLS_PUPIL_REQUESTS_PER_PUPIL`` (default 200 a minute: a page a second,
  with room to spare) for each pupil the session expects (at least ``MIN_CLASS_ALLOWANCE``):
  a leaked code cannot bring in unlimited devices.

Wrong codes
- **per browser** (a random id in the pupil's session cookie): after
  ``SCHOOLS_WRONG_CODES_PER_BROWSER`` (10 a minute) wrong codes that browser waits a minute;
  its attempts are not even checked meanwhile.
- **per address**: after ``SCHOOLS_WRONG_CODES_PER_ADDRESS`` (30 a minute) further wrong codes
  are told "too many wrong codes on your network", but a right code still joins (a prankster
  must not lock the class out); after ``SCHOOLS_WRONG_CODES_CHECKED_PER_ADDRESS`` (120 a
  minute) attempts from that address are not checked for the rest of the minute. Right codes
  never count: a class joining does not use up its own network's allowance.
- **overall** (every address together): past ``SCHOOLS_WRONG_CODES_OVERALL`` (600 a minute)
  the service is being guessed; meanwhile an address with more than
  ``SCHOOLS_WRONG_CODES_PER_ADDRESS_WHILE_GUESSED`` (5) wrong codes in the minute is not
  checked: guessing from many addresses is slowed to a few guesses each a minute. Every open
  session's staff page says so.
- **per classroom session**: a wrong code one character from an open session's code (a typo,
  or someone who saw most of the code) is a *near miss* for that session. Past
  ``SCHOOLS_NEAR_MISSES_PER_CLASSROOM`` (30 in 10 minutes) the session's code is being guessed:
  its staff page says so, and its code joins only from an address some pupil of the session
  already joined from in the last hour (the pupils in the room); from anywhere else the right
  code is answered exactly as a wrong one (so a guesser cannot tell), and counted as one.
  Staff who expect pupils from elsewhere close the session and open a new one (a new code).

Guessing, at these limits: 25**6 = 244,140,625 codes. One address can have 120 codes checked a
minute (86,400 in a session's longest life, 12 hours): about 1 in 2,800 to hit one given open
session; a client keeping its cookie, 10 a minute. While the service is being guessed, each
address gets about 5 a minute.

Counters live in the rate limiter's storage (memory, or Redis when ``REDIS_URL`` is set), with
windows of a minute to an hour: never in the database, and the address is never written
anywhere else.
"""

from __future__ import annotations

import logging
import secrets

from flask import abort, current_app, request, session
from limits import RateLimitItem, parse

from consult.db import get_db
from consult.extensions import PUPIL_DEVICE, limiter

log = logging.getLogger(__name__)

DEFAULTS = {
    "SCHOOLS_WRONG_CODES_PER_BROWSER": "10 per minute",
    "SCHOOLS_WRONG_CODES_PER_ADDRESS": "30 per minute",
    "SCHOOLS_WRONG_CODES_CHECKED_PER_ADDRESS": "120 per minute",
    "SCHOOLS_WRONG_CODES_OVERALL": "600 per minute",
    "SCHOOLS_WRONG_CODES_PER_ADDRESS_WHILE_GUESSED": "5 per minute",
    "SCHOOLS_NEAR_MISSES_PER_CLASSROOM": "30 per 10 minutes",
    "SCHOOLS_PUPIL_REQUESTS_PER_PUPIL": "200 per minute",
}
MIN_CLASS_ALLOWANCE = 30  # pupils' worth, however few the session expects
_BROWSER_KEY = "join_browser"
_CLASS_KEY = "pupil_class"  # [classroom session id, requests allowed a window]
_JOINED_FROM = parse("1000000 per hour")  # a count, never a limit


def _limit(name: str) -> RateLimitItem:
    return parse(current_app.config.get(name, DEFAULTS[name]))


def _on() -> bool:
    return bool(limiter.enabled) and current_app.config.get("RATELIMIT_ENABLED", True)


def _count(item: RateLimitItem, *key: str) -> int:
    """How many hits ``key`` has had in ``item``'s current window."""
    return item.amount - limiter.limiter.get_window_stats(item, *key).remaining


def browser_id() -> str:
    """This browser's random id for counting its wrong codes (kept in its session)."""
    if _BROWSER_KEY not in session:
        session[_BROWSER_KEY] = secrets.token_urlsafe(12)
    return session[_BROWSER_KEY]


def _address() -> str:
    return request.remote_addr or "unknown"


def service_guessed() -> bool:
    """True while wrong codes from all addresses together are over their limit."""
    return _on() and not limiter.limiter.test(_limit("SCHOOLS_WRONG_CODES_OVERALL"), "join-all")


def attempt_refused() -> str | None:
    """Before checking a code: a reason to refuse this attempt without checking it:
    "browser" (too many wrong codes from this browser), "address" (from this address) or
    "guessed" (the service is being guessed and this address has had wrong codes)."""
    if not _on():
        return None
    strategy = limiter.limiter
    if not strategy.test(_limit("SCHOOLS_WRONG_CODES_PER_BROWSER"), "join-browser", browser_id()):
        return "browser"
    address = _address()
    if not strategy.test(_limit("SCHOOLS_WRONG_CODES_CHECKED_PER_ADDRESS"), "join-checked",
                         address):
        return "address"
    if service_guessed() and not strategy.test(
            _limit("SCHOOLS_WRONG_CODES_PER_ADDRESS_WHILE_GUESSED"), "join-guessed", address):
        return "guessed"
    return None


def _near_sessions(code: str) -> list[int]:
    """Open sessions whose code is one character from ``code``."""
    from consult.schools import queries

    return [sid for sid, other in queries.open_codes(get_db()) if len(other) == len(code)
            and sum(a != b for a, b in zip(other, code, strict=True)) == 1]


def wrong_code(code: str = "") -> bool:
    """Count a wrong code; True when this address has now had too many (say so)."""
    if not _on():
        return False
    strategy = limiter.limiter
    address = _address()
    strategy.hit(_limit("SCHOOLS_WRONG_CODES_PER_BROWSER"), "join-browser", browser_id())
    strategy.hit(_limit("SCHOOLS_WRONG_CODES_CHECKED_PER_ADDRESS"), "join-checked", address)
    strategy.hit(_limit("SCHOOLS_WRONG_CODES_PER_ADDRESS_WHILE_GUESSED"), "join-guessed", address)
    if not strategy.hit(_limit("SCHOOLS_WRONG_CODES_OVERALL"), "join-all"):
        log.warning("join codes are being guessed: over %s wrong codes",
                    current_app.config.get("SCHOOLS_WRONG_CODES_OVERALL",
                                           DEFAULTS["SCHOOLS_WRONG_CODES_OVERALL"]))
    if code:
        for sid in _near_sessions(code):
            if not strategy.hit(_limit("SCHOOLS_NEAR_MISSES_PER_CLASSROOM"), "join-near",
                                str(sid)):
                log.warning("the join code of classroom session %s is being guessed", sid)
    return not strategy.hit(_limit("SCHOOLS_WRONG_CODES_PER_ADDRESS"), "join-wrong", address)


def code_guessed(classroom_id: int) -> bool:
    """True while wrong codes near this session's code are over their limit."""
    return _on() and not limiter.limiter.test(
        _limit("SCHOOLS_NEAR_MISSES_PER_CLASSROOM"), "join-near", str(classroom_id))


def right_code_joins(classroom) -> bool:
    """A right code: False when the session's code is being guessed and nobody has joined it
    from this address (answer as for a wrong code). True: the pupil joins."""
    if not _on():
        return True
    key = ("join-room", str(classroom.id), _address())
    if code_guessed(classroom.id) and _count(_JOINED_FROM, *key) == 0:
        return False
    limiter.limiter.hit(_JOINED_FROM, *key)
    return True


def pupil_joined(classroom) -> None:
    """Give this device its id for rate limits (call after the session is cleared)."""
    session[PUPIL_DEVICE] = f"{classroom.id}:{secrets.token_urlsafe(12)}"
    per_pupil = _limit("SCHOOLS_PUPIL_REQUESTS_PER_PUPIL")
    allowance = per_pupil.amount * max(classroom.expected_pupils or 0, MIN_CLASS_ALLOWANCE)
    session[_CLASS_KEY] = [classroom.id, allowance]


def pupil_limits() -> None:
    """``before_app_request``: all the pupils of one classroom session together are limited
    to their class's allowance (each device is limited by the ordinary rate limits)."""
    if not _on() or request.endpoint in (None, "static") or not session.get(PUPIL_DEVICE):
        return
    class_id, allowance = (session.get(_CLASS_KEY) or [None, 0])[:2]
    if class_id is None:
        return
    per_pupil = _limit("SCHOOLS_PUPIL_REQUESTS_PER_PUPIL")
    item = type(per_pupil)(int(allowance), per_pupil.multiples)
    if not limiter.limiter.hit(item, "pupil-class", str(class_id)):
        abort(429)


def staff_alerts(classroom) -> list[str]:
    """What the session's staff page says about guessing (empty: nothing to say)."""
    alerts = []
    if classroom.is_open() and code_guessed(classroom.id):
        alerts.append(
            "Someone is trying codes close to this session’s code (more than "
            f"{_limit('SCHOOLS_NEAR_MISSES_PER_CLASSROOM').amount} in "
            f"{_window(_limit('SCHOOLS_NEAR_MISSES_PER_CLASSROOM'))}). Pupils joining from "
            "your school’s network can still join; from anywhere else the code does not work "
            "for now. If pupils outside the room need to join, close this session and open a "
            "new one with a new code."
        )
    if classroom.is_open() and service_guessed():
        alerts.append(
            "Join codes are being guessed on this service just now. Pupils can still join "
            "with the right code; a network that has sent several wrong codes may be asked "
            "to wait a minute."
        )
    return alerts


def _window(item: RateLimitItem) -> str:
    seconds = item.get_expiry()
    if seconds % 60 == 0 and seconds >= 60:
        minutes = seconds // 60
        return "a minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"
