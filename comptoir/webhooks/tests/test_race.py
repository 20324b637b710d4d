# covers: webhooks (issue 6)
"""Several webhook workers at once on PostgreSQL: each claims its own deliveries (SKIP
LOCKED and a conditional update), so every delivery reaches its receiver exactly once.
PostgreSQL only: SQLite serialises whole transactions."""

from __future__ import annotations

import json

import pytest

from comptoir.conftest import ensure_presets, pg_only
from comptoir.tickets.tests.helpers import file_ticket
from comptoir.tickets.tests.test_race import at_once
from comptoir.webhooks.delivery import deliver_due
from comptoir.webhooks.models import Webhook, WebhookDelivery

pytestmark = [pg_only(), pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def _presets_back_after_the_flush(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        ensure_presets()


def test_concurrent_workers_deliver_each_row_once(world, receiver):
    ensure_presets()
    Webhook.objects.create(desk=world.desks["itil"], url=receiver.url)
    for i in range(30):
        file_ticket(world.customer, "itil", title=f"Panne {i}")
    total = WebhookDelivery.objects.count()
    assert total >= 30

    results = at_once(4, lambda _i: deliver_due(limit=5))

    assert all(state == "ok" for state, _r in results), results
    assert sum(r["sent"] for _s, r in results) == total
    assert sum(1 for _s, r in results if r["sent"]) >= 2  # the work was actually shared
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"sent"}
    ids = [r.headers["X-Comptoir-Delivery"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == total
    assert {json.loads(r.body)["id"] for r in receiver.received} == set(
        WebhookDelivery.objects.values_list("event_id", flat=True)
    )
