"""Guards every request passes before a view sees it.

- Text that is not valid UTF-8 (in the query string or a form body) is refused with a page
  that says so. Left alone, Werkzeug would quietly turn the bad bytes into ``%FF`` or
  U+FFFD and the person's answer would be stored altered without their knowing.
- NUL and other control characters (except tab, line feed and carriage return) in form
  fields are refused the same way: PostgreSQL cannot store NUL in text, and none of them
  belongs in an answer.

- A number in the address too big for a database integer (``?page=99999999999999999999``,
  ``/analysis/runs/99999999999999999999``, ``?session=2147483648``) or in an id field of a
  staff form (merge ``others``, move ``answers``/``target``) is refused: a 400 page for a
  page number, a 404 for an id. Left alone it
  would reach an OFFSET or a primary-key lookup and fail there: a 500 on SQLite ("Python
  int too large to convert to SQLite INTEGER"), a misleading "database unavailable" 503 on
  PostgreSQL.

- A Host (or, behind a proxy, X-Forwarded-Host) not in ``TRUSTED_HOSTS`` gets a 400, so
  no absolute URL (the projector's join address and QR code) names a host an attacker
  chose. Unset, only the local names and ``SERVICE_URL``'s host are served: a deployment
  that forgets it is refused at once, never serving forged links.

- Before anything reads a body (these guards, CSRF, a view): a staff page posted to by
  someone not signed in gets the sign-in redirect with the body unread; bodies are small
  (``PUBLIC_MAX_CONTENT_LENGTH`` for the public, ``STAFF_MAX_CONTENT_LENGTH`` for signed-in
  staff), and only the upload pages (``UPLOAD_ENDPOINTS``) take up to ``MAX_CONTENT_LENGTH``;
  a form of more than ``MAX_FORM_PARTS`` fields is refused before it is parsed. An oversize
  body gets the 413 page. Left alone, 10 MB of ``a=1&a=1...`` posted anonymously held a
  worker for 10 s of parsing before sign-in and CSRF were checked.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, current_app, request

from consult.errors import render_error

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# C0 controls except \t \n \r, DEL and the C1 controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
REPLACEMENT = "\ufffd"

NOT_UTF8 = (
    "We could not read what you sent",
    "Your answer contained characters that are not valid text, so it was not saved. "
    "Go back, type your answer again (rather than pasting it) and send it. "
    "Your earlier answers are saved.",
)
CONTROL_CHARACTERS = (
    "Your answer contains characters that are not allowed",
    "It contained invisible control characters (such as a null character), so it was not "
    "saved. Go back, remove them or type your answer again, and send it. "
    "Your earlier answers are saved.",
)


TOO_MANY_FIELDS = (
    "What you sent is too large",
    "The form had far more fields than any page of this service sends, so it was not read. "
    "Go back and try again.",
)
# The pages that take a file: paper returns (CSV), a survey definition (YAML), a code frame.
UPLOAD_ENDPOINTS = frozenset({"admin.import_upload", "editor.import_yaml", "analysis.new_run"})


def _staff_only() -> bool:
    """The request is for a page of signed-in staff (its view is ``role_required``)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "required_roles", None) is not None


def _limit_body():
    """Set this request's body limit; a staff-only page is answered for someone who is not
    signed in without reading what they sent."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    config = current_app.config
    request.max_content_length = config["PUBLIC_MAX_CONTENT_LENGTH"]
    if not _staff_only():
        return None  # a public page: the public limit
    gate = current_app.extensions.get("consult.staff_gate")  # set by consult.auth
    refused = gate() if gate is not None else None
    if refused is not None:
        return refused
    upload = request.endpoint in UPLOAD_ENDPOINTS
    limit = "MAX_CONTENT_LENGTH" if upload else "STAFF_MAX_CONTENT_LENGTH"
    request.max_content_length = config[limit]
    return None


def _too_many_fields() -> bool:
    """More urlencoded fields than MAX_FORM_PARTS (Werkzeug caps multipart parts itself,
    not urlencoded ones). Counted on the raw bytes, before any parsing."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return False
    return request.get_data(cache=True).count(b"&") >= current_app.config["MAX_FORM_PARTS"]


def _valid_utf8_urlencoded(raw: bytes) -> bool:
    for pair in raw.split(b"&"):
        for part in pair.split(b"=", 1):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8", "strict")
            except UnicodeDecodeError:
                return False
    return True


