# covers: TEN-2, POR-2, POR-3, TIC-8, X-4
"""The reads cost a fixed number of queries, whatever the number of tickets or events:
ten times more rows must not mean one more query (no N+1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
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


@pytest.mark.parametrize("read", sorted(READS))
def test_ticket_list_query_count_does_not_grow_with_tickets(
    world, read, django_assert_max_num_queries
):
    VisibilityGrant.objects.create(user=world.other_site, organisation=world.org_a, division="Sud")
    fill(world, 3)
    few_rows = show_rows(READS[read](world))
    few = queries(lambda: show_rows(READS[read](world)))
    fill(world, 27)
    many_rows = show_rows(READS[read](world))
    assert len(many_rows) > len(few_rows) > 0
    assert queries(lambda: show_rows(READS[read](world))) == few
    with django_assert_max_num_queries(2):  # the list, plus the actor's grants for customers
        show_rows(READS[read](world))


@pytest.mark.parametrize("actor", ["agent", "customer"])
def test_ticket_get_query_count_does_not_grow_with_tickets(
    world, actor, django_assert_max_num_queries
):
    fill(world, 3)
    t = file_ticket(world.customer, "itil")
    person = getattr(world, actor)
    few = queries(lambda: show_ticket(ticket_get(actor=person, key=t.key)))
    fill(world, 27)
    assert queries(lambda: show_ticket(ticket_get(actor=person, key=t.key))) == few
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


@pytest.mark.parametrize("actor", ["agent", "customer"])
def test_timeline_query_count_does_not_grow_with_events(
    world, actor, django_assert_max_num_queries
):
    t = file_ticket(world.customer, "spt")
    person = getattr(world, actor)
    _add_events(world, t, 4)  # 5 events with the creation
    few_rows = show_timeline(timeline(actor=person, ticket=t))
    few = queries(lambda: show_timeline(timeline(actor=person, ticket=t)))
    _add_events(world, t, 45)  # 50 events
    many_rows = show_timeline(timeline(actor=person, ticket=t))
    assert len(many_rows) > 5 * len(few_rows) / 2
    assert queries(lambda: show_timeline(timeline(actor=person, ticket=t))) == few
    assert queries(lambda: [c.author.username for c in comment_list(actor=person, ticket=t)]) == few
    with django_assert_max_num_queries(2):
        show_timeline(timeline(actor=person, ticket=t))
