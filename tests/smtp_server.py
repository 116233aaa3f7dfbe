"""A real SMTP server for tests (aiosmtpd on a free local port): alerts go through smtplib
to it, and tests read what arrived."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field

import pytest


@dataclass
class Inbox:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def config(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_FROM": "csp@example.org"}

    def wait_for(self, count: int = 1, timeout: float = 20.0) -> list:
        """The messages once at least ``count`` have arrived (fails after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} email(s), got {len(self.messages)}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_inbox():
    from aiosmtpd.controller import Controller

    inbox = Inbox(port=_free_port())
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()