def _form_ok() -> tuple[str, str] | None:
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        # get_data caches the body; the form is then parsed from the cache.
        if not _valid_utf8_urlencoded(request.get_data(cache=True)):
            return NOT_UTF8
    elif mimetype == "multipart/form-data":
        # Werkzeug decodes text parts with "replace": a U+FFFD that was not sent as one
        # means bytes that were not UTF-8. (Uploaded files are not text fields: not checked.)
        sent_replacement = REPLACEMENT.encode() in request.get_data(cache=True)
        values = request.form.listvalues()
        if not sent_replacement and any(REPLACEMENT in v for vs in values for v in vs):
            return NOT_UTF8
    else:
        return None
    for key, values in request.form.lists():
        if CONTROL.search(key) or any(CONTROL.search(v) for v in values):
            return CONTROL_CHARACTERS
    return None


# Query parameters that views read as whole numbers: a page number too big is a bad request
# (400); an id too big names nothing (404).
NUMBER_PARAMS = ("page",)
ID_PARAMS = ("run", "theme", "version", "baseline", "session")
# Form fields of staff pages that hold ids (merge "others", move "answers" to "target", ...).
ID_FIELDS = ("others", "answers", "target", "theme", "run", "session", "version", "versions")
# The largest value of a 32-bit integer column (PostgreSQL INTEGER, our primary keys).
MAX_NUMBER = 2**31 - 1
_WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9]+\s*")
TOO_BIG = (
    "That page does not exist",
    "The address asks for a number that is too big. Go back and use the links on the page.",
)


def _too_big(value: str) -> bool:
    if not _WHOLE_NUMBER.fullmatch(value):
        return False
    digits = value.strip().lstrip("+-").lstrip("0")
    return len(digits) > 10 or int(digits or "0") > MAX_NUMBER


def _numbers_ok() -> tuple[int, tuple[str, str]] | None:
    for key in NUMBER_PARAMS:
        if any(_too_big(v) for v in request.args.getlist(key)):
            return 400, TOO_BIG
    for key in ID_PARAMS:
        if any(_too_big(v) for v in request.args.getlist(key)):
            return 404, TOO_BIG
    if any(_too_big(part) for part in request.path.split("/") if part):
        return 404, TOO_BIG
    return None


def _form_ids_ok() -> bool:
    """Ids posted to a staff page fit a database integer (a resident's answer may hold any
    number: only staff pages' id fields are checked)."""
    if not _staff_only():
        return True
    return not any(_too_big(v) for key in ID_FIELDS for v in request.form.getlist(key))


def _query_ok() -> bool:
    raw = request.query_string
    return not raw or _valid_utf8_urlencoded(raw)


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def trusted_hosts(config) -> list[str]:
    """``TRUSTED_HOSTS``; unset, the local names and the host of ``SERVICE_URL``."""
    if config.get("TRUSTED_HOSTS"):
        return list(config["TRUSTED_HOSTS"])
    service = urlsplit(config.get("SERVICE_URL") or "").hostname
    return [*LOCAL_HOSTS, *([service] if service else [])]


class TrustedHosts:
    """WSGI middleware: a request for a host name not in ``TRUSTED_HOSTS`` gets a plain 400
    before Flask sees it (Flask would refuse it too, but then cannot build the URLs its
    error page needs). Sits inside ProxyFix, so a forwarded host is checked as well."""

    def __init__(self, wsgi_app, flask_app: Flask):
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app

    def __call__(self, environ, start_response):
        trusted = trusted_hosts(self.flask_app.config)
        if trusted:
            from werkzeug.exceptions import SecurityError
            from werkzeug.wrappers import Response
            from werkzeug.wsgi import get_host

            try:
                get_host(environ, trusted)
            except SecurityError:
                response = Response(
                    "Bad request: this service does not answer to that host name "
                    "(administrators: add it to TRUSTED_HOSTS).\n",
                    status=400,
                    mimetype="text/plain",
                )
                return response(environ, start_response)
        return self.wsgi_app(environ, start_response)


def _install_host_check(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    if isinstance(app.wsgi_app, ProxyFix):
        app.wsgi_app.app = TrustedHosts(app.wsgi_app.app, app)
    else:
        app.wsgi_app = TrustedHosts(app.wsgi_app, app)


def init_app(app: Flask) -> None:
    _install_host_check(app)

    # Registered first: runs before anything that reads the body (the guards below, CSRF).
    app.before_request(_limit_body)

    @app.before_request
    def _refuse_unreadable_text():
        if not _query_ok():
            return render_error(400, *NOT_UTF8)
        numbers = _numbers_ok()
        if numbers is not None:
            return render_error(numbers[0], *numbers[1])
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
            if _too_many_fields():
                return render_error(413, *TOO_MANY_FIELDS)
            problem = _form_ok()
            if problem is not None:
                return render_error(400, *problem)
            if not _form_ids_ok():
                return render_error(404, *TOO_BIG)
        return None
