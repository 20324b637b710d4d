"""Console test helpers: the URLs of a ticket (signed-in clients: `login`, in
comptoir/conftest.py)."""

from __future__ import annotations

import re

from django.urls import reverse

from comptoir.tickets.models import Ticket


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
