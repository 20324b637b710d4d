# covers: X-4, TIC-8
"""Each console page costs a fixed number of SQL queries: ten times more tickets or events
must not mean one more query (no N+1)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.catalog.models import Service
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

from .conftest import ticket_url

QUEUE_MAX = 12  # the six tabs are counted in one statement (selectors.queue_counts)
# A search adds the people it names and, on PostgreSQL, the estimate of the words'
# matches and, for a rare word, their ids (search.selectors._pg_words).
SEARCH_QUERIES = 3
# The ticket page reads the service's roster once (how the agent stands to the ticket, the
# assignees, the time panel's timer) and the workflow's moves once (core/readcache.py); the
# side column adds the quotes, the time entries and the monthly tasks, whatever their number.
# ITIL adds the type an incident converts into and the waiting reasons its moves ask for, a
# ticket naming a CI the contracts covering it (the demo's ITIL tickets have both).
# Two of these are the savepoints around the session's save in a test's transaction.
TICKET_MAX = 22


def count(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def fill(world, n: int) -> None:
    """n tickets over three desks and two customers, half of them taken, some guests."""
    for i in range(n):
        who = (world.customer, world.colleague)[i % 2]
        t = file_ticket(who, ("spt", "ent", "itil")[i % 3], title=f"Panne {i}")
        if i % 2:
            actions.ticket_take(actor=world.agent, ticket=t)
        if i % 5 == 0:
            actions.ticket_invite(actor=world.agent2, ticket=t, user=world.agent)


QUEUE_URLS = [
    "/console/",
    "/console/?queue=mine",
    "/console/?queue=all&sort=priority",
    "/console/?queue=all&state=any&sort=status",
    "/console/?queue=following",
    "/console/?queue=waiting&q=Panne",
]


def test_queue_pages_cost_the_same_with_3_or_30_tickets(
    world, login, django_assert_max_num_queries
):
    c = login(world.agent)
    fill(world, 3)
    few = {url: count(c, url) for url in QUEUE_URLS}
    few_fragment = count(c, "/console/?queue=all", HTTP_HX_REQUEST="true")
    fill(world, 27)
    many = {url: count(c, url) for url in QUEUE_URLS}
    assert many == few
    assert count(c, "/console/?queue=all", HTTP_HX_REQUEST="true") == few_fragment
    for url in QUEUE_URLS:
        with django_assert_max_num_queries(QUEUE_MAX + (SEARCH_QUERIES if "q=" in url else 0)):
            c.get(url)


def test_the_ticket_page_costs_the_same_with_5_or_50_events(
    world, login, django_assert_max_num_queries
):
    fill(world, 3)
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)

    def add(n: int) -> None:
        for i in range(n):
            who = (world.agent, world.customer, world.agent2)[i % 3]
            actions.ticket_comment(
                actor=who, ticket=t, body=f"Message {i}", internal=(who == world.agent2)
            )

    add(4)  # 5 events with the creation
    actions.ticket_invite(actor=world.agent, ticket=t, user=world.colleague)
    few = count(c, ticket_url(t))
    add(45)
    actions.ticket_invite(actor=world.agent, ticket=t, user=world.agent2)
    fill(world, 27)
    assert count(c, ticket_url(t)) == few
    with django_assert_max_num_queries(TICKET_MAX):
        c.get(ticket_url(t))


def test_the_ticket_page_of_each_preset_is_bounded(world, login, django_assert_max_num_queries):
    c = login(world.agent)
    for desk in ("spt", "ent", "itil", "n123"):
        t = file_ticket(world.customer, desk)
        for _ in range(10):
            actions.ticket_comment(actor=world.agent, ticket=t, body="x")
        with django_assert_max_num_queries(TICKET_MAX):
            c.get(ticket_url(t))


def test_service_pages_are_bounded(world, login, django_assert_max_num_queries):
    dsi = Service.objects.get(desk__slug="ent", slug="dsi")
    c = login(world.manager)
    url = reverse("console:service", kwargs={"pk": dsi.pk})
    few = count(c, url)
    from comptoir.conftest import make_user, member

    for i in range(10):
        member(make_user(f"agent{i}", "agent", organisation=world.provider), "ent", "dsi")
    assert count(c, url) == few
    few_prefs = count(c, "/console/preferences/")
    with django_assert_max_num_queries(20):
        c.get(url)
    assert count(c, "/console/preferences/") == few_prefs


def test_the_other_pages_are_bounded(world, login, django_assert_max_num_queries):
    fill(world, 5)
    dsi = Service.objects.get(desk__slug="ent", slug="dsi")
    c = login(world.manager)
    pages = [
        reverse("console:new"),
        reverse("console:new_desk", kwargs={"desk": "ent"}),
        reverse("console:services"),
        reverse("console:category", kwargs={"pk": dsi.pk, "category": dsi.categories.first().pk}),
        reverse("console:member_preferences", kwargs={"pk": dsi.pk, "user_id": world.agent.pk}),
        reverse("console:people") + "?q=al",
    ]
    for url in pages:
        with django_assert_max_num_queries(12):
            assert c.get(url).status_code == 200, url
