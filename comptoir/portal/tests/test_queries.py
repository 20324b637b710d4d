# covers: POR-2, POR-3, TIC-8
"""Each page's SQL query count is bounded: ten times more tickets or events must not mean
one more query (no N+1)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.tickets import actions

from .helpers import client_for, file_ticket, ticket_url, upload

# Session (read and save), user, the page's own reads, each selector re-scoping through
# visible_tickets (one query for the grants each): fixed whatever the data.
MAX_LIST = 10
MAX_TICKET = 20


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def fill(world, n: int) -> None:
    for i in range(n):
        t = file_ticket(world.customer, ("spt", "ent", "itil", "n123")[i % 4], title=f"Panne {i}")
        if i % 2:
            actions.ticket_take(actor=world.agent, ticket=t)


def test_my_tickets_query_count_does_not_grow_with_tickets(world):
    client = client_for(world.customer)
    url = reverse("portal:tickets")
    fill(world, 3)
    few = [count(client, url), count(client, url + "?closed=1&q=Panne")]
    fill(world, 27)
    many = [count(client, url), count(client, url + "?closed=1&q=Panne")]
    assert many == few
    # A search adds the people it names and, on PostgreSQL, the estimate of the words'
    # matches and, for a rare word, their ids (search.selectors._pg_words).
    assert many[0] <= MAX_LIST
    assert many[1] <= MAX_LIST + 3


def add_events(world, ticket, n: int) -> None:
    for i in range(n):
        who = (world.agent, world.customer, world.agent2)[i % 3]
        internal = who != world.customer and i % 2 == 0
        actions.ticket_comment(
            actor=who,
            ticket=ticket,
            body=f"Message {i}",
            internal=internal,
            files=[] if internal else [upload(f"f{i}.txt")],
        )


def test_ticket_page_query_count_does_not_grow_with_events(world):
    t = file_ticket(world.customer, "itil")
    actions.ticket_invite(actor=world.agent, ticket=t, user=world.customer_manager)
    client = client_for(world.customer)
    add_events(world, t, 4)  # with the creation: 5 events
    few = count(client, ticket_url(t))
    add_events(world, t, 45)  # 50 events, guests, attachments
    many = count(client, ticket_url(t))
    assert many == few
    assert many <= MAX_TICKET


def test_new_request_page_query_count_is_bounded(world):
    client = client_for(world.customer)
    assert count(client, reverse("portal:new")) <= MAX_LIST
    assert (
        count(client, reverse("portal:new_ticket", kwargs={"desk": "itil", "type": "incident"}))
        <= MAX_TICKET
    )


def test_profile_query_count_is_bounded(world):
    assert count(client_for(world.customer), reverse("portal:profile")) <= MAX_LIST
