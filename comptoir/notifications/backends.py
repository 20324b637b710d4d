"""A mail backend for the embedded default: one .eml file per message.

Django's file backend appends every message of a connection to one .log file, which no
mail client opens. Without an SMTP server (`make run`), a newcomer still wants to read
what Comptoir sent, and to answer it: an .eml file opens in any mail client, and its bytes
can be fed back to `comptoir mail ingest`.
"""

from __future__ import annotations

import email.policy
import os
import secrets
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage, InvalidMailer
from django.core.mail.backends.base import BaseEmailBackend


class EmlFileBackend(BaseEmailBackend):
    """MAILERS OPTIONS: `directory` (created if missing)."""

    def __init__(self, directory: str | os.PathLike | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not directory:
            raise InvalidMailer("OPTIONS must define 'directory'.", alias=self.alias)
        self.directory = Path(directory)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            data = message.message(policy=email.policy.SMTP).as_bytes()
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            name = f"{stamp}-{secrets.token_hex(4)}.eml"
            # Written beside, then renamed: a reader never sees half a message.
            partial = self.directory / f".{name}.part"
            partial.write_bytes(data)
            partial.replace(self.directory / name)
            sent += 1
        return sent
