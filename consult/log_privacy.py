"""Keep client addresses out of the server's logs: the privacy notice says none are stored.

Gunicorn writes "Invalid request from ip=203.0.113.9: ..." to its error log for a malformed
request; :class:`NoAddresses` (installed on gunicorn's error logger by gunicorn.conf.py)
rewrites any IPv4 or IPv6 address in a log line as "[address]"."""

from __future__ import annotations

import ipaddress
import logging
import re

# Candidates only; ipaddress decides (so times like 12:34:56 are left alone).
_CANDIDATE = re.compile(
    r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d)"  # IPv4, also before ":port"
    r"|(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])"  # IPv6
)


def _scrub(match: re.Match) -> str:
    text = match.group(0)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return text
    return "[address]"


def without_addresses(text: str) -> str:
    return _CANDIDATE.sub(_scrub, text)


class NoAddresses(logging.Filter):
    """A logging filter: the record's message, arguments applied, with addresses removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = without_addresses(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(logger_name: str = "gunicorn.error") -> None:
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, NoAddresses) for f in logger.filters):
        logger.addFilter(NoAddresses())
