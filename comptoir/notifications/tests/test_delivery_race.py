# covers: NOT-7, X-5
"""Several delivery workers at once on PostgreSQL (the scale-out setup): each claims its
own rows (SKIP LOCKED and a conditional update), so every mail leaves exactly once.
PostgreSQL only: SQLite serialises whole transactions."""

from __future__ import annotations

import pytest

from comptoir.conftest import ensure_presets, pg_only
from comptoir.notifications.delivery import deliver_due
from comptoir.notifications.models import Outbox, OutboxState
from comptoir.tickets.tests.helpers import file_ticket
from comptoir.tickets.tests.test_race import at_once

pytestmark = [pg_only(), pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def _presets_back_after_the_flush(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        ensure_presets()


def test_concurrent_deliveries_send_each_row_once(world, smtp):
    ensure_presets()
    for i in range(25):
        file_ticket(world.customer if i % 2 else world.colleague, "itil", title=f"Panne {i}")
    total = Outbox.objects.count()
    assert total >= 100

    results = at_once(4, lambda _i: deliver_due(limit=10))

    assert all(state == "ok" for state, _r in results), results
    assert sum(r["sent"] for _s, r in results) == total
    assert sum(1 for _s, r in results if r["sent"]) >= 2  # the work was actually shared
    assert set(Outbox.objects.values_list("state", flat=True)) == {OutboxState.SENT}
    sent = [e.message["Message-ID"] for e in smtp.envelopes]
    assert len(sent) == len(set(sent)) == total
    assert set(sent) == set(Outbox.objects.values_list("message_id", flat=True))
