"""Time tests' helpers: seed 004's assistance ticket, a frozen clock in Paris, a snapshot of
every row a time action may write (to prove a refusal wrote nothing), and signed-in
clients. The presets and the `world` come from comptoir/conftest.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from comptoir.accounts.models import User
from comptoir.billing.models import Statement, TimeEntry, Timer, TimeTask
from comptoir.tickets.models import Event, Ticket
from comptoir.tickets.tests.helpers import file_ticket

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def clock() -> Iterator[Callable[..., datetime]]:
    """`clock(2026, 1, 15, 10)` freezes the time at that Paris moment (and moves it)."""
    traveller = None

    def go(*args: int) -> datetime:
        nonlocal traveller
        if traveller is not None:
            traveller.stop()
        moment = paris(*args)
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        return moment

    yield go
    if traveller is not None:
        traveller.stop()


@pytest.fixture
def n123(world) -> Ticket:
    """Seed 004: a customer files a user-assistance request on the n123 desk."""
    return file_ticket(world.customer, "n123", title="Création de l'utilisateur Fabrice")


@pytest.fixture
def login() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


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
