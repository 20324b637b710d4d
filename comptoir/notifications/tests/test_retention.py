# covers: NOT-7
"""Outbox retention: finished rows older than the retention age go, in batches; rows still
to send or being sent stay whatever their age, and so does the ticket they were about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.core import batches
from comptoir.notifications import retention
from comptoir.notifications.models import Outbox, OutboxState
from comptoir.tickets.models import Event, Ticket
from comptoir.tickets.tests.helpers import file_ticket

NOW = datetime(2026, 6, 1, 3, 17, tzinfo=UTC)
DAY = timedelta(days=1)


def row(ticket: Ticket, state: str, age: timedelta, **kw) -> Outbox:
    return Outbox.objects.create(
        kind="ticket_created",
        organisation_id=ticket.organisation_id,
        ticket=ticket,
        event=ticket.events.order_by("pk").first(),
        email="someone@example.test",
        state=state,
        created_at=NOW - age,
        available_at=NOW - age,
        **kw,
    )


@pytest.fixture
def ticket(world):
    t = file_ticket(world.customer)
    Outbox.objects.all().delete()  # only this test's rows from here on
    return t


def test_old_finished_rows_go_and_everything_else_stays(ticket):
    old_sent = row(ticket, OutboxState.SENT, 91 * DAY, sent_at=NOW - 91 * DAY)
    old_failed = row(ticket, OutboxState.FAILED, 400 * DAY, attempts=48)
    kept = [
        row(ticket, OutboxState.SENT, 89 * DAY, sent_at=NOW - 89 * DAY),
        row(ticket, OutboxState.FAILED, 90 * DAY - timedelta(seconds=1)),
        row(ticket, OutboxState.PENDING, 400 * DAY),  # never sent yet: still owed
        row(ticket, OutboxState.SENDING, 400 * DAY, claim_token="w1"),  # a worker holds it
    ]
    events = list(Event.objects.filter(ticket=ticket).values_list("pk", flat=True))

    assert retention.prune(NOW) == {"outbox": 2}

    assert set(Outbox.objects.values_list("pk", flat=True)) == {r.pk for r in kept}
    assert not Outbox.objects.filter(pk__in=[old_sent.pk, old_failed.pk]).exists()
    # The ticket and its timeline are the rows' parents, not their children: all there.
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert list(Event.objects.filter(ticket=ticket).values_list("pk", flat=True)) == events
    connection.check_constraints()
    assert retention.prune(NOW) == {"outbox": 0}  # idempotent


def test_rows_without_a_ticket_are_pruned_too(ticket):
    report = row(ticket, OutboxState.SENT, 100 * DAY, key="daily:1:all:2026-02-20:08")
    Outbox.objects.filter(pk=report.pk).update(ticket=None, event=None)
    assert retention.prune(NOW) == {"outbox": 1}
    assert not Outbox.objects.exists()


def test_many_rows_are_deleted_a_batch_at_a_time(ticket, monkeypatch):
    monkeypatch.setattr(batches, "PRUNE_BATCH", 2)
    for _ in range(5):
        row(ticket, OutboxState.SENT, 100 * DAY)
    recent = row(ticket, OutboxState.SENT, DAY)
    with CaptureQueriesContext(connection) as ctx:
        assert retention.prune(NOW) == {"outbox": 5}
    deletes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 2 + 2 + 1, each in its own short transaction
    assert list(Outbox.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_age_is_a_setting(ticket, settings):
    settings.COMPTOIR_RETAIN_OUTBOX_DAYS = 7
    row(ticket, OutboxState.SENT, 8 * DAY)
    kept = row(ticket, OutboxState.SENT, 6 * DAY)
    assert retention.prune(NOW) == {"outbox": 1}
    assert list(Outbox.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.parametrize("value", [0, -3, "soon", float("nan")])
def test_a_wrong_age_is_refused_before_anything_is_deleted(ticket, settings, value):
    settings.COMPTOIR_RETAIN_OUTBOX_DAYS = value
    old = row(ticket, OutboxState.SENT, 1000 * DAY)
    with pytest.raises(ImproperlyConfigured, match="COMPTOIR_RETAIN_OUTBOX_DAYS"):
        retention.prune(NOW)
    assert Outbox.objects.filter(pk=old.pk).exists()
