"""Helpers of the quote tests (imported, not collected): seed 004's application change on
the n123 desk walked to the quote, signed-in clients, and a snapshot of every row a quote
move may write, to prove that a refusal wrote nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test import Client
from django.urls import reverse

from comptoir.accounts.models import User
from comptoir.billing.models import Quote
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket
from comptoir.tickets.tests import helpers as ticket_helpers
from comptoir.tickets.tests.helpers import file_ticket


def change(world, title: str = "Export comptable au format FEC") -> Ticket:
    """Seed 004 "Evolution applicative": alice files an application change."""
    return file_ticket(world.customer, "n123", type="evolution", cat="applicatif", title=title)


def analysed(world, title: str = "Export comptable au format FEC") -> Ticket:
    """The change taken by gaston and under analysis ("En cours")."""
    t = change(world, title)
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    return reload(t)


def submit(world, t: Ticket, amount: str = "1200.00", **details: Any) -> Ticket:
    data = {"quote_amount": amount, **details}
    actions.ticket_transition(actor=world.agent, ticket=t, code="submit_quote", data=data)
    return reload(t)


def quoted(world, amount: str = "1200.00", **details: Any) -> Ticket:
    return submit(world, analysed(world), amount, **details)


def reload(t: Ticket) -> Ticket:
    return Ticket.objects.select_related("status", "type__workflow").get(pk=t.pk)


def quotes_of(t: Ticket) -> list[tuple[int, str, str]]:
    """(number, amount, status) of the ticket's quotes, first to last."""
    return [
        (q.number, str(q.amount), q.status)
        for q in Quote.objects.filter(ticket_id=t.pk).order_by("number")
    ]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def portal_url(t: Ticket, name: str = "ticket", **kw: Any) -> str:
    return reverse(f"portal:{name}", kwargs={"key": t.key, **kw})


def console_url(t: Ticket, name: str = "ticket", **kw: Any) -> str:
    return reverse(f"console:{name}", kwargs={"key": t.key, **kw})


def snapshot() -> dict[str, Any]:
    """The ticket side's snapshot, plus every quote row in full."""
    return {
        **ticket_helpers.snapshot(),
        "quotes": list(Quote.objects.order_by("pk").values()),
    }


@contextmanager
def unchanged() -> Iterator[None]:
    """`with unchanged(), pytest.raises(…):` — the refused call wrote nothing at all."""
    before = snapshot()
    yield
    after = snapshot()
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}
