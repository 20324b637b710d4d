"""The ticket page (POR-3…POR-5): what it is, where it stands, who is to act, its story,
and what the customer may do now."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from comptoir.core.errors import DomainError
from comptoir.core.readcache import read_only_view
from comptoir.portal import selectors
from comptoir.portal.forms import AssessForm, CommentForm, ConfirmForm, MoveForm
from comptoir.tickets.models import Confirmation, Ticket
from comptoir.tickets.selectors import (
    attachment_list,
    guest_list,
    ticket_get,
    ticket_moves,
    timeline,
)
from comptoir.web.access import customer_required
from comptoir.workflows.models import Party, Requirement, State, Transition


def get_ticket(request: HttpRequest, key: str) -> Ticket:
    """The ticket through the selectors: missing and another tenant's are the same 404."""
    try:
        return ticket_get(actor=request.user, key=key)
    except DomainError:
        raise Http404() from None


def customer_moves(request: HttpRequest, ticket: Ticket) -> list[Transition]:
    """The workflow moves to offer as buttons. Where a resolution awaits the requester's
    confirmation (WF-5), the workflow's confirm and refute moves are the confirmation
    form's two answers, not buttons of their own."""
    moves = ticket_moves(actor=request.user, ticket=ticket)
    workflow = ticket.type.workflow
    answers = {workflow.confirm_transition, workflow.refute_transition} - {""}
    if answers & {m.code for m in moves} and selectors.awaiting_confirmation_status(ticket=ticket):
        moves = [m for m in moves if m.code not in answers]
    # What asks nothing of the customer first (accept, approve), then what needs a word.
    return sorted(moves, key=lambda m: (Requirement.COMMENT in m.requires, m.order, m.pk))


def render_ticket(
    request: HttpRequest,
    ticket: Ticket,
    bound: dict[str, django_forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request, "portal/ticket.html", ticket_context(request, ticket, bound or {}), status=status
    )


def ticket_context(
    request: HttpRequest, ticket: Ticket, bound: dict[str, django_forms.Form]
) -> dict[str, Any]:
    actor = request.user
    guests = list(guest_list(actor=actor, ticket=ticket))
    is_requester = actor.pk in (ticket.reporter_id, ticket.affected_id)
    is_guest = any(g.user_id == actor.pk for g in guests)
    pending = ticket.confirmation == Confirmation.PENDING and is_requester
    moves = customer_moves(request, ticket)
    assessment = None
    if ticket.state == State.RESOLVED and is_requester:
        assessment = selectors.my_assessment(actor=actor, ticket=ticket)
    assess_form = bound.get("assess") or AssessForm(
        prefix="assess",
        initial={"satisfaction": str(assessment.satisfaction), "comment": assessment.comment}
        if assessment
        else None,
    )
    muted = selectors.is_muted(actor=actor, ticket=ticket)
    move_forms = [bound.get(f"move-{m.code}") or MoveForm(transition=m) for m in moves]
    return {
        "ticket": ticket,
        "ticket_scoped": True,  # read through ticket_get: the panels need not check again
        "status": ticket.status,
        "your_turn": ticket.status.awaiting_party == Party.REQUESTER or pending,
        "is_requester": is_requester,
        "events": timeline(actor=actor, ticket=ticket),
        "attachments": attachment_list(actor=actor, ticket=ticket).select_related("uploaded_by"),
        "guests": guests,
        "links": selectors.linked_tickets(actor=actor, ticket=ticket),
        "muted": muted,
        "can_comment": (is_requester or is_guest) and not ticket.status.is_final,
        "comment_form": bound.get("comment") or CommentForm(prefix="comment"),
        "pending": pending,
        "confirm_form": bound.get("confirm") or ConfirmForm(prefix="confirm"),
        "can_assess": ticket.state == State.RESOLVED and is_requester,
        "assessment": assessment,
        "assess_form": assess_form,
        "move_forms": move_forms,
        # WF-6: accepting or refusing a quote is offered with the quote (portal_quotes_panel)
        "answer_forms": [f for f in move_forms if not f.transition.quote_effect],
        "quote_move_forms": [f for f in move_forms if f.transition.quote_effect],
        "closed": ticket.state == State.CLOSED,
    }


@customer_required
@read_only_view
def page(request: HttpRequest, key: str) -> HttpResponse:
    return render_ticket(request, get_ticket(request, key))
