"""Delivering the outbox (NOT-7): every row sent, once, or failed with its reason.

A worker claims a batch of due rows (pending, `available_at` reached) with a conditional
UPDATE that sets them "sending" with its claim token; on PostgreSQL the candidates are
read `FOR UPDATE SKIP LOCKED`, so workers running at once take disjoint batches, and on
SQLite the IMMEDIATE transaction serialises the claims. The batch is rendered (a few
queries whatever its size), then sent over one connection of `mailers.default`, one
message per row. Each outcome is written at once, conditional on the claim token:

- accepted by the server → "sent" (a crash right after may send that one message again,
  with the same Message-ID, which receivers may drop; no mail is ever lost);
- a temporary failure (server down, 4xx, a rendering bug) → back to pending with
  `attempts + 1` and `available_at` pushed by the backoff (1, 2, 4 … minutes, at most an
  hour), "failed" for good after `MAX_ATTEMPTS` (about two days);
- a permanent refusal (a 5xx for the recipient or the message, an invalid address, a row
  that must not be sent) → "failed" at once; the other rows go on.

`last_error` keeps the latest failure. Rows left "sending" by a dead worker go back to
pending after `CLAIM_TIMEOUT`, counted as an attempt.
"""

from __future__ import annotations

import logging
import smtplib
from collections import Counter
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives, mailers
from django.db.models import F
from django.utils import timezone

from comptoir.core import claims
from comptoir.notifications.mail import Lookups, Undeliverable, build, claimed_rows
from comptoir.notifications.models import Outbox, OutboxState

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_BATCHES = 20  # per task run; the next run (on commit, or the sweep) takes the rest
CLAIM_TIMEOUT = timedelta(minutes=10)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 48  # 1+2+…+32 minutes, then hourly: about two days of trying


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4 … minutes, at most an hour."""
    return claims.backoff(attempts, BACKOFF_CAP)


def requeue_stale(now: datetime | None = None) -> int:
    """Rows a worker claimed and never settled (it died) are due again."""
    back, failed = claims.requeue_stale(
        Outbox, now=now or timezone.now(), timeout=CLAIM_TIMEOUT, max_attempts=MAX_ATTEMPTS
    )
    if failed or back:
        logger.warning("outbox: %d rows of dead workers back to pending, %d failed", back, failed)
    return failed + back


def claim(limit: int = BATCH_SIZE, now: datetime | None = None) -> str | None:
    """Take up to `limit` due rows for this worker; its claim token, or None if none."""
    return claims.claim(Outbox, limit=limit, now=now or timezone.now())


class Batch:
    """One claimed batch and the outcome of each of its rows."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.counts: Counter[str] = Counter()

    def _mine(self, row: Outbox):
        return Outbox.objects.filter(pk=row.pk, claim_token=self.token, state=OutboxState.SENDING)

    def sent(self, row: Outbox) -> None:
        self._mine(row).update(state=OutboxState.SENT, sent_at=timezone.now(), claim_token="")
        self.counts["sent"] += 1

    def failed(self, row: Outbox, error: str) -> None:
        self._mine(row).update(
            state=OutboxState.FAILED, attempts=F("attempts") + 1, claim_token="", last_error=error
        )
        self.counts["failed"] += 1
        logger.warning("outbox %s to %s failed for good: %s", row.pk, row.email, error)

    def retry(self, row: Outbox, error: str) -> None:
        attempts = row.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            return self.failed(row, f"gave up after {attempts} attempts: {error}")
        self._mine(row).update(
            state=OutboxState.PENDING,
            attempts=attempts,
            available_at=timezone.now() + backoff(attempts),
            claim_token="",
            last_error=error,
        )
        self.counts["retry"] += 1

    def release(self) -> None:
        """Rows not tried (the connection dropped): due again at once, no attempt counted."""
        n = Outbox.objects.filter(claim_token=self.token, state=OutboxState.SENDING).update(
            state=OutboxState.PENDING, claim_token=""
        )
        self.counts["released"] += n


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _permanent(exc: Exception) -> bool:
    """A 5xx refusal of this recipient or of this message; the sender refused, or the
    server itself failing, is a configuration or outage to wait out, not this row's fault."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return isinstance(exc, ValueError)  # an address Django refuses to put on the wire


def _connection_lost(exc: Exception) -> bool:
    return isinstance(exc, smtplib.SMTPServerDisconnected) or (
        isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)
    )


def deliver_batch(limit: int = BATCH_SIZE) -> Counter[str] | None:
    """Claim, render and send one batch; its counts, or None when nothing was due."""
    token = claim(limit)
    if token is None:
        return None
    batch = Batch(token)
    rows = claimed_rows(token)
    lookups = Lookups.load(rows)
    ready: list[tuple[Outbox, EmailMultiAlternatives]] = []
    for row in rows:
        try:
            ready.append((row, build(row, lookups)))
        except Undeliverable as exc:
            batch.failed(row, f"not sent: {exc}")
        except Exception as exc:  # a rendering bug: retried, so a fix sends it later
            logger.exception("outbox %s: cannot render %s", row.pk, row.kind)
            batch.retry(row, f"rendering failed: {_describe(exc)}")
    if not ready:
        return batch.counts
    mailer = mailers.default
    try:
        mailer.open()
    except Exception as exc:
        error = f"mail server unavailable: {_describe(exc)}"
        logger.warning("outbox: %s", error)
        for row, _message in ready:
            batch.retry(row, error)
        return batch.counts
    try:
        for row, message in ready:
            try:
                mailer.send_messages([message])
            except Exception as exc:
                if _permanent(exc):
                    batch.failed(row, _describe(exc))
                    continue
                batch.retry(row, _describe(exc))
                if _connection_lost(exc):
                    break
            else:
                batch.sent(row)
    finally:
        batch.release()
        try:
            mailer.close()
        except Exception:  # closing a connection the server already dropped
            logger.debug("outbox: closing the mail connection failed", exc_info=True)
    return batch.counts


def deliver_due(max_batches: int = MAX_BATCHES, limit: int = BATCH_SIZE) -> dict[str, int]:
    """Settle the stale claims, then deliver batches until none is due, a batch only
    retries (the server is down: no point hammering it) or `max_batches` is reached."""
    totals: Counter[str] = Counter()
    totals["requeued"] = requeue_stale()
    for _ in range(max_batches):
        counts = deliver_batch(limit)
        if counts is None:
            break
        totals.update(counts)
        if not counts["sent"] and not counts["failed"]:
            break
    return {k: totals[k] for k in ("sent", "retry", "failed", "released", "requeued")}
