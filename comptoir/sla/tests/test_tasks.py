# covers: SLA-2, X-4
"""The `sla_watch` job: one indexed query finds the due tickets, batch by batch, and the
cost grows with the tickets due, not with the tickets there are."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.sla import tasks
from comptoir.sla.models import SlaAlert
from comptoir.tickets.tests.helpers import file_ticket

from .conftest import paris, prio, watch

PER_TICKET = 5  # a warning: alert, event, webhooks, mutes, outbox rows
# Once per batch: the policies, the calendar's hours and closed days, the service's managers
# told of an alert (core/readcache.py); the transaction (savepoint and release under the
# test's transaction), the rows locked, read, their status events and recorded alerts; one
# UPDATE per set of SLA columns changed (here one: every ticket got the same warning).
PER_BATCH = 4 + 6 + 1


def file_many(world, clock, n: int) -> None:
    clock(2026, 11, 27, 16)
    for _ in range(n):
        file_ticket(world.customer, "spt", priority=prio("bloquante"))


def queries_of_a_run() -> tuple[int, dict[str, int]]:
    with CaptureQueriesContext(connection) as ctx:
        result = watch()
    return len(ctx.captured_queries), result


def test_tickets_far_from_a_threshold_cost_one_query(world, clock):
    file_many(world, clock, 6)
    file_ticket(world.agent, "spt", type="patch", affected=world.customer)  # no SLA at all
    clock(2026, 11, 30, 10, 11)
    assert queries_of_a_run() == (1, {"checked": 0, "warnings": 0, "breaches": 0, "skipped": 0})


def test_the_cost_grows_with_the_tickets_due_only(world, clock):
    file_many(world, clock, 2)
    clock(2026, 11, 30, 10, 12)
    small, result = queries_of_a_run()
    assert result["warnings"] == 2
    file_many(world, clock, 5)
    clock(2026, 11, 30, 10, 12)
    large, result = queries_of_a_run()
    assert result["warnings"] == 5
    per_ticket = (large - small) / 3
    assert per_ticket == int(per_ticket) and per_ticket <= PER_TICKET
    # One candidate query and the configuration, once for the batch.
    assert small == 1 + PER_BATCH + 2 * per_ticket
    assert queries_of_a_run()[0] == 1  # and nothing left: one query again


def test_batches_follow_the_keyset_and_visit_every_due_ticket_once(world, clock, monkeypatch):
    monkeypatch.setattr(tasks, "BATCH", 2)
    file_many(world, clock, 5)
    clock(2026, 11, 30, 11)  # first response breached: one breach each, no late warning
    assert watch() == {"checked": 5, "warnings": 0, "breaches": 5, "skipped": 0}
    assert SlaAlert.objects.filter(level="breach").count() == 5
    assert watch()["checked"] == 0


def test_due_tickets_reads_the_next_alert_column(world, clock):
    file_many(world, clock, 3)
    at = paris(2026, 11, 30, 10, 12)
    assert tasks.due_tickets(at.replace(minute=11)) == []
    first, second, third = tasks.due_tickets(at)
    assert [t.pk for t in tasks.due_tickets(at, (first.sla_next_alert_at, first.pk))] == [
        second.pk,
        third.pk,
    ]
