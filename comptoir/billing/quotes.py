"""Quotes (WF-6, BIL-2; seed 004 "Evolution applicative"): what the workflow's quote moves
do to a ticket's estimates, and who reads them.

A quote is never written on its own: the agent *submits* it, the customer *accepts* or
*refuses* it, each by firing a workflow transition whose `quote_effect` says so. The
ticket action calls `on_transition` inside its transaction, after its guards and before
its timeline event, so a refusal here leaves nothing written, and the event and the mail
of the move carry the quote's details.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.billing import periods
from comptoir.billing.models import Quote, QuoteStatus, Rate
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied, WorkflowError
from comptoir.tickets.models import Ticket
from comptoir.tickets.selectors import visible_tickets
from comptoir.workflows.models import QuoteEffect, Requirement, Transition

DEFAULT_VALIDITY_DAYS = 30
DEFAULT_CURRENCY = "EUR"


# --- the workflow hook -----------------------------------------------------------------------


def on_transition(
    *, ticket: Ticket, transition: Transition, cleaned: dict[str, Any], actor: User | None
) -> Quote | None:
    """Apply the transition's effect on the ticket's quotes, or refuse the move.

    The caller holds the ticket's row lock, so two moves on one ticket never race here.
    A submission writes the validity it defaulted back into `cleaned`, so the move's
    event, and the customer's mail read from it, say until when the quote holds.
    """
    effect = transition.quote_effect
    if effect == QuoteEffect.SUBMIT:
        return _submit(ticket=ticket, cleaned=cleaned, actor=actor)
    if effect == QuoteEffect.ACCEPT:
        return _decide(ticket=ticket, actor=actor, accepted=True, comment="")
    if effect == QuoteEffect.REFUSE:
        return _decide(
            ticket=ticket, actor=actor, accepted=False, comment=cleaned.get("comment", "")
        )
    return None


def _submit(*, ticket: Ticket, cleaned: dict[str, Any], actor: User | None) -> Quote:
    if actor is None:
        raise PermissionDenied(_("Only an agent submits a quote."), code="quote_forbidden")
    quotes = list(Quote.objects.filter(ticket_id=ticket.pk))
    if any(q.status == QuoteStatus.ACCEPTED for q in quotes):
        raise WorkflowError(
            _("This ticket's quote was accepted; it can no longer be re-estimated."),
            code="quote_accepted",
        )
    amount = cleaned.get(Requirement.QUOTE_AMOUNT)
    if amount is None:  # a workflow whose submitting move does not require the amount
        raise InvalidInput(
            _("Give the quote's amount to submit it."), field=Requirement.QUOTE_AMOUNT
        )
    now = timezone.now()
    valid_until = cleaned.get(Requirement.QUOTE_VALID_UNTIL) or (
        timezone.localdate(now) + timedelta(days=DEFAULT_VALIDITY_DAYS)
    )
    cleaned[Requirement.QUOTE_VALID_UNTIL] = valid_until
    hours = cleaned.get(Requirement.QUOTE_EFFORT_HOURS)
    Quote.objects.filter(ticket_id=ticket.pk, status=QuoteStatus.SUBMITTED).update(
        status=QuoteStatus.WITHDRAWN
    )
    return Quote.objects.create(
        ticket=ticket,
        organisation_id=ticket.organisation_id,
        number=max((q.number for q in quotes), default=0) + 1,
        amount=amount,
        currency=quote_currency(ticket.organisation_id),
        effort_minutes=None if hours is None else to_minutes(hours),
        valid_until=valid_until,
        description=cleaned.get(Requirement.QUOTE_DESCRIPTION, ""),
        submitted_by=actor,
        submitted_at=now,
    )


def _decide(*, ticket: Ticket, actor: User | None, accepted: bool, comment: str) -> Quote:
    """The customer's answer to the quote awaiting it: accepted (locked, billed in the
    month still open for the customer) or refused with their comment."""
    quote = Quote.objects.filter(ticket_id=ticket.pk, status=QuoteStatus.SUBMITTED).first()
    if quote is None:
        raise WorkflowError(
            _("No quote is awaiting a decision on this ticket."), code="no_quote_pending"
        )
    now = timezone.now()
    if accepted and is_expired(quote, today=timezone.localdate(now)):
        raise WorkflowError(
            _(
                "This quote expired on %(date)s and can no longer be accepted; ask for a new "
                "estimate, or refuse it with a comment."
            )
            % {"date": formats.date_format(quote.valid_until, "DATE_FORMAT")},
            code="quote_expired",
        )
    quote.status = QuoteStatus.ACCEPTED if accepted else QuoteStatus.REFUSED
    quote.decided_by, quote.decided_at = actor, now
    quote.decision_comment = comment
    fields = ["status", "decided_by", "decided_at", "decision_comment"]
    if accepted:
        quote.period = periods.open_period(ticket.organisation_id, now)
        fields.append("period")
    quote.save(update_fields=fields)
    return quote


# --- rules shared with the pages -------------------------------------------------------------


def quote_currency(organisation_id: int) -> str:
    """The customer's own rate's currency: all their rates share one (BIL-2)."""
    currency = (
        Rate.objects.filter(organisation_id=organisation_id, contract__isnull=True)
        .order_by("-valid_from")
        .values_list("currency", flat=True)
        .first()
    )
    return currency or DEFAULT_CURRENCY


def to_minutes(hours: Decimal) -> int:
    return int((hours * 60).to_integral_value(rounding=ROUND_HALF_UP))


def effort_hours(quote: Quote) -> Decimal | None:
    """The estimate in hours as it was typed (8, 7.5), None when none was given."""
    if quote.effort_minutes is None:
        return None
    hours = (Decimal(quote.effort_minutes) / 60).quantize(Decimal("0.01"))
    return hours.quantize(Decimal(1)) if hours == hours.to_integral_value() else hours.normalize()


def is_expired(quote: Quote, *, today: date | None = None) -> bool:
    """A quote holds through its last day, in the provider's time zone."""
    today = today or timezone.localdate()
    return (
        quote.status == QuoteStatus.SUBMITTED
        and quote.valid_until is not None
        and quote.valid_until < today
    )


# --- selectors -------------------------------------------------------------------------------


def ticket_quotes(*, actor: User, ticket: Ticket) -> list[Quote]:
    """The ticket's quotes, first to last, for whoever sees the ticket: the staff of its
    service and administrators, and on the customer's side its requester and the
    customer manager (the customer decides on them). Otherwise NotFound, as for a
    ticket that does not exist."""
    if not visible_tickets(actor).filter(pk=ticket.pk).exists():
        raise NotFound()
    return quotes_of_scoped_ticket(ticket)


def quotes_of_scoped_ticket(ticket: Ticket) -> list[Quote]:
    """`ticket_quotes` without asking again whether the actor sees the ticket, for a caller
    holding a ticket it read through `ticket_get(actor=…)` in the same request (the ticket
    pages, which say so with `ticket_scoped` in their context, and the API after its
    `get_ticket`): the selector has answered already, and the quotes are the ticket's own
    rows, shown to whoever sees it. Never call it with a ticket read any other way."""
    return list(
        Quote.objects.filter(ticket_id=ticket.pk)
        .select_related("submitted_by", "decided_by")
        .order_by("number")
    )


def awaiting_quote(quotes: list[Quote]) -> Quote | None:
    """The one quote awaiting the customer's decision, if any."""
    return next((q for q in quotes if q.status == QuoteStatus.SUBMITTED), None)
