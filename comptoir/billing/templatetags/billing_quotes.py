"""The quotes panels of the ticket pages (WF-6): the agents' list in the console's side
column, and in the portal the quote awaiting the customer's decision with its answers.

The answers are the workflow's own accept and refuse moves, as the portal page built
them (`quote_move_forms`, bound after a refusal), posted to the portal's move view: the
panel adds no path of its own around the workflow.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from comptoir.billing import quotes as rules
from comptoir.billing.models import Quote
from comptoir.catalog.models import BillingMode
from comptoir.workflows.models import QuoteEffect

register = template.Library()


def _quotes(context: template.Context) -> list[Quote]:
    """The page's ticket came through `ticket_get(actor=…)` when the page says so
    (`ticket_scoped`): no second visibility check then (billing/quotes.py)."""
    ticket, request = context["ticket"], context.get("request")
    if context.get("ticket_scoped"):
        return rules.quotes_of_scoped_ticket(ticket)
    return rules.ticket_quotes(actor=request.user, ticket=ticket)


def _shown(found: list[Quote]) -> list[Quote]:
    """The quotes with what their rows say beyond their columns."""
    today = timezone.localdate()
    for q in found:
        q.effort_hours = rules.effort_hours(q)
        q.expired = rules.is_expired(q, today=today)
    return found


@register.simple_tag(takes_context=True)
def ticket_quotes_panel(context: template.Context) -> str:
    """Shown when the ticket's type is billed on its accepted quote, or it has quotes."""
    ticket, request = context["ticket"], context.get("request")
    found = _shown(_quotes(context))
    if not found and ticket.type.billing_mode != BillingMode.QUOTE:
        return SafeString("")
    return render_to_string(
        "billing/quotes_console_panel.html",
        {"ticket": ticket, "quotes": list(reversed(found))},
        request=request,
    )


@register.simple_tag(takes_context=True)
def portal_quotes_panel(context: template.Context) -> str:
    """The quote awaiting a decision first, with accept and refuse (no accept once it
    expired: the action would refuse it), then the earlier ones."""
    ticket, request = context["ticket"], context.get("request")
    forms = list(context.get("quote_move_forms") or [])
    found = _shown(_quotes(context))
    if not found:
        return SafeString("")
    awaiting = rules.awaiting_quote(found)
    answers: list[Any] = []
    if awaiting is not None:
        answers = [
            f
            for f in forms
            if f.transition.quote_effect == QuoteEffect.REFUSE
            or (f.transition.quote_effect == QuoteEffect.ACCEPT and not awaiting.expired)
        ]
    return render_to_string(
        "billing/quotes_portal_panel.html",
        {
            "ticket": ticket,
            "awaiting": awaiting,
            "answers": answers,
            "earlier": [q for q in reversed(found) if q is not awaiting],
        },
        request=request,
    )
