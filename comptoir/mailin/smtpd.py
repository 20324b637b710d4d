"""MAIL-4: a small SMTP receiver (`comptoir mail smtpd`), so mail reaches Comptoir without
an MTA: `make run` on a laptop, or a host whose MX points here.

It is not a relay: a recipient is accepted only when it is the address of an active
`Mailbox` (550 otherwise), before any data is sent. A message larger than
COMPTOIR_MAX_INBOUND_BYTES is refused with 552 (the limit is also announced in EHLO, so a
good client does not even send it). The exact bytes received go to `ingest()` once per
mailbox named in the envelope; a message named to two desks is ingested for the first and
a duplicate for the second (the digest is global), as with IMAP. 250 means the outcome is
committed; 451 (a temporary failure: the database is down…) makes the sender try again
later, and the digest turns a retry of a message already recorded into a duplicate.

The ORM is synchronous: every database call runs through `sync_to_async` in the one
thread asgiref keeps for thread-sensitive code, with stale connections closed around it,
so the event loop never blocks on the database and a restarted database is reconnected.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import gettext as _

from comptoir.mailin.ingest import ingest
from comptoir.mailin.models import Mailbox

logger = logging.getLogger(__name__)

TIMEOUT = 300  # seconds of silence before a client is dropped (RFC 5321 4.5.3.2)


def max_bytes() -> int:
    return getattr(settings, "COMPTOIR_MAX_INBOUND_BYTES", 30 * 1024 * 1024)


class Receiver(SMTP):
    # RFC 5321 says 1000 octets a line, but real senders break it; long lines are kept
    # (up to what the stream reader holds) rather than refused.
    line_length_limit = 64 * 1024


def in_db_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a synchronous ORM function off the event loop, with fresh connections."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(wrapped, thread_sensitive=True)


def find_mailbox(address: str) -> int | None:
    """The id of the active mailbox for an address (stored lower-cased), or None."""
    return (
        Mailbox.objects.filter(address=address.strip().lower(), is_active=True)
        .values_list("pk", flat=True)
        .first()
    )


def ingest_for(raw: bytes, mailbox_id: int) -> str:
    """Ingest for one mailbox; the outcome in a few words for the SMTP answer."""
    mailbox = Mailbox.objects.select_related("desk").get(pk=mailbox_id)
    result = ingest(raw, mailbox=mailbox, source="smtp")
    key = getattr(result.ticket, "key", None)
    return f"{result.result} {key}" if key else result.result


class Handler:
    """aiosmtpd hooks: who may be written to, and what becomes of the message."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        try:
            mailbox_id = await in_db_thread(find_mailbox)(address)
        except Exception:
            logger.exception("smtpd: cannot look up %s", address)
            return "451 4.3.0 Temporary failure, try again later"
        if mailbox_id is None:
            return "550 5.1.1 No such mailbox here"
        mailboxes: dict[str, int] = envelope.__dict__.setdefault("mailboxes", {})
        mailboxes.setdefault(address.strip().lower(), mailbox_id)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        outcomes = []
        for mailbox_id in dict.fromkeys(envelope.__dict__.get("mailboxes", {}).values()):
            try:
                outcomes.append(await in_db_thread(ingest_for)(raw, mailbox_id))
            except Exception:
                # Mailboxes already done are recorded: the retry makes them duplicates.
                logger.exception("smtpd: ingest failed for mailbox %s", mailbox_id)
                return "451 4.3.0 Temporary failure, try again later"
        logger.info("smtpd: message from %s: %s", envelope.mail_from, ", ".join(outcomes))
        return "250 2.0.0 Accepted: " + ", ".join(outcomes)


async def serve(
    host: str, port: int, stop: asyncio.Event, on_ready: Callable[[int], None] | None = None
) -> None:
    """Receive mail on host:port until `stop` is set; `on_ready` gets the bound port."""
    loop = asyncio.get_running_loop()
    handler = Handler()
    hostname = getattr(settings, "COMPTOIR_MAIL_DOMAIN", "") or "localhost"
    server = await loop.create_server(
        lambda: Receiver(
            handler,
            data_size_limit=max_bytes(),
            enable_SMTPUTF8=True,
            hostname=hostname,
            ident="Comptoir",
            timeout=TIMEOUT,
        ),
        host=host,
        port=port,
    )
    bound = server.sockets[0].getsockname()[1]
    if on_ready:
        on_ready(bound)
    try:
        await stop.wait()
    finally:
        server.close()
        server.close_clients()  # a client left idle would hold the shutdown for TIMEOUT
        await server.wait_closed()


def run(host: str, port: int) -> None:
    """Serve in the foreground until SIGTERM or Ctrl-C (`comptoir mail smtpd`)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(host, port, stop, on_ready=lambda p: announce(host, p))

    asyncio.run(main())


def announce(host: str, port: int) -> None:
    logger.info("smtpd: receiving mail on %s:%s", host, port)
    print(
        _("Comptoir receives mail on smtp://%(host)s:%(port)s (Ctrl-C to stop).")
        % {"host": host, "port": port},
        flush=True,
    )
