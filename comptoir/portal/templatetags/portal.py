"""Template helpers of the customer portal."""

from __future__ import annotations

from django import template

from comptoir.accounts.models import User
from comptoir.tickets.models import Confirmation, Ticket
from comptoir.workflows.models import Party

register = template.Library()


@register.filter
def awaits_me(ticket: Ticket, user: User) -> str:
    """ "confirm" when my confirmation of the solution is awaited (WF-5), "act" when the
    status expects the customer to act, else ""."""
    mine = user.pk in (ticket.reporter_id, ticket.affected_id)
    if mine and ticket.confirmation == Confirmation.PENDING:
        return "confirm"
    if ticket.status.awaiting_party == Party.REQUESTER:
        return "act"
    return ""
