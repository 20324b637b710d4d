"""What one does to a ticket through the API: comment, attach, transitions, take/assign/
release. Each endpoint calls one action of comptoir/tickets/actions/ and answers with the
fresh ticket and its new ETag."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile as NinjaFile
from pydantic import StringConstraints

from comptoir.accounts.models import User
from comptoir.api.common import DbId, actor, token_desk_id
from comptoir.api.tickets import (
    TicketWithTimeline,
    _one,
    detail,
    get_ticket,
    guarded,
)
from comptoir.core.errors import NotFound
from comptoir.tickets import actions
from comptoir.tickets import selectors as sel
from comptoir.web.downloads import download_response

router = Router(tags=["tickets"])


class CommentIn(Schema):
    body: str = Field(max_length=100_000)
    internal: bool = False


class TransitionOut(Schema):
    code: str
    name: str
    to_status: str = Field(alias="to_status.code")
    requires: list[str]
    asks_confirmation: bool


class TransitionIn(Schema):
    reason: str | None = Field(None, max_length=100_000)
    waiting_reason: str | None = Field(None, max_length=50, description="waiting reason code")
    appointment: datetime | None = None
    solution: str | None = Field(None, max_length=100_000)
    comment: str | None = Field(None, max_length=100_000)
    quote_amount: str | None = Field(None, max_length=30)
    quote_effort_hours: Decimal | Annotated[str, StringConstraints(max_length=30)] | None = Field(
        None, description="the quote's estimated effort in hours: 7.5, or the string 7,5"
    )
    quote_valid_until: date | None = Field(
        None, description="the last day the quote may be accepted (default: 30 days on)"
    )
    quote_description: str | None = Field(None, max_length=10_000)


class TakeIn(Schema):
    then: str | None = Field(None, max_length=50, description="a transition to fire at once")
    comment: str = Field("", max_length=100_000)


class AssignIn(Schema):
    assignee_id: DbId


class AttachmentOut(Schema):
    token: str
    filename: str
    content_type: str
    size: int
    internal: bool
    created_at: datetime


@router.post("/{key}/comments", response={201: TicketWithTimeline})
def comment(request: HttpRequest, key: str, payload: CommentIn, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    with guarded(request, ticket):
        actions.ticket_comment(
            actor=actor(request), ticket=ticket, body=payload.body, internal=payload.internal
        )
    return Status(201, detail(request, ticket, response))


@router.get("/{key}/attachments", response=list[AttachmentOut])
def attachment_list(request: HttpRequest, key: str) -> Any:
    return list(sel.attachment_list(actor=actor(request), ticket=get_ticket(request, key)))


@router.post("/{key}/attachments", response={201: list[AttachmentOut]})
def attach(
    request: HttpRequest,
    key: str,
    file: File[list[NinjaFile]],
    internal: Form[bool] = False,
) -> Any:
    """Multipart upload, field `file` (repeatable)."""
    ticket = get_ticket(request, key)
    files = [
        actions.UploadedFile(
            name=f.name or "file", content=f, size=f.size, content_type=f.content_type or ""
        )
        for f in file
    ]
    with guarded(request, ticket):
        stored = actions.ticket_attach(
            actor=actor(request), ticket=ticket, files=files, internal=internal
        )
    return Status(201, stored)


@router.get(
    "/attachments/{token}",
    response={200: None},
    openapi_extra={
        "responses": {
            "200": {"description": "The file", "content": {"application/octet-stream": {}}}
        }
    },
)
def download(request: HttpRequest, token: str) -> FileResponse:
    """The file itself, streamed."""
    found = sel.attachment_get(actor=actor(request), token=token)
    desk_id = token_desk_id(request)
    if desk_id is not None and found.ticket.desk_id != desk_id:
        raise NotFound()
    return download_response(found.file.open("rb"), found.filename)


@router.get("/{key}/transitions", response=list[TransitionOut])
def transitions(request: HttpRequest, key: str) -> Any:
    """The workflow moves the caller may make now, and the data each requires."""
    return sel.ticket_moves(actor=actor(request), ticket=get_ticket(request, key))


@router.post("/{key}/transitions/{code}", response=TicketWithTimeline)
def transition(
    request: HttpRequest, key: str, code: str, payload: TransitionIn, response: HttpResponse
) -> Any:
    ticket = get_ticket(request, key)
    data = {k: v for k, v in payload.dict().items() if v is not None}
    with guarded(request, ticket) as version:
        ticket = actions.ticket_transition(
            actor=actor(request), ticket=ticket, code=code, data=data, expected_version=version
        )
    return detail(request, ticket, response)


@router.post("/{key}/take", response=TicketWithTimeline)
def take(request: HttpRequest, key: str, payload: TakeIn, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    with guarded(request, ticket):
        ticket = actions.ticket_take(
            actor=actor(request), ticket=ticket, then=payload.then or None, comment=payload.comment
        )
    return detail(request, ticket, response)


@router.post("/{key}/assign", response=TicketWithTimeline)
def assign(request: HttpRequest, key: str, payload: AssignIn, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    assignee = _one(User, "assignee_id", pk=payload.assignee_id, is_active=True)
    with guarded(request, ticket):
        ticket = actions.ticket_assign(actor=actor(request), ticket=ticket, assignee=assignee)
    return detail(request, ticket, response)


@router.post("/{key}/release", response=TicketWithTimeline)
def release(request: HttpRequest, key: str, response: HttpResponse) -> Any:
    ticket = get_ticket(request, key)
    with guarded(request, ticket):
        ticket = actions.ticket_release(actor=actor(request), ticket=ticket)
    return detail(request, ticket, response)
