"""A real SMTP server for the delivery tests: aiosmtpd on a free loopback port, recording
each envelope, able to refuse chosen recipients (550) and to be stopped and started again
on the same port (a mail server outage)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Envelope:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class Recorder:
    """The aiosmtpd handler: refuses `refused` addresses at RCPT, keeps the rest."""

    envelopes: list[Envelope] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    data_calls: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_calls += 1
        self.envelopes.append(
            Envelope(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Recorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def envelopes(self) -> list[Envelope]:
        return self.handler.envelopes

    def to(self, address: str) -> list[Envelope]:
        return [e for e in self.envelopes if address in e.rcpt_tos]

    @property
    def mailer(self) -> dict:
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
        }


@pytest.fixture
def smtp(settings):
    """A running SMTP server that `mailers.default` points at."""
    server = SmtpServer()
    server.start()
    settings.MAILERS = {"default": server.mailer}
    settings.SITE_URL = "https://desk.example.com"
    settings.DEFAULT_FROM_EMAIL = "Comptoir <desk@example.com>"
    settings.COMPTOIR_MAIL_DOMAIN = "example.com"
    yield server
    server.stop()
