"""Signing a delivery and checking the signature (what a receiver does, docs/webhooks.md).

The signature is HMAC-SHA256, keyed with the webhook's secret, over
`"<timestamp>.<body>"`: the timestamp (Unix seconds, sent in `X-Comptoir-Timestamp`) is
signed with the body, so a captured delivery cannot be replayed later with a new time.
"""

from __future__ import annotations

import hashlib
import hmac
import time

PREFIX = "sha256="


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The `X-Comptoir-Signature` header value of `body` sent at `timestamp`."""
    message = str(timestamp).encode() + b"." + body
    return PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: int | str,
    body: bytes,
    signature: str,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """True when `signature` is ours for exactly this body and time, and the time is within
    `tolerance` seconds of now (a replay of an old delivery is refused)."""
    try:
        sent = int(str(timestamp))
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), str(signature))
