# covers: webhooks
"""Webhook delivery log retention: finished deliveries older than the retention age go, in
batches; deliveries still owed or being sent stay whatever their age, and so do the
webhook and the timeline event they report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.core import batches
from comptoir.tickets.models import Event
from comptoir.tickets.tests.helpers import file_ticket
from comptoir.webhooks import retention
from comptoir.webhooks.models import DeliveryState, Webhook, WebhookDelivery

NOW = datetime(2026, 6, 1, 3, 17, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def hook(world):
    return Webhook.objects.create(desk=world.desks["spt"], url="http://127.0.0.1:9/hook")


@pytest.fixture
def event(world, hook):
    ticket = file_ticket(world.customer)
    WebhookDelivery.objects.all().delete()  # only this test's rows from here on
    return Event.objects.filter(ticket=ticket).order_by("pk").first()


def delivery(hook: Webhook, event: Event, state: str, age: timedelta) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        webhook=hook,
        event=event,
        organisation_id=event.organisation_id,
        kind=event.kind,
        payload={"event": event.kind},
        state=state,
        created_at=NOW - age,
        available_at=NOW - age,
    )


def test_old_finished_deliveries_go_and_everything_else_stays(hook, event):
    gone = [
        delivery(hook, event, DeliveryState.SENT, 31 * DAY),
        delivery(hook, event, DeliveryState.FAILED, 200 * DAY),
    ]
    kept = [
        delivery(hook, event, DeliveryState.SENT, 29 * DAY),
        delivery(hook, event, DeliveryState.FAILED, 30 * DAY - timedelta(seconds=1)),
        delivery(hook, event, DeliveryState.PENDING, 200 * DAY),  # still owed
        delivery(hook, event, DeliveryState.SENDING, 200 * DAY),  # a worker holds it
    ]

    assert retention.prune(NOW) == {"webhook_deliveries": 2}

    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {d.pk for d in kept}
    assert not WebhookDelivery.objects.filter(pk__in=[d.pk for d in gone]).exists()
    assert Webhook.objects.filter(pk=hook.pk).exists()
    assert Event.objects.filter(pk=event.pk).exists()
    connection.check_constraints()
    assert retention.prune(NOW) == {"webhook_deliveries": 0}  # idempotent


def test_many_deliveries_are_deleted_a_batch_at_a_time(hook, event, monkeypatch):
    monkeypatch.setattr(batches, "PRUNE_BATCH", 3)
    for _ in range(7):
        delivery(hook, event, DeliveryState.SENT, 40 * DAY)
    with CaptureQueriesContext(connection) as ctx:
        assert retention.prune(NOW) == {"webhook_deliveries": 7}
    deletes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 3 + 3 + 1
    assert not WebhookDelivery.objects.exists()


def test_the_age_is_a_setting(hook, event, settings):
    settings.COMPTOIR_RETAIN_WEBHOOK_DAYS = 2
    delivery(hook, event, DeliveryState.SENT, 3 * DAY)
    kept = delivery(hook, event, DeliveryState.SENT, DAY)
    assert retention.prune(NOW) == {"webhook_deliveries": 1}
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [kept.pk]
    settings.COMPTOIR_RETAIN_WEBHOOK_DAYS = "never"
    with pytest.raises(ImproperlyConfigured, match="COMPTOIR_RETAIN_WEBHOOK_DAYS"):
        retention.prune(NOW)
    assert WebhookDelivery.objects.filter(pk=kept.pk).exists()
