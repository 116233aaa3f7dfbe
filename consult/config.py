"""Default configuration. A deployment overrides it in ``instance/config.py`` and with
environment variables (``DATABASE_URL``, ``SECRET_KEY``, ``REDIS_URL``)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# The districts and boroughs a deployment serves: the residents' survey offers these.
# A deployment sets its own list in instance/config.py.
DEFAULT_DISTRICTS = [
    "Adur",
    "Arun",
    "Chichester",
    "Crawley",
    "Horsham",
    "Mid Sussex",
    "Worthing",
]


def defaults(instance_path: str) -> dict:
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'consult.sqlite3'}",
        "REDIS_URL": None,
        "DISTRICTS": list(DEFAULT_DISTRICTS),
        "SURVEYS_DIR": str(Path(__file__).resolve().parent.parent / "surveys"),
        # Anonymous survey progress lives this long after the last saved page.
        "PROGRESS_LIFETIME_MINUTES": 60,
        # The timeout warning appears this long before progress expires.
        "PROGRESS_WARNING_MINUTES": 5,
        # Bodies (consult/request_guards.py): public pages small; signed-in staff pages up
        # to STAFF_...; the upload pages (CSV import, survey YAML, code frame) up to MAX_...
        "PUBLIC_MAX_CONTENT_LENGTH": 64 * 1024,
        "STAFF_MAX_CONTENT_LENGTH": 1024 * 1024,
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        # Fields in one form (Flask's default; also applied to urlencoded bodies here).
        "MAX_FORM_PARTS": 1000,
        # A response import's CSV file: its size (the import page and the README state it)
        # and its columns (a heading row far longer than any survey is refused at once).
        "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
        "IMPORT_MAX_COLUMNS": 200,
        "RATELIMIT_DEFAULT": "300 per minute",
        "RATELIMIT_SUBMIT": "20 per minute",
        "RATELIMIT_LOGIN": "10 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Sign-in throttling (consult/auth/throttle.py): wrong passwords for one email from
        # one client, and from one client for any email, within LOGIN_LOCKOUT_MINUTES.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_CLIENT_MAX_FAILURES": 30,
        "LOGIN_LOCKOUT_MINUTES": 15,
        # Guesses at one account from many addresses: after this many failures in the window,
        # attempts from devices it never signed in on are spaced this far apart.
        "LOGIN_ACCOUNT_FREE_FAILURES": 10,
        "LOGIN_ACCOUNT_DELAY_SECONDS": 30,
        # Staff sessions (server-side): idle sign-out and an absolute lifetime.
        "STAFF_IDLE_MINUTES": 60,
        "STAFF_SESSION_HOURS": 10,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "SERVICE_NAME": "Community safety consultation",
        "PARTNERSHIP_NAME": "Community Safety Partnership",
        "SUPPRESSION_THRESHOLD": 5,
        # "best": rules + sentence embeddings when the NLP extra is installed; "rules": rules only.
        "SAFEGUARDING_SCREENER": "best",
        "FORCE_HTTPS": False,
        # How many reverse proxies stand in front of the app (0: none, e.g. development).
        "PROXY_COUNT": 0,
    }


def from_environment(config: dict) -> None:
    """Environment variables win over instance config."""
    for key in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL"):
        if os.environ.get(key):
            config[key] = os.environ[key]
    # Production behind a TLS-terminating proxy (README, "Production"): CONSULT_HTTPS=1
    # redirects to HTTPS, sends HSTS and marks the session cookie Secure.
    if os.environ.get("CONSULT_PROXY_COUNT"):
        config["PROXY_COUNT"] = int(os.environ["CONSULT_PROXY_COUNT"])
    if os.environ.get("CONSULT_HTTPS", "").lower() in ("1", "true", "yes"):
        config["FORCE_HTTPS"] = True
        config["SESSION_COOKIE_SECURE"] = True
    if config.get("REDIS_URL") and config.get("RATELIMIT_STORAGE_URI") == "memory://":
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
    # The host names this service answers to (README, "Production"): a request for any
    # other Host gets a 400, so no absolute URL (the projector's join address and QR code,
    # redirects) can name a host an attacker chose. Comma-separated; ".example.org" also
    # admits its subdomains.
    if os.environ.get("CONSULT_TRUSTED_HOSTS"):
        config["TRUSTED_HOSTS"] = [
            h.strip() for h in os.environ["CONSULT_TRUSTED_HOSTS"].split(",") if h.strip()
        ]


def rate_limit_storage(instance_path: str) -> str:
    """Where the rate limits will be counted, from the same layers as ``create_app``
    (defaults, instance/config.py, environment), without building an app."""
    from flask import Config

    config = Config(instance_path, defaults(instance_path))
    config.from_pyfile("config.py", silent=True)
    from_environment(config)
    return str(config.get("RATELIMIT_STORAGE_URI") or "memory://")


PER_WORKER_WARNING = """
============================================================================================
  WARNING: {workers} gunicorn workers and no REDIS_URL: every rate limit is counted per
  worker, so each limit is really {workers} times what it says (sign-in 10/min becomes
  {tenfold}/min). Sign-in throttling (failed passwords) is kept in the database and is shared;
  the per-minute request limits are not. Set REDIS_URL (README, "Production"), or run one
  worker. CONSULT_REQUIRE_SHARED_LIMITS=1 turns this warning into a refusal to start.
============================================================================================
"""


def ensure_secret_key(config: dict, instance_path: str) -> None:
    """Never ship a default secret: make one per instance and keep it in instance/."""
    if config.get("SECRET_KEY"):
        return
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    config["SECRET_KEY"] = key_file.read_text().strip()
