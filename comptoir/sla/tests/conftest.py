"""Time travel and SPT tickets for the SLA alert tests.

The preset calendar: Monday to Friday 09:00–12:00 and 13:00–18:00, Europe/Paris. "bloquante"
gives 4 business hours to the first response and 8 to the resolution, warned at 80 %
(3 h 12 and 6 h 24). Friday 2026-11-27, Monday 2026-11-30: no public holiday around.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from comptoir.catalog.models import Priority
from comptoir.conftest import paris as paris  # the tests' Paris moments; `clock` is there too
from comptoir.sla.models import SlaAlert
from comptoir.sla.tasks import sla_watch
from comptoir.tickets.models import Ticket
from comptoir.tickets.tests.helpers import file_ticket


def prio(code: str) -> Priority:
    return Priority.objects.get(desk__slug="spt", code=code)


def reload(ticket: Ticket) -> Ticket:
    ticket.refresh_from_db()
    return ticket


def watch() -> dict[str, int]:
    return sla_watch.call()


def alerts(ticket: Ticket) -> list[tuple[str, str, datetime]]:
    qs = SlaAlert.objects.filter(ticket_id=ticket.pk).order_by("due_at", "id")
    return list(qs.values_list("target", "level", "due_at"))


@pytest.fixture
def friday_ticket(world, clock):
    """alice's "bloquante" support request, filed Friday 16:00 (2 business hours left that day)."""

    def make(priority: str = "bloquante", **kw) -> Ticket:
        clock(2026, 11, 27, 16)
        return reload(file_ticket(world.customer, "spt", priority=prio(priority), **kw))

    return make
