#
"""API token retention: tokens revoked or expired longer ago than the retention age go;
usable ones stay however old, and so do recently revoked or expired ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from comptoir.accounts.models import User
from comptoir.api import retention
from comptoir.api.actions import token_authenticate, token_create, token_revoke
from comptoir.api.models import ApiToken
from comptoir.core import batches

pytestmark = pytest.mark.django_db  # the API's cache (throttle counts) is in the database

NOW = datetime(2026, 6, 1, 3, 17, tzinfo=UTC)
DAY = timedelta(days=1)


def token(user: User, *, created: timedelta = 400 * DAY, **kw) -> tuple[ApiToken, str]:
    with time_machine.travel(NOW - created, tick=False):
        return token_create(actor=user, name="ci", **kw)


def revoked(user: User, ago: timedelta) -> ApiToken:
    t, _secret = token(user)
    with time_machine.travel(NOW - ago, tick=False):
        return token_revoke(actor=user, token_id=t.pk)


def expiring(user: User, ago: timedelta) -> ApiToken:
    """A token that expired `ago` before NOW (set while it was still in the future)."""
    t, _secret = token(user, expires_at=NOW - ago)
    return t


def test_long_revoked_or_expired_tokens_go_and_the_others_stay(world):
    gone = [revoked(world.agent, 91 * DAY), expiring(world.customer, 91 * DAY)]
    # Revoked long ago though its expiry is still ahead: unusable since, so it goes too.
    t, _ = token(world.agent, expires_at=NOW + 30 * DAY)
    with time_machine.travel(NOW - 100 * DAY, tick=False):
        gone.append(token_revoke(actor=world.admin, token_id=t.pk))
    usable, secret = token(world.agent, created=1000 * DAY)  # old, never revoked: kept
    kept = [
        usable,
        revoked(world.agent, 89 * DAY),
        expiring(world.customer, 10 * DAY),
        token(world.customer, expires_at=NOW + 5 * DAY)[0],
    ]

    assert retention.prune(NOW) == {"api_tokens": 3}

    assert set(ApiToken.objects.values_list("pk", flat=True)) == {t.pk for t in kept}
    assert User.objects.filter(pk__in=[world.agent.pk, world.customer.pk]).count() == 2
    with time_machine.travel(NOW, tick=False):
        assert token_authenticate(secret) == usable
    connection.check_constraints()
    assert retention.prune(NOW) == {"api_tokens": 0}  # idempotent


def test_many_tokens_are_deleted_a_batch_at_a_time(world, monkeypatch):
    monkeypatch.setattr(batches, "PRUNE_BATCH", 2)
    for _ in range(5):
        revoked(world.agent, 200 * DAY)
    assert retention.prune(NOW) == {"api_tokens": 5}
    assert not ApiToken.objects.exists()


def test_the_age_is_a_setting(world, settings):
    settings.COMPTOIR_RETAIN_TOKENS_DAYS = 1
    revoked(world.agent, 2 * DAY)
    kept = revoked(world.agent, DAY / 2)
    assert retention.prune(NOW) == {"api_tokens": 1}
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [kept.pk]
    settings.COMPTOIR_RETAIN_TOKENS_DAYS = 0
    with pytest.raises(ImproperlyConfigured, match="COMPTOIR_RETAIN_TOKENS_DAYS"):
        retention.prune(NOW)
