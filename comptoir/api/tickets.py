"""Tickets at /api/v1/tickets: list, detail with timeline, create, update.

Reads go through comptoir/tickets/selectors.py with the caller as actor, writes through
comptoir/tickets/actions/; this module only translates HTTP to those calls. A desk-limited
token sees only its desk's tickets: another desk's ticket is a 404, as for another tenant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from comptoir.accounts.models import User
from comptoir.api.common import MAX_LIMIT, DbId, actor, paginate, token_desk_id
from comptoir.catalog.models import Category, Desk, Priority, TicketType
from comptoir.cmdb.models import ConfigurationItem
from comptoir.cmdb.selectors import visible_cis
from comptoir.core.errors import Conflict, InvalidInput, NotFound
from comptoir.portal import selectors as portal
from comptoir.tickets import actions
from comptoir.tickets import selectors as sel
from comptoir.tickets.actions._base import lock
from comptoir.tickets.models import Channel, Ticket

router = Router(tags=["tickets"])


# --- schemas -------------------------------------------------------------------------


class TicketOut(Schema):
    key: str
    title: str
    desk: str = Field(alias="desk.slug")
    type: str = Field(alias="type.code")
    category_id: int
    service_id: int
    priority_id: int | None
    status: str = Field(alias="status.code")
    status_name: str = Field(alias="status.name")
    state: str
    assignee: str | None = Field(None, alias="assignee.username")
    affected: str = Field(alias="affected.username")
    personal_reference: str
    version: int
    created_at: datetime
    updated_at: datetime


class TicketDetail(TicketOut):
    description: str
    reporter: str = Field(alias="reporter.username")
    qualification: str
    site_id: int | None
    organisation_id: int
    ci_id: int | None
    solution: str
    resolved_at: datetime | None
    closed_at: datetime | None


class EventOut(Schema):
    id: int
    kind: str
    data: dict[str, Any]
    actor: str | None = Field(None, alias="actor.username")
    internal: bool
    comment: str | None = Field(None, alias="comment.body")
    created_at: datetime


class TicketWithTimeline(TicketDetail):
    timeline: list[EventOut]


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class ListFilters(Schema):
    state: str = Field("active", description='"active" (open or resolved), "all", or a state')
    mine: bool = False
    assigned_to_me: bool = False
    unassigned: bool = False
    service_id: DbId | None = None
    desk_id: DbId | None = None
    status_id: DbId | None = None
    q: str = Field("", max_length=200, description="key, reference, words of the title")
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=MAX_LIMIT)


class TicketIn(Schema):
    desk: str = Field(max_length=50, description="desk slug")
    type: str = Field(max_length=50, description="ticket type code of that desk")
    category_id: DbId
    title: str = Field(max_length=250)
    description: str = Field(max_length=100_000)
    priority_id: DbId | None = None
    affected_id: DbId | None = Field(
        None,
        description="staff: the customer concerned; a customer: themself, or outside "
        "external support mode a customer of their site",
    )
    reporter_id: DbId | None = Field(
        None, description="staff: who reported it; a customer is always the reporter"
    )
    ci_id: DbId | None = Field(
        None, description="a configuration item of the affected person's site (GET /cis)"
    )
    personal_reference: str = Field("", max_length=100)


class TicketPatch(Schema):
    title: str | None = Field(None, max_length=250)
    priority_id: DbId | None = None
    qualification: str | None = Field(None, max_length=100_000)
    personal_reference: str | None = Field(None, max_length=100)


# --- helpers shared with tickets_actions ---------------------------------------------


def get_ticket(request: HttpRequest, key: str) -> Ticket:
    """The ticket if the caller, and their token's desk limit, let them see it."""
    ticket = sel.ticket_get(actor=actor(request), key=key)
    desk_id = token_desk_id(request)
    if desk_id is not None and ticket.desk_id != desk_id:
        raise NotFound()
    return ticket


def etag(ticket: Ticket) -> str:
    return f'"{ticket.version}"'


