"""Console test helpers: a signed-in client per person, and the URLs of a ticket."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.accounts.models import User
from comptoir.tickets.models import Ticket


@pytest.fixture
def login() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def ticket_url(ticket: Ticket) -> str:
    return reverse("console:ticket", kwargs={"key": ticket.key})


def action_url(ticket: Ticket, action: str) -> str:
    return reverse("console:action", kwargs={"key": ticket.key, "action": action})


def move_url(ticket: Ticket, code: str) -> str:
    return reverse("console:move", kwargs={"key": ticket.key, "code": code})


def take_then_url(ticket: Ticket, code: str) -> str:
    return reverse("console:take_then", kwargs={"key": ticket.key, "code": code})


def fresh(t: Ticket) -> Ticket:
    return Ticket.objects.select_related("status", "assignee", "type", "level").get(pk=t.pk)


def error_next_to(response, field_id: str) -> str:
    """The error text rendered right under the input `field_id` (console/partials/field.html)."""
    html = response.content.decode()
    match = re.search(
        rf'<small class="field-error" id="{re.escape(field_id)}_error"[^>]*>([^<]+)<', html
    )
    assert match, f"no error next to {field_id}"
    return match.group(1)
