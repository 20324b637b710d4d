"""MAIL-4: polling the desks' IMAP mailboxes (`comptoir mail poll`, the `poll_mailboxes` job).

A message is taken only after `ingest()` has committed its outcome: first the message is
read with BODY.PEEK[] (the exact bytes as stored on the server, nothing marks it read),
then ingested, then moved to `imap_done_folder` (created when missing) or flagged \\Seen.
A crash in between leaves it unseen; the next poll ingests it again and its digest makes
it a "duplicate", which is then taken: nothing is lost, nothing is doubled. A message
ingest quarantines is taken too (it is kept in the quarantine), into `imap_failed_folder`
when one is set. A message whose ingest raised (the database is down…) stays unseen and is
tried again at the next poll.

One poller per mailbox at a time: a poll claims the mailbox with a conditional update
that sets `last_polled_at` to the end of a lease (a moment in the future) when it is not
already in the future, and sets it to the real end of the poll when done. The claim holds
no transaction open during the network I/O, works the same on SQLite and PostgreSQL, and a
crashed poller only delays the next poll until its lease ends. Should a poll still outlive
its lease (a server slower than every timeout), the digest is the safety net.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessageFlags
from imap_tools.errors import ImapToolsError, MailboxLoginError
from imap_tools.mailbox import BaseMailBox

from comptoir.mailin.ingest import ingest
from comptoir.mailin.models import Mailbox

logger = logging.getLogger(__name__)

TIMEOUT = 60  # seconds, for the connection and every command after it
BATCH = 20  # messages per FETCH
BATCH_BYTES = 16 * 1024 * 1024  # a larger message is fetched alone
MAX_PER_POLL = 500  # a flood is taken over several polls, oldest first
BUDGET = 120  # seconds: no new batch is fetched after this
LEASE = timedelta(minutes=10)  # > BUDGET + a few TIMEOUTs
RESULTS = ("created", "appended", "refused", "quarantined", "duplicate")

# What a dropped connection, a timeout, a TLS failure or a refused command raise.
IMAP_ERRORS = (imaplib.IMAP4.error, ImapToolsError, OSError, EOFError)

_FETCH_UID = re.compile(rb"\bUID (\d+)")
_FETCH_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


class PollError(Exception):
    """The mailbox could not be read: the translated reason, recorded in last_error."""


def poll_all() -> dict[str, Any]:
    """Poll every active mailbox with an IMAP host, one after the other.

    A mailbox that cannot be read is recorded and logged; the others go on."""
    mailboxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="").order_by("pk")
    summary: dict[str, Any] = {"mailboxes": 0, "errors": 0, "skipped": 0, "failed": 0}
    summary.update({result: 0 for result in RESULTS})
    details = []
    for mailbox in mailboxes:
        result = poll(mailbox)
        details.append(result)
        summary["mailboxes"] += 1
        summary["errors"] += bool(result.get("error"))
        summary["skipped"] += bool(result.get("skipped"))
        for key in (*RESULTS, "failed"):
            summary[key] += result.get(key, 0)
    summary["details"] = details
    return summary


def poll(mailbox: Mailbox) -> dict[str, Any]:
    """Take what waits in one mailbox; a summary of what became of it.

    Returns {"mailbox": address, <result>: count…, "failed": ingests that raised,
    "error": the reason the mailbox could not be read or None} or, when another poller
    holds the mailbox, {"mailbox": address, "skipped": "busy"}."""
    if not claim(mailbox):
        return {"mailbox": mailbox.address, "skipped": "busy"}
    counts: Counter[str] = Counter()
    error: str | None = None
    try:
        box = connect(mailbox)
        try:
            take_all(box, mailbox, counts)
        finally:
            close(box)
    except PollError as exc:
        error = str(exc)
    except IMAP_ERRORS as exc:
        error = _("IMAP error on %(host)s: %(error)s") % {"host": mailbox.imap_host, "error": exc}
    except Exception as exc:  # a bug here must not stop the other mailboxes, nor hold this one
        logger.exception("mailbox %s: poll failed", mailbox.address)
        error = _("Unexpected error: %(error)s") % {"error": repr(exc)}
    if error:
        logger.warning("mailbox %s: %s", mailbox.address, error)
    release(mailbox, error=error or "")
    summary: dict[str, Any] = {"mailbox": mailbox.address, "error": error}
    summary.update({key: counts[key] for key in (*RESULTS, "failed")})
    if any(summary[key] for key in (*RESULTS, "failed")):
        logger.info("mailbox %s polled: %s", mailbox.address, summary)
    return summary


def claim(mailbox: Mailbox) -> bool:
    """Hold the mailbox until the lease ends, unless another poller holds it now."""
    now = timezone.now()
    free = Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=now)
    return bool(Mailbox.objects.filter(free, pk=mailbox.pk).update(last_polled_at=now + LEASE))


def release(mailbox: Mailbox, *, error: str) -> None:
    """Record the end of the poll (and its error, or none) and free the mailbox."""
    mailbox.last_polled_at = timezone.now()
    mailbox.last_error = error
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=mailbox.last_polled_at, last_error=error
    )


def connect(mailbox: Mailbox) -> BaseMailBox:
    """Log in and select the mailbox's folder, or raise PollError with the reason."""
    host, port = mailbox.imap_host, mailbox.imap_port
    try:
        if mailbox.imap_security == "none":
            box: BaseMailBox = MailBoxUnencrypted(host, port, timeout=TIMEOUT)
        elif mailbox.imap_security == "starttls":
            box = MailBoxStartTls(host, port, timeout=TIMEOUT, ssl_context=tls())
        else:
            box = MailBox(host, port, timeout=TIMEOUT, ssl_context=tls())
    except IMAP_ERRORS as exc:
        raise PollError(
            _("Cannot connect to %(host)s:%(port)s: %(error)s")
            % {"host": host, "port": port, "error": exc}
        ) from exc
    try:
        box.login(mailbox.imap_username, mailbox.imap_password, initial_folder=None)
    except MailboxLoginError as exc:
        close(box)
        raise PollError(
            _("Login refused by %(host)s for %(user)s.")
            % {"host": host, "user": mailbox.imap_username}
        ) from exc
    except IMAP_ERRORS:
        close(box)
        raise
    try:
        box.folder.set(mailbox.imap_folder or "INBOX")
        for folder in (mailbox.imap_done_folder, mailbox.imap_failed_folder):
            if folder and not box.folder.exists(folder):
                box.folder.create(folder)
    except IMAP_ERRORS as exc:
        close(box)
        raise PollError(
            _("Cannot open the folders of %(user)s on %(host)s: %(error)s")
            % {"host": host, "user": mailbox.imap_username, "error": exc}
        ) from exc
    return box


