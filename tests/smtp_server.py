"""A real SMTP server for tests (aiosmtpd on a free local port): alerts go through smtplib
to it, and tests read what arrived."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

import pytest


@dataclass
class Inbox:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append((list(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def config(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_FROM": "csp@example.org"}

    def wait_for(self, count: int = 1, timeout: float = 20.0) -> list:
        """The messages once at least ``count`` have arrived (woken as each arrives; fails
        after ``timeout``)."""
        with self._arrived:
            if self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                return list(self.messages)
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
