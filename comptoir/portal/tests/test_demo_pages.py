# covers: POR-2, POR-3, POR-4, POR-5, X-1
"""Every demo ticket — one in every status of every preset workflow — renders on the
portal for each customer who may see it, in their language, with its status and meaning."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from comptoir.accounts.models import CUSTOMER_ROLES, User
from comptoir.portal.selectors import PAGE_SIZE
from comptoir.tickets.selectors import visible_tickets

from .helpers import client_for, text

pytestmark = pytest.mark.django_db
HISTORY_SAMPLE = 4


def test_every_demo_ticket_page_renders_for_its_customers():
    started = timezone.now()
    call_command("demo", stdout=StringIO())
    customers = User.objects.filter(role__in=list(CUSTOMER_ROLES), is_active=True)
    seen = 0
    for person in customers:
        client = client_for(person)
        listing = client.get(reverse("portal:tickets"), {"closed": "1", "everyone": "1"})
        assert listing.status_code == 200
        tickets = list(visible_tickets(person).select_related("status", "type"))
        shown = {t.key for t in listing.context["tickets"]}
        assert shown == {t.key for t in tickets} or len(shown) == PAGE_SIZE, person.username
        # Every ticket of the present-day stories, and a few of the demo's history (the
        # same shapes, in the past).
        history = [t for t in tickets if t.created_at < started][:HISTORY_SAMPLE]
        for ticket in history + [t for t in tickets if t.created_at >= started]:
            response = client.get(reverse("portal:ticket", kwargs={"key": ticket.key}))
            assert response.status_code == 200, (person.username, ticket.key)
            with translation.override(person.language):
                status, meaning = ticket.status.name, ticket.status.meaning
            page = text(response)
            assert status in page and meaning in page, (person.username, ticket.key)
            seen += 1
    assert seen > 20
