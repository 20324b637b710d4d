# covers: SLA-2
"""Several workers running the watch at the same instant (a retried slot, two schedulers)
record each warning once: the row lock serialises them on a ticket, the second one finds
the alert recorded. PostgreSQL only: SQLite serialises whole transactions."""

from __future__ import annotations

import pytest

from comptoir.conftest import ensure_presets, pg_only
from comptoir.sla.models import SlaAlert
from comptoir.tickets.models import Event
from comptoir.tickets.tests.helpers import file_ticket
from comptoir.tickets.tests.test_race import at_once

from .conftest import prio, watch

pytestmark = [pg_only(), pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def _presets_back_after_the_flush(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        ensure_presets()


def test_concurrent_watches_record_each_alert_once(world, clock):
    ensure_presets()
    clock(2026, 11, 27, 16)
    tickets = [file_ticket(world.customer, "spt", priority=prio("bloquante")) for _ in range(3)]
    clock(2026, 11, 30, 10, 12)

    results = at_once(4, lambda _i: watch())

    assert all(state == "ok" for state, _r in results), results
    assert sum(r["warnings"] for _s, r in results) == 3
    assert SlaAlert.objects.count() == 3
    assert Event.objects.filter(kind="sla_warning").count() == 3
    assert {a.ticket_id for a in SlaAlert.objects.all()} == {t.pk for t in tickets}