def expected_version(request: HttpRequest, ticket: Ticket) -> int | None:
    """If-Match, when sent, must name the version the client last saw: 412 otherwise.
    It is optional (docs/decisions/0009-api.md); a client that sends it never overwrites
    a change it has not seen."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    tags = [t.strip().removeprefix("W/").strip('"') for t in header.split(",")]
    if str(ticket.version) not in tags:
        raise Stale()
    return ticket.version


class Stale(InvalidInput):
    """If-Match names a version the ticket no longer has."""

    status = 412
    code = "stale"

    def __init__(self) -> None:
        super().__init__(
            _("This ticket was changed since you read it; read it again and retry."),
            field="If-Match",
        )


@contextmanager
def guarded(request: HttpRequest, ticket: Ticket) -> Iterator[int | None]:
    """Run the write inside a transaction holding the ticket's row lock at the If-Match
    version, so no change can slip in between the check and the action (which re-locks
    the same row). Yields the expected version, for actions that take it."""
    version = expected_version(request, ticket)
    if version is None:
        yield None
        return
    try:
        with transaction.atomic():
            lock(actor=actor(request), ticket=ticket, expected_version=version)
            yield version
    except Conflict as exc:
        if exc.code == "stale":
            raise Stale() from None
        raise


def detail(request: HttpRequest, ticket: Ticket, response: HttpResponse) -> Ticket:
    """The fresh ticket with its timeline, and its ETag on the response."""
    fresh = sel.ticket_get(actor=actor(request), pk=ticket.pk)
    fresh.timeline = list(sel.timeline(actor=actor(request), ticket=fresh)[:200])
    response["ETag"] = etag(fresh)
    return fresh


# --- endpoints -----------------------------------------------------------------------


@router.get("", response=TicketPage)
def ticket_list(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Tickets the caller may see, newest first; pass `next_cursor` back as `cursor`."""
    desk_id = token_desk_id(request)
    if desk_id is not None:
        if filters.desk_id not in (None, desk_id):
            return {"items": [], "next_cursor": None}
        filters.desk_id = desk_id
    state = None if filters.state == "all" else filters.state
    found = sel.ticket_list(
        actor=actor(request),
        filters=sel.TicketFilters(
            state=state,
            mine=filters.mine,
            assigned_to_me=filters.assigned_to_me,
            unassigned=filters.unassigned,
            service_id=filters.service_id,
            desk_id=filters.desk_id,
            status_id=filters.status_id,
            text=filters.q,
        ),
    )
    rows, next_cursor = paginate(found, filters.cursor, filters.limit, key=("-id",))
    return {"items": rows, "next_cursor": next_cursor}


@router.get("/{key}", response=TicketWithTimeline)
def ticket_detail(request: HttpRequest, key: str, response: HttpResponse) -> Ticket:
    """One ticket with its timeline (newest first); `ETag` is its version."""
    return detail(request, get_ticket(request, key), response)


def _one(model: Any, field: str, **lookup: Any) -> Any:
    found = model.objects.filter(**lookup).first()
    if found is None:
        raise InvalidInput(_("This value is not one of the choices."), field=field)
    return found


@router.post("", response={201: TicketWithTimeline})
def ticket_create(request: HttpRequest, payload: TicketIn, response: HttpResponse) -> Any:
    """File a ticket: a customer for themselves, staff on behalf of a customer."""
    desk = _one(Desk, "desk", slug=payload.desk, is_active=True)
    limited = token_desk_id(request)
    if limited is not None and desk.pk != limited:
        raise InvalidInput(_("This token is limited to another desk."), field="desk")
    user = actor(request)
    ticket = actions.ticket_create(
        actor=user,
        desk=desk,
        type=_one(TicketType, "type", desk=desk, code=payload.type),
        category=_one(Category, "category_id", pk=payload.category_id, service__desk=desk),
        title=payload.title,
        description=payload.description,
        priority=(
            _one(Priority, "priority_id", pk=payload.priority_id, desk=desk)
            if payload.priority_id
            else None
        ),
        reporter=_person(user, payload.reporter_id, "reporter_id"),
        affected=_person(user, payload.affected_id, "affected_id"),
        ci=_ci(user, payload.ci_id),
        personal_reference=payload.personal_reference,
        channel=Channel.API,
    )
    return Status(201, detail(request, ticket, response))


def _person(user: User, pk: int | None, field: str) -> User | None:
    """Staff name any active person (the action checks them). A customer names only whom
    the portal offers (TEN-4): themself as reporter, and as affected person themself in
    external mode, else a customer of their site. Anyone else, and a missing id, get the
    same refusal, so the answer never tells whether that person exists."""
    if pk is None:
        return None
    if not user.is_customer:
        return _one(User, field, pk=pk, is_active=True)
    if pk == user.pk:
        return user
    if field == "affected_id":
        found = portal.affected_choices(actor=user).filter(pk=pk).first()
        if found is not None:
            return found
        if not settings.COMPTOIR_EXTERNAL_SUPPORT_MODE:
            raise InvalidInput(_("The affected person must belong to your site."), field=field)
    raise InvalidInput(_("You file requests for yourself: name no one else."), field=field)


def _ci(user: User, pk: int | None) -> ConfigurationItem | None:
    """A CI the caller sees (a customer: their site's, or department's): anything else,
    missing or another tenant's, gets the same refusal as in the portal."""
    if pk is None:
        return None
    found = visible_cis(user).filter(pk=pk).first()
    if found is None:
        if user.is_customer:
            raise InvalidInput(portal.ci_refusal(), field="ci_id")
        raise InvalidInput(_("This value is not one of the choices."), field="ci_id")
    return found


@router.patch("/{key}", response=TicketWithTimeline)
def ticket_update(
    request: HttpRequest, key: str, payload: TicketPatch, response: HttpResponse
) -> Ticket:
    """Staff edit of title, priority, qualification, personal reference; If-Match checked."""
    ticket = get_ticket(request, key)
    changes: dict[str, Any] = payload.dict(exclude_unset=True)
    if "priority_id" in changes:
        pk = changes.pop("priority_id")
        changes["priority"] = _one(Priority, "priority_id", pk=pk, desk_id=ticket.desk_id)
    if not changes:
        raise InvalidInput(_("Nothing to change."))
    with guarded(request, ticket):
        ticket = actions.ticket_update(actor=actor(request), ticket=ticket, changes=changes)
    return detail(request, ticket, response)
