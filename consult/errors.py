"""Friendly error pages: nobody meets a stack trace, and nothing they typed is lost."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("There is a problem with your request", "Go back and try again."),
    403: ("You do not have permission to see this page", ""),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Page not found", "If you typed the web address, check it is correct."),
    413: (
        "What you sent is too large",
        "Go back, shorten your answer and try again. Your earlier answers are saved.",
    ),
    429: (
        "Too many requests",
        "You have sent a lot of requests in a short time. Wait a minute and try again.",
    ),
    500: ("Sorry, there is a problem with the service", "Try again later."),
}


def render_error(status: int, title: str | None = None, body: str | None = None):
    default_title, default_body = MESSAGES.get(status, MESSAGES[500])
    title = title or default_title
    body = body if body is not None else default_body
    try:
        page = render_template("errors/error.html", status=status, title=title, body=body)
    except Exception:  # the error page itself failed (e.g. the database is away): plain text
        log.exception("error page failed to render")
        page = f"{title}\n\n{body}\n"
        return page, status, {"Content-Type": "text/plain; charset=utf-8"}
    return page, status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return render_error(
            400,
            "Your session has expired or the form was out of date",
            "Go back, refresh the page and try again. Answers you saved before are kept.",
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        # An exception that carries its own page (e.g. a rate limit's on_breach) keeps it.
        if getattr(exc, "response", None) is not None:
            return exc.response
        return render_error(exc.code or 500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _database_away(exc):
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return render_error(
            503,
            "Sorry, we could not save that just now",
            "Your answers so far are safe. Wait a moment, then go back and try again.",
        )

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error")
        return render_error(500)
