"""Retention of personal API tokens (run by the daily `prune_old_rows` job).

A token revoked or expired long enough ago can never be used again and has stopped
being useful to look at on the token page: it goes. A token without expiry that is not
revoked stays, however old; so does one revoked or expired recently, so its owner still
sees why a client stopped working. Nothing points at a token.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from comptoir.api.models import ApiToken
from comptoir.core.batches import delete_in_batches
from comptoir.jobs.conf import positive_number


def token_days() -> float:
    """COMPTOIR_RETAIN_TOKENS_DAYS: how long revoked or expired tokens are kept (default 90)."""
    return positive_number("COMPTOIR_RETAIN_TOKENS_DAYS", 90)


def prune(now: datetime) -> dict[str, int]:
    """Delete the tokens revoked, or expired, before the retention age."""
    cutoff = now - timedelta(days=token_days())
    old = ApiToken.objects.filter(Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff))
    return {"api_tokens": delete_in_batches(old)}
