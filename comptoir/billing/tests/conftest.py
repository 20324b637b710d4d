"""Time tests' helpers: seed 004's assistance ticket, and a snapshot of every row a time
action may write (to prove a refusal wrote nothing). The presets, the `world`, the Paris
`clock` and the signed-in clients (`login`) come from comptoir/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest

from comptoir.accounts.models import User
from comptoir.billing.models import Statement, TimeEntry, Timer, TimeTask
from comptoir.billing.tests.test_statements import in_february  # noqa: F401 (fixture)
from comptoir.tickets.models import Event, Ticket
from comptoir.tickets.tests.helpers import file_ticket

# The statements' pages, files and API run on 10 February 2026 in Paris: January has ended,
# February has not (`pytestmark = ON_10_FEBRUARY`).
ON_10_FEBRUARY = [pytest.mark.django_db, pytest.mark.usefixtures("in_february")]


@pytest.fixture
def n123(world) -> Ticket:
    """Seed 004: a customer files a user-assistance request on the n123 desk."""
    return file_ticket(world.customer, "n123", title="Création de l'utilisateur Fabrice")


def issue(org, month: date, admin: User) -> Statement:
    """An issued statement, as the statements' action would leave it: the month's entries
    of the organisation carry it."""
    st = Statement.objects.create(
        organisation=org,
        month=month,
        number=f"{month:%Y-%m}-{org.code.upper()}",
        issued_by=admin,
    )
    TimeEntry.objects.filter(organisation=org, period=month, statement__isnull=True).update(
        statement=st
    )
    return st


TRACKED = (TimeEntry, TimeTask, Timer, Event)


def snapshot() -> dict[str, Any]:
    return {
        "rows": {m.__name__: m.objects.count() for m in TRACKED},
        "entries": list(
            TimeEntry.objects.order_by("pk").values_list(
                "pk", "minutes", "worked_on", "note", "billable", "period", "task_id"
            )
        ),
        "timers": list(Timer.objects.order_by("pk").values_list("pk", "ticket_id", "started_at")),
    }


@contextmanager
def unchanged() -> Iterator[None]:
    """`with unchanged(), pytest.raises(…):` — the refused call wrote nothing."""
    before = snapshot()
    yield
    assert snapshot() == before
