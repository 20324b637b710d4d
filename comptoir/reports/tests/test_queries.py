#
"""Each dashboard page and export runs the same number of SQL queries with 5 or 50
tickets (aggregates in the database, no query per row)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.tickets.models import Ticket

FULL = "from=2025-01-01&to=2025-03-31"
PAGES = [
    ("admin", f"{reverse('reports:dashboard')}?{FULL}"),
    ("admin", f"{reverse('reports:dashboard')}?{FULL}&bucket=day&from=2025-02-01"),
    ("dsi", f"{reverse('reports:dashboard')}?{FULL}&bucket=week"),
    ("agent", reverse("reports:me")),
    ("admin", f"{reverse('reports:export', args=['volume'])}?{FULL}"),
    ("admin", f"{reverse('reports:export', args=['times'])}?{FULL}"),
    ("admin", f"{reverse('reports:export', args=['breaches'])}?{FULL}"),
    ("admin", f"{reverse('reports:export_tickets')}?{FULL}"),
]
MAX_QUERIES = {"dashboard": 25, "me": 10, "export": 14}


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
        else:
            response.content  # noqa: B018
    return len(ctx.captured_queries)


def test_pages_cost_the_same_with_5_or_50_tickets(
    world, people, factory, login, django_assert_max_num_queries
):
    clients = {
        "admin": login(world.admin),
        "dsi": login(people.dsi),
        "agent": login(world.agent),
    }
    factory.generate(5)
    few = [count(clients[who], url) for who, url in PAGES]
    factory.generate(45)
    assert Ticket.objects.count() == 50
    many = [count(clients[who], url) for who, url in PAGES]
    assert many == few
    for who, url in PAGES:
        kind = "export" if "/export/" in url else ("me" if url.endswith("/me/") else "dashboard")
        with django_assert_max_num_queries(MAX_QUERIES[kind]):
            response = clients[who].get(url)
            if response.streaming:
                b"".join(response.streaming_content)
