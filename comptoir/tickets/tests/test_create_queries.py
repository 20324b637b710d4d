"""Creating a ticket costs a fixed number of queries, however many agents watch its
service or follow it permanently (no query per recipient)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.accounts.models import Role
from comptoir.catalog.models import PermanentGuest, Service
from comptoir.conftest import make_user, member

from .helpers import file_ticket

# ticket_create by a customer on spt, as counted inside the test's transaction (the
# transaction's own BEGIN/COMMIT and the delivery enqueued on commit come on top).
CREATE_QUERIES = 21


def _create_queries(actor) -> int:
    with CaptureQueriesContext(connection) as ctx:
        file_ticket(actor)
    return len(ctx.captured_queries)


def test_ticket_create_costs_a_fixed_number_of_queries(world):
    file_ticket(world.customer)  # warm: the first ticket of the desk reads nothing more
    assert _create_queries(world.customer) == CREATE_QUERIES


def _watchers(world, service: Service, start: int, n: int) -> None:
    """`n` more agents of the service, every other one also a permanent guest."""
    for i in range(start, start + n):
        agent = make_user(f"watcher{i}", Role.AGENT, organisation=world.provider)
        member(agent, "spt", service.slug)
        if i % 2:
            PermanentGuest.objects.create(service=service, user=agent)


def test_more_watchers_and_permanent_guests_cost_no_more_queries(world):
    service = file_ticket(world.customer).service
    _watchers(world, service, 0, 2)
    before = _create_queries(world.customer)  # one insert of guests on top of the plain count
    assert before == CREATE_QUERIES + 1
    _watchers(world, service, 2, 6)
    assert _create_queries(world.customer) == before
    t = file_ticket(world.customer)
    assert t.guests.filter(permanent=True).count() == 4
    assert t.outbox.filter(recipient__username__startswith="watcher").count() == 8
