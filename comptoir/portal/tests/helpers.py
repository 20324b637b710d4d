"""Helpers for the portal tests (imported, not collected)."""

from __future__ import annotations

import html

from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket
from comptoir.tickets.tests.helpers import file_ticket, snapshot, upload

__all__ = [
    "approval_itil",
    "client_for",
    "file_ticket",
    "fr",
    "new_url",
    "plain",
    "quoted_n123",
    "reload",
    "resolved_spt",
    "snapshot",
    "solved_itil",
    "text",
    "ticket_url",
    "upload",
]


def plain(value: str) -> str:
    """French non-breaking spaces (before « : ? ») as plain ones."""
    return value.replace("\xa0", " ").replace("\u202f", " ")


def text(response) -> str:
    """The page as text: entities decoded, non-breaking spaces plain."""
    return plain(html.unescape(response.content.decode()))


def fr(message: str) -> str:
    """`message` as a French reader gets it (whichever catalogue translates it)."""
    with translation.override("fr"):
        return plain(str(_(message)))


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ticket_url(ticket: Ticket, name: str = "ticket", **kw) -> str:
    return reverse(f"portal:{name}", kwargs={"key": ticket.key, **kw})


def new_url(desk: str, type_code: str, name: str = "new_ticket") -> str:
    return reverse(f"portal:{name}", kwargs={"desk": desk, "type": type_code})


def reload(ticket: Ticket) -> Ticket:
    ticket.refresh_from_db()
    return ticket


def solved_itil(world, type_code: str = "incident") -> Ticket:
    """An ITIL ticket of alice's, solved by gaston."""
    t = file_ticket(world.customer, "itil", type=type_code)
    actions.ticket_take(actor=world.agent, ticket=t)  # New → Classification
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="solve", data={"solution": "Disque remplacé"}
    )
    return reload(t)


def resolved_spt(world) -> Ticket:
    """An SPT request of alice's whose resolution awaits her confirmation (WF-5)."""
    t = file_ticket(world.customer, "spt")
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="resolve", data={"solution": "Correctif 12.3"}
    )
    return reload(t)


def quoted_n123(world, amount: str = "1800") -> Ticket:
    """An n123 application change of alice's whose quote awaits her approval (WF-6)."""
    t = file_ticket(world.customer, "n123", type="evolution", cat="applicatif")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="submit_quote", data={"quote_amount": amount}
    )
    return reload(t)


def approval_itil(world) -> Ticket:
    """An ITIL service request of alice's awaiting her approval (WF-7)."""
    t = file_ticket(world.customer, "itil", type="service_request")
    actions.ticket_take(actor=world.agent, ticket=t)  # → Classification
    actions.ticket_transition(actor=world.agent, ticket=t, code="request_approval")
    return reload(t)
