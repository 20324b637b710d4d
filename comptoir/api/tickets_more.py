"""The rest of what one does to a ticket through the API: guests, links, muting, the
requester's confirmation and assessment, conversion, escalation and transfer. As in
tickets_actions.py, each endpoint is one action call under the If-Match guard."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from comptoir.accounts.models import User
from comptoir.api.common import DbId, actor
from comptoir.api.tickets import TicketWithTimeline, _one, detail, get_ticket, guarded
from comptoir.catalog.models import Category, SupportLevel
from comptoir.core.errors import NotFound
from comptoir.tickets import actions
from comptoir.tickets import selectors as sel
from comptoir.tickets.models import LinkKind

router = Router(tags=["tickets"])


class GuestOut(Schema):
    user_id: int
    username: str = Field(alias="user.username")
    invited_by: str | None = Field(None, alias="invited_by.username")
    permanent: bool


class GuestIn(Schema):
    user_id: DbId
    message: str = Field("", max_length=10_000)


class LinkIn(Schema):
    target: str = Field(max_length=30, description="the other ticket's key")
    kind: LinkKind = LinkKind.RELATES


class MuteIn(Schema):
    muted: bool = True


class ConfirmIn(Schema):
    accepted: bool
    comment: str = Field("", max_length=100_000)


class AssessIn(Schema):
    satisfaction: int = Field(ge=1, le=5)
    comment: str = Field("", max_length=100_000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=100_000)


class EscalateIn(ReasonIn):
    level_id: DbId | None = None


class TransferIn(ReasonIn):
    category_id: DbId
    stay_as_guest: bool = False


@router.get("/{key}/guests", response=list[GuestOut])
def guests(request: HttpRequest, key: str) -> Any:
    return list(sel.guest_list(actor=actor(request), ticket=get_ticket(request, key)))


@router.post("/{key}/guests", response={201: TicketWithTimeline})
def invite(request: HttpRequest, key: str, payload: GuestIn, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    user = _one(User, "user_id", pk=payload.user_id, is_active=True)
    with guarded(request, ticket):
        actions.ticket_invite(
            actor=actor(request), ticket=ticket, user=user, message=payload.message
        )
    return Status(201, detail(request, ticket, response))


@router.delete("/{key}/guests/{user_id}", response=TicketWithTimeline)
def remove_guest(request: HttpRequest, key: str, user_id: DbId, response: HttpResponse) -> Any:
    """The path names one of the ticket's guests: anyone else, another tenant's person or
    a missing id alike, is a 404, so the answer never tells whether such a person exists."""
    ticket = get_ticket(request, key)
    guest = sel.guest_list(actor=actor(request), ticket=ticket).filter(user_id=user_id).first()
    if guest is None:
        raise NotFound(_("This person does not follow the ticket."), field="user_id")
    with guarded(request, ticket):
        actions.ticket_remove_guest(actor=actor(request), ticket=ticket, user=guest.user)
    return detail(request, ticket, response)


@router.post("/{key}/links", response={201: TicketWithTimeline})
def link(request: HttpRequest, key: str, payload: LinkIn, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    target = get_ticket(request, payload.target)
    with guarded(request, ticket):
        actions.ticket_link(actor=actor(request), ticket=ticket, target=target, kind=payload.kind)
    return Status(201, detail(request, ticket, response))


@router.post("/{key}/mute", response=TicketWithTimeline)
def mute(request: HttpRequest, key: str, payload: MuteIn, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    actions.ticket_mute(actor=actor(request), ticket=ticket, muted=payload.muted)
    return detail(request, ticket, response)


@router.post("/{key}/confirm-resolution", response=TicketWithTimeline)
def confirm(request: HttpRequest, key: str, payload: ConfirmIn, response: HttpResponse) -> Any:
    """The requester accepts the solution, or says the problem remains."""
    ticket = get_ticket(request, key)
    with guarded(request, ticket):
        ticket = actions.ticket_confirm_resolution(
            actor=actor(request), ticket=ticket, accepted=payload.accepted, comment=payload.comment
        )
    return detail(request, ticket, response)


@router.post("/{key}/assessment", response=TicketWithTimeline)
def assess(request: HttpRequest, key: str, payload: AssessIn, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    actions.ticket_assess(
        actor=actor(request),
        ticket=ticket,
        satisfaction=payload.satisfaction,
        comment=payload.comment,
    )
    return detail(request, ticket, response)


@router.post("/{key}/convert", response=TicketWithTimeline)
def convert(request: HttpRequest, key: str, payload: ReasonIn, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    with guarded(request, ticket):
        ticket = actions.ticket_convert(actor=actor(request), ticket=ticket, reason=payload.reason)
    return detail(request, ticket, response)


@router.post("/{key}/escalate", response=TicketWithTimeline)
def escalate(request: HttpRequest, key: str, payload: EscalateIn, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    level = (
        _one(SupportLevel, "level_id", pk=payload.level_id, desk_id=ticket.desk_id)
        if payload.level_id
        else None
    )
    with guarded(request, ticket):
        ticket = actions.ticket_escalate(
            actor=actor(request), ticket=ticket, reason=payload.reason, level=level
        )
    return detail(request, ticket, response)


@router.post("/{key}/transfer", response=TicketWithTimeline)
def transfer(request: HttpRequest, key: str, payload: TransferIn, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    category = _one(
        Category, "category_id", pk=payload.category_id, service__desk_id=ticket.desk_id
    )
    with guarded(request, ticket):
        ticket = actions.ticket_transfer(
            actor=actor(request),
            ticket=ticket,
            category=category,
            reason=payload.reason,
            stay_as_guest=payload.stay_as_guest,
        )
    return detail(request, ticket, response)
