# covers: TEN-2, POR-2, POR-3, TIC-8, X-4
"""The reads cost a fixed number of queries, whatever the number of tickets or events:
ten times more rows must not mean one more query (no N+1)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.accounts.models import VisibilityGrant
from comptoir.tickets import actions
from comptoir.tickets.selectors import (
    TicketFilters,
    comment_list,
    ticket_get,
    ticket_list,
    timeline,
)

from .helpers import file_ticket


def queries(read: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        read()
    return len(ctx.captured_queries)


def show_rows(rows) -> list:
    """What a list page prints for each row."""
    return [
        (
            t.key,
            t.title,
            t.status.name,
            t.status.awaiting,
            t.priority.name,
            t.type.name,
            t.category.service.name,
            t.category.name,
            t.assignee and t.assignee.username,
            t.affected.username,
            t.desk.key_prefix,
        )
        for t in rows
    ]


def show_ticket(t) -> tuple:
    """What a ticket page prints of the ticket itself."""
    return (
        t.key,
        t.status.meaning,
        t.type.workflow.name,
        t.reporter.username,
        t.created_by.username,
        t.site and t.site.name,
        t.organisation.name,
        t.level,
        t.ci,
        t.waiting_reason,
        show_rows([t]),
    )


def show_timeline(events) -> list:
    return [
        (e.kind, e.actor and e.actor.username, e.comment and e.comment.body, e.data) for e in events
    ]


def fill(world, n: int) -> None:
    """n tickets of alice's and colleagues', half of them taken by gaston."""
    for i in range(n):
        who = (world.customer, world.colleague)[i % 2]
        t = file_ticket(
            who, ("spt", "ent", "itil")[i % 3], title=f"Panne {i}", personal_reference=f"PO-{i}"
        )
        if i % 2:
            actions.ticket_take(actor=world.agent, ticket=t)


READS = {
    "agent queue": lambda w: ticket_list(actor=w.agent, filters=TicketFilters()),
    "agent, mine": lambda w: ticket_list(actor=w.agent, filters=TicketFilters(assigned_to_me=True)),
    "agent, free": lambda w: ticket_list(actor=w.agent2, filters=TicketFilters(unassigned=True)),
    "customer, my open": lambda w: ticket_list(actor=w.customer, filters=TicketFilters(mine=True)),
    "customer, all states": lambda w: ticket_list(
        actor=w.customer, filters=TicketFilters(state=None)
    ),
    "customer, search": lambda w: ticket_list(
        actor=w.customer, filters=TicketFilters(state=None, text="Panne")
    ),
    "customer manager": lambda w: ticket_list(actor=w.customer_manager),
    "granted customer": lambda w: ticket_list(
        actor=w.other_site, filters=TicketFilters(desk_id=w.desks["ent"].pk)
    ),
}


def test_ticket_list_query_count_does_not_grow_with_tickets(world, django_assert_max_num_queries):
    VisibilityGrant.objects.create(user=world.other_site, organisation=world.org_a, division="Sud")

    def measure() -> dict[str, tuple[int, int]]:
        """read → (rows, queries to list and show them)."""
        out = {}
        for name, read in READS.items():
            rows = show_rows(read(world))
            out[name] = (len(rows), queries(lambda read=read: show_rows(read(world))))
        return out

    fill(world, 3)
    few = measure()
    fill(world, 27)
    many = measure()
    for name in READS:
        assert many[name][0] > few[name][0] > 0, name
    assert {k: q for k, (_n, q) in many.items()} == {k: q for k, (_n, q) in few.items()}
    for name, read in READS.items():
        # The list, and a customer's grants; a search also reads the people it names and,
        # on PostgreSQL, the words' estimated matches and a rare word's ids.
        with django_assert_max_num_queries(2 + (3 if "search" in name else 0)):
            show_rows(read(world))


def test_ticket_get_query_count_does_not_grow_with_tickets(world, django_assert_max_num_queries):
    fill(world, 3)
    t = file_ticket(world.customer, "itil")
    people = (world.agent, world.customer, world.customer_manager)

    def measure() -> list[int]:
        # A fresh User each time: the selectors cache the actor's grants on the object.
        fresh = [type(p).objects.get(pk=p.pk) for p in people]
        return [queries(lambda p=p: show_ticket(ticket_get(actor=p, key=t.key))) for p in fresh]

    few = measure()
    fill(world, 27)
    assert measure() == few
    for person in people:
        with django_assert_max_num_queries(2):
            show_ticket(ticket_get(actor=person, pk=t.pk))


def _add_events(world, t, n: int) -> None:
    for i in range(n):
        who = (world.agent, world.customer, world.agent2)[i % 3]
        actions.ticket_comment(
            actor=who,
            ticket=t,
            body=f"Message {i}",
            internal=(who != world.customer and i % 2 == 0),
        )


def test_timeline_query_count_does_not_grow_with_events(world, django_assert_max_num_queries):
    t = file_ticket(world.customer, "spt")
    people = (world.agent, world.customer)

    def measure() -> list[tuple[int, int, int]]:
        """Per person: events shown, queries for the timeline, queries for the comments."""
        return [
            (
                len(show_timeline(timeline(actor=p, ticket=t))),
                queries(lambda p=p: show_timeline(timeline(actor=p, ticket=t))),
                queries(lambda p=p: [c.author.username for c in comment_list(actor=p, ticket=t)]),
            )
            for p in people
        ]

    _add_events(world, t, 4)  # 5 events with the creation
    few = measure()
    _add_events(world, t, 45)  # 50 events
    many = measure()
    for (n_few, *q_few), (n_many, *q_many) in zip(few, many, strict=True):
        assert n_many > n_few
        assert q_many == q_few
    for person in people:
        with django_assert_max_num_queries(2):
            show_timeline(timeline(actor=person, ticket=t))