def tls() -> ssl.SSLContext:
    """Certificates are checked: a desk's password never goes to an impostor."""
    return ssl.create_default_context()


def close(box: BaseMailBox) -> None:
    with contextlib.suppress(*IMAP_ERRORS):
        box.logout()


def take_all(box: BaseMailBox, mailbox: Mailbox, counts: Counter[str]) -> None:
    """Ingest the unseen messages batch by batch, taking each batch once ingested."""
    started = time.monotonic()
    uids = box.uids("UNSEEN")[:MAX_PER_POLL]
    for batch in batches(box, uids):
        taken: list[str] = []
        quarantined: list[str] = []
        for uid, raw in fetch_raw(box, batch):
            try:
                result = ingest(raw, mailbox=mailbox, source="imap")
            except Exception:  # not supposed to happen; the message stays to be retried
                logger.exception("mailbox %s: ingest failed for UID %s", mailbox.address, uid)
                counts["failed"] += 1
                continue
            counts[result.result] += 1
            (quarantined if is_quarantined(result) else taken).append(uid)
        if mailbox.imap_failed_folder:
            put_away(box, quarantined, mailbox.imap_failed_folder, mailbox)
        else:
            taken += quarantined
        put_away(box, taken, mailbox.imap_done_folder, mailbox)
        if time.monotonic() - started > BUDGET:
            break


def is_quarantined(result: Any) -> bool:
    """Quarantined now, or earlier when this is the same message again (after a crash)."""
    if result.result == "duplicate" and result.message is not None:
        return result.message.result == "quarantined"
    return result.result == "quarantined"


def batches(box: BaseMailBox, uids: list[str]) -> Iterator[list[str]]:
    """Groups of at most BATCH messages and BATCH_BYTES bytes (a large message alone)."""
    if not uids:
        return
    sizes = fetch_sizes(box, uids)
    batch: list[str] = []
    size = 0
    for uid in uids:
        msg_size = sizes.get(uid, 0)
        if batch and (len(batch) >= BATCH or size + msg_size > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(uid)
        size += msg_size
    yield batch


def fetch_sizes(box: BaseMailBox, uids: list[str]) -> dict[str, int]:
    status, data = box.client.uid("FETCH", ",".join(uids), "(UID RFC822.SIZE)")
    check(status, data)
    sizes = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        uid, size = _FETCH_UID.search(line or b""), _FETCH_SIZE.search(line or b"")
        if uid and size:
            sizes[uid.group(1).decode()] = int(size.group(1))
    return sizes


def fetch_raw(box: BaseMailBox, uids: list[str]) -> list[tuple[str, bytes]]:
    """The exact bytes of each message, as the server holds them, in UID order.

    BODY.PEEK[] leaves the message unseen; a message deleted meanwhile is simply absent."""
    status, data = box.client.uid("FETCH", ",".join(uids), "(UID BODY.PEEK[])")
    check(status, data)
    found = {}
    for item in data:
        if isinstance(item, tuple) and (uid := _FETCH_UID.search(item[0])):
            found[uid.group(1).decode()] = item[1]
    return [(uid, found[uid]) for uid in uids if uid in found]


def put_away(box: BaseMailBox, uids: list[str], folder: str, mailbox: Mailbox) -> None:
    """Mark the messages read, then move them to `folder` if there is one."""
    if not uids:
        return
    box.flag(uids, MailMessageFlags.SEEN, True)
    if folder and folder != (mailbox.imap_folder or "INBOX"):
        box.move(uids, folder)


def check(status: str, data: Any) -> None:
    if status != "OK":
        raise imaplib.IMAP4.error(f"{status}: {data!r}")
