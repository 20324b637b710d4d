# covers: WF-8, TIC-8
"""Every demo ticket, in every status of every preset workflow, opens in the console for
each staff member who sees it, with a bounded number of queries."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.tickets.selectors import visible_tickets

from .conftest import ticket_url
from .test_queries import QUEUE_MAX, TICKET_MAX

pytestmark = pytest.mark.django_db
HISTORY_SAMPLE = 4


def test_every_demo_ticket_and_queue_renders_for_its_agents():
    started = timezone.now()
    call_command("demo", stdout=StringIO())
    staff = User.objects.filter(role__in=["agent", "service_manager", "admin"]).order_by("pk")
    opened = 0
    for person in staff:
        client = Client()
        client.force_login(person)
        for queue in ("free", "mine", "categories", "waiting", "following", "all"):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get("/console/", {"queue": queue, "state": "any"})
            assert response.status_code == 200, (person.username, queue)
            assert len(ctx.captured_queries) <= QUEUE_MAX
        visible = visible_tickets(person).order_by("pk")
        # Every ticket of the present-day stories (every status of every workflow), and a
        # few of the demo's history, which repeats the same shapes in the past.
        present = list(visible.filter(created_at__gte=started))
        for ticket in list(visible.filter(created_at__lt=started)[:HISTORY_SAMPLE]) + present:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(ticket_url(ticket))
            assert response.status_code == 200, (person.username, ticket.key)
            assert len(ctx.captured_queries) <= TICKET_MAX, (person.username, ticket.key)
            opened += 1
        assert client.get("/console/services/").status_code == 200
        assert client.get("/console/preferences/").status_code == 200
    assert opened > 56
