"""Posting webhook deliveries: each one accepted once by its receiver, or failed with why.

Claims work as for the mail outbox (comptoir/notifications/delivery.py): a worker takes a
batch of due rows with a conditional UPDATE to "sending" under its claim token, reading
candidates `FOR UPDATE SKIP LOCKED` on PostgreSQL so workers running at once take
disjoint batches. Each row is posted with a short timeout and its outcome written at once:

- a 2xx answer → "sent";
- anything else (refused connection, timeout, 3xx, 4xx, 5xx) → back to pending with
  `attempts + 1` and `available_at` pushed by the backoff (1, 2, 4 … minutes, at most an
  hour), "failed" after `MAX_ATTEMPTS` (about a day). The status code, the error and the
  start of the response are kept for the administrator.

Once a receiver failed to answer, its other rows in the batch wait for the next try
instead of each paying the timeout. Rows left "sending" by a dead worker go back to
pending after `CLAIM_TIMEOUT`, counted as an attempt. Redirects are not followed: a
receiver that moved is a configuration to fix, and a signed body is not re-posted
elsewhere.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from comptoir.core import claims
from comptoir.webhooks.models import DeliveryState, WebhookDelivery
from comptoir.webhooks.signing import sign

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_BATCHES = 20
CLAIM_TIMEOUT = timedelta(minutes=10)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 24  # 1+2+…+32 minutes, then hourly: about 19 hours of trying
EXCERPT = 1000  # characters of the response kept in the log
USER_AGENT = "Comptoir-Webhooks/1"


def timeout() -> float:
    return float(getattr(settings, "COMPTOIR_WEBHOOK_TIMEOUT", 10))


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4 … minutes, at most an hour."""
    return claims.backoff(attempts, BACKOFF_CAP)


def body_of(row: WebhookDelivery) -> bytes:
    """The bytes posted, the same at every attempt (the signature covers them)."""
    return json.dumps(
        row.payload, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False
    ).encode()


@dataclass
class Answer:
    status: int | None  # None: no HTTP answer at all
    excerpt: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx comes back as an HTTPError: a failed attempt


_opener = urllib.request.build_opener(_NoRedirect)


def post(row: WebhookDelivery, now: float | None = None) -> Answer:
    """Post one delivery, signed for the current time; never raises."""
    if urlsplit(row.webhook.url).scheme not in ("http", "https"):  # never file: or ftp:
        return Answer(None, "", f"unsupported URL: {row.webhook.url}"[:2000])
    body = body_of(row)
    stamp = int(time.time() if now is None else now)
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        row.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Comptoir-Event": row.kind,
            "X-Comptoir-Delivery": str(row.pk),
            "X-Comptoir-Timestamp": str(stamp),
            "X-Comptoir-Signature": sign(row.webhook.secret, stamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=timeout()) as response:
            text = response.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
            return Answer(response.status, text)
    except urllib.error.HTTPError as exc:
        try:
            text = exc.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
        except Exception:  # the body could not be read; the status is what matters
            text = ""
        return Answer(exc.code, text, f"HTTP {exc.code} {exc.reason}")
    except Exception as exc:  # refused, unreachable, timeout, TLS, bad URL
        reason = getattr(exc, "reason", exc)
        return Answer(None, "", f"{type(reason).__name__}: {reason}"[:2000])


def requeue_stale(now: datetime | None = None) -> int:
    """Rows a worker claimed and never settled (it died) are due again."""
    back, failed = claims.requeue_stale(
        WebhookDelivery,
        now=now or timezone.now(),
        timeout=CLAIM_TIMEOUT,
        max_attempts=MAX_ATTEMPTS,
    )
    return back + failed


def claim(limit: int = BATCH_SIZE, now: datetime | None = None) -> str | None:
    """Take up to `limit` due rows for this worker; its claim token, or None if none."""
    return claims.claim(WebhookDelivery, limit=limit, now=now or timezone.now())


def _settle(row: WebhookDelivery, token: str, answer: Answer, counts: Counter[str]) -> None:
    mine = WebhookDelivery.objects.filter(pk=row.pk, claim_token=token, state=DeliveryState.SENDING)
    now = timezone.now()
    common = {
        "claim_token": "",
        "last_attempt_at": now,
        "last_status_code": answer.status,
        "response_excerpt": answer.excerpt,
    }
    attempts = row.attempts + 1
    if answer.ok:
        mine.update(state=DeliveryState.SENT, sent_at=now, attempts=attempts, **common)
        counts["sent"] += 1
        return
    error = answer.error or f"HTTP {answer.status}"
    if attempts >= MAX_ATTEMPTS:
        mine.update(
            state=DeliveryState.FAILED,
            attempts=attempts,
            last_error=f"gave up after {attempts} attempts: {error}",
            **common,
        )
        counts["failed"] += 1
        logger.warning("webhook delivery %s to %s failed: %s", row.pk, row.webhook.url, error)
        return
    mine.update(
        state=DeliveryState.PENDING,
        attempts=attempts,
        available_at=now + backoff(attempts),
        last_error=error,
        **common,
    )
    counts["retry"] += 1


def deliver_batch(limit: int = BATCH_SIZE) -> Counter[str] | None:
    """Claim and post one batch; its counts, or None when nothing was due."""
    token = claim(limit)
    if token is None:
        return None
    counts: Counter[str] = Counter()
    rows = WebhookDelivery.objects.filter(claim_token=token).select_related("webhook")
    down: dict[int, Answer] = {}  # webhooks that gave no HTTP answer in this batch
    for row in rows.order_by("available_at", "pk"):
        answer = down.get(row.webhook_id) or post(row)
        if answer.status is None:
            down[row.webhook_id] = answer
        _settle(row, token, answer, counts)
    return counts


def deliver_due(max_batches: int = MAX_BATCHES, limit: int = BATCH_SIZE) -> dict[str, int]:
    """Settle stale claims, then post batches until none is due, a batch only retries
    (receivers down: no point insisting now) or `max_batches` is reached."""
    totals: Counter[str] = Counter()
    totals["requeued"] = requeue_stale()
    for _ in range(max_batches):
        counts = deliver_batch(limit)
        if counts is None:
            break
        totals.update(counts)
        if not counts["sent"] and not counts["failed"]:
            break
    return {k: totals[k] for k in ("sent", "retry", "failed", "requeued")}


def resend(queryset) -> int:
    """Make deliveries due again now, with a fresh count of attempts (the admin's
    "send again"); rows being sent are left alone."""
    n = queryset.exclude(state=DeliveryState.SENDING).update(
        state=DeliveryState.PENDING,
        attempts=0,
        available_at=timezone.now(),
        claim_token="",
    )
    if n:
        from comptoir.webhooks.outbox import schedule_delivery

        schedule_delivery()
    return n
