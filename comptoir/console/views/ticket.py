"""The ticket page (SPEC §4, TIC-5, TIC-8): every field, the status with its meaning and who
is awaited, the actions allowed now as buttons, guests, links, attachments and the timeline
newest first. The page only reads; `ticket_actions.py` posts to the actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from comptoir.accounts.models import User
from comptoir.catalog.models import TicketType
from comptoir.cmdb.selectors import contracts_for_ci
from comptoir.console import forms as cf
from comptoir.console import selectors as sel
from comptoir.console.views.common import lift_non_field_errors, ticket_or_404
from comptoir.core.readcache import read_only_view
from comptoir.tickets.models import Ticket
from comptoir.tickets.relations import relations
from comptoir.tickets.selectors import (
    attachment_list,
    guest_list,
    ticket_moves,
    timeline,
)
from comptoir.web.access import staff_required
from comptoir.workflows.models import Actor, Requirement, State, Transition


@staff_required
@read_only_view
def ticket_page(request: HttpRequest, key: str) -> HttpResponse:
    ticket = ticket_or_404(request, key)
    return render(request, "console/ticket.html", ticket_context(request, ticket))


def render_ticket(
    request: HttpRequest, ticket: Ticket, name: str, form: forms.Form, status: int = 400
) -> HttpResponse:
    """The page again with the refused form in place, open, its errors by its fields; an
    error that names no field goes on top of the page, where it shows even when the
    refused button is gone (the ticket changed meanwhile)."""
    lift_non_field_errors(request, form)
    ctx = ticket_context(request, ticket, bound={name: form}, open=name)
    return render(request, "console/ticket.html", ctx, status=status)


def _edit_initial(ticket: Ticket) -> dict[str, Any]:
    return {
        "title": ticket.title,
        "priority": str(ticket.priority_id or ""),
        "personal_reference": ticket.personal_reference,
        "qualification": ticket.qualification,
        "ci": str(ticket.ci_id or ""),
    }


@dataclass
class Choices:
    """What the action forms of one ticket offer, read once per page."""

    moves: list[Transition]
    then_moves: list[Transition]
    reasons: list
    members: list
    levels: list
    categories: list
    priorities: list
    cis: list
    convert_to: TicketType | None


def _choices(actor: User, ticket: Ticket, is_agent: bool) -> Choices:
    open_ = not ticket.status.is_final
    moves = ticket_moves(actor=actor, ticket=ticket)
    then_moves = sel.moves_after_take(actor=actor, ticket=ticket)
    needs_reasons = any(Requirement.WAITING_REASON in t.requires for t in [*moves, *then_moves])
    convert_to = None
    if is_agent and ticket.type.convertible_to_id and ticket.state != State.CLOSED:
        convert_to = TicketType.objects.filter(pk=ticket.type.convertible_to_id).first()
    return Choices(
        moves=moves,
        then_moves=then_moves,
        reasons=sel.waiting_reasons(ticket.desk_id) if needs_reasons else [],
        members=sel.service_agents(ticket.service_id) if is_agent and open_ else [],
        levels=sel.higher_levels(ticket) if is_agent and open_ else [],
        categories=sel.desk_categories(ticket.desk_id) if is_agent else [],
        priorities=sel.desk_priorities(ticket.desk_id),
        cis=sel.ticket_cis(ticket) if is_agent else [],
        convert_to=convert_to,
    )


def _allowed(ticket: Ticket, rel: set[str], c: Choices, is_guest: bool) -> dict[str, bool]:
    """Which buttons to show; the actions check again whatever is posted."""
    is_agent = bool(rel & {Actor.AGENT, Actor.ADMIN})
    open_ = not ticket.status.is_final
    return {
        "take": is_agent and ticket.assignee_id is None and open_,
        "assign": is_agent and open_ and len(c.members) > 0,
        "release": ticket.assignee_id is not None
        and bool(rel & {Actor.ASSIGNEE, Actor.MANAGER, Actor.ADMIN}),
        "transfer": is_agent and len(c.categories) > 1,
        "escalate": is_agent and open_ and len(c.levels) > 0,
        "convert": c.convert_to is not None,
        "invite": bool(rel & {Actor.AGENT, Actor.ASSIGNEE, Actor.ADMIN}),
        "comment": bool(rel & {Actor.AGENT, Actor.ASSIGNEE, Actor.ADMIN, Actor.MANAGER})
        or is_guest,
        "edit": bool(rel & {Actor.AGENT, Actor.ASSIGNEE, Actor.ADMIN}),
    }


def _forms(ticket: Ticket, c: Choices) -> dict[str, forms.Form]:
    fs: dict[str, forms.Form] = {
        "take": cf.TakeForm(prefix="take"),
        "assign": cf.AssignForm(
            prefix="assign", members=[m for m in c.members if m.user_id != ticket.assignee_id]
        ),
        "transfer": cf.TransferForm(prefix="transfer", categories=c.categories),
        "escalate": cf.EscalateForm(prefix="escalate", levels=c.levels),
        "convert": cf.ReasonForm(prefix="convert"),
        "invite": cf.InviteForm(prefix="invite"),
        "comment": cf.CommentForm(prefix="comment"),
        "attach": cf.AttachForm(prefix="attach"),
        "link": cf.LinkForm(prefix="link"),
        "edit": cf.EditForm(
            prefix="edit", priorities=c.priorities, cis=c.cis, initial=_edit_initial(ticket)
        ),
    }
    for kind, moves in (("move", c.moves), ("take", c.then_moves)):
        for t in moves:
            name = f"{kind}-{t.code}"
            fs[name] = cf.MoveForm(prefix=name, transition=t, reasons=c.reasons)
    return fs


def ticket_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: dict[str, forms.Form] | None = None,
    open: str = "",
) -> dict[str, Any]:
    actor = request.user
    rel = relations(actor, ticket)
    choices = _choices(actor, ticket, bool(rel & {Actor.AGENT, Actor.ADMIN}))
    guests = list(guest_list(actor=actor, ticket=ticket))
    is_guest = any(g.user_id == actor.pk for g in guests)
    fs = _forms(ticket, choices)
    fs.update(bound or {})

    def listed(kind: str, moves: list[Transition]) -> list:
        return [(t, fs[f"{kind}-{t.code}"], open == f"{kind}-{t.code}") for t in moves]

    return {
        "ticket": ticket,
        "ticket_scoped": True,  # read through ticket_get: the panels need not check again
        "can": _allowed(ticket, rel, choices, is_guest),
        "forms": fs,
        "open": open,
        "moves": listed("move", choices.moves),
        "then_moves": listed("take", choices.then_moves),
        "convert_to": choices.convert_to,
        "higher_levels": choices.levels,
        "events": timeline(actor=actor, ticket=ticket),
        "attachments": attachment_list(actor=actor, ticket=ticket).select_related("uploaded_by"),
        "guests": guests,
        "links": sel.ticket_links(actor=actor, ticket=ticket),
        "ci_contracts": list(contracts_for_ci(actor=actor, ci=ticket.ci)) if ticket.ci_id else [],
    }
