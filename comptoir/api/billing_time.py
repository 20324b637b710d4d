"""Time spent on tickets (BIL-1): `/tickets/{key}/time` (the entries, the monthly tasks and
the totals; log time) and `/time-entries/{entry_id}` (correct, delete).

Staff of the ticket's service and administrators only: a customer reading a ticket they
see is refused (403), and any entry they name is a 404, like another tenant's or a
missing one. Writes go through `comptoir.billing.actions` with the caller as actor: an
entry already on an issued statement is never changed, its correction or deletion is
an adjustment entry, which the answer returns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from comptoir.api.common import DbId, actor, token_desk_id
from comptoir.api.tickets import get_ticket
from comptoir.billing import actions
from comptoir.billing import selectors as sel
from comptoir.billing.durations import MAX_MINUTES, format_minutes, parse_duration
from comptoir.billing.models import TimeEntry
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied

router = Router(tags=["billing"])

Minutes = Field(None, ge=1, le=MAX_MINUTES, description="the duration in minutes")
Duration = Field(
    None, max_length=40, description="the duration as people type it: 1h30, 1:30, 90, 1.5h"
)


class TimeEntryOut(Schema):
    id: int
    ticket: str = Field(description="the ticket's key")
    task: str = Field(description="the monthly task it is logged on")
    consultant_id: int
    consultant: str = Field(description="the consultant's username")
    worked_on: dt.date
    minutes: int = Field(description="negative only on an adjustment that takes time off")
    duration: str = Field(description="the minutes as the pages write them: 1 h 30")
    note: str
    billable: bool
    period: dt.date = Field(description="the month it is billed in (its first day)")
    on_statement: bool = Field(description="on an issued statement: frozen")
    adjusts_id: int | None = Field(description="the billed entry this adjustment corrects")
    created_at: dt.datetime


class ConsultantTimeOut(Schema):
    consultant_id: int
    name: str
    minutes: int
    billable_minutes: int


class TimeTaskOut(Schema):
    id: int
    name: str
    month: dt.date
    minutes: int
    billable_minutes: int


class TicketTimeOut(Schema):
    ticket: str
    minutes: int = Field(description="all the time spent, adjustments counted")
    billable_minutes: int
    consultants: list[ConsultantTimeOut]
    tasks: list[TimeTaskOut]
    entries: list[TimeEntryOut]


class TimeIn(Schema):
    minutes: int | None = Minutes
    duration: str | None = Duration
    worked_on: dt.date | None = Field(None, description="the day of the work (default: today)")
    note: str = Field("", max_length=500)
    billable: bool = True
    consultant_id: DbId | None = Field(
        None, description="a manager of the service logs for an agent of it"
    )


class TimePatch(Schema):
    minutes: int | None = Minutes
    duration: str | None = Duration
    worked_on: dt.date | None = None
    note: str | None = Field(None, max_length=500)
    billable: bool | None = None


class TimeDeletedOut(Schema):
    id: int
    deleted: bool = Field(description="false when the entry was billed and stays")
    adjustment: TimeEntryOut | None = Field(description="the entry cancelling a billed one")


def _out(e: TimeEntry, key: str) -> TimeEntryOut:
    return TimeEntryOut(
        id=e.pk,
        ticket=key,
        task=e.task.name,
        consultant_id=e.consultant_id,
        consultant=e.consultant.username,
        worked_on=e.worked_on,
        minutes=e.minutes,
        duration=format_minutes(e.minutes),
        note=e.note,
        billable=e.billable,
        period=e.period,
        on_statement=e.statement_id is not None,
        adjusts_id=e.adjusts_id,
        created_at=e.created_at,
    )


def _minutes(minutes: int | None, duration: str | None, *, required: bool) -> int | None:
    if minutes is not None and duration is not None:
        raise InvalidInput(_("Give the minutes or the duration, not both."), field="duration")
    if duration is not None:
        return parse_duration(duration, field="duration")
    if minutes is None and required:
        raise InvalidInput(_("Give the minutes or the duration."), field="minutes")
    return minutes


def _entry(request: HttpRequest, entry_id: int) -> TimeEntry:
    """The entry if the caller sees its ticket's time (and their token reaches its desk)."""
    found = sel.time_entry_get(actor=actor(request), pk=entry_id)
    desk_id = token_desk_id(request)
    if desk_id is not None and found.ticket.desk_id != desk_id:
        raise NotFound(_("This time entry was not found."))
    return found


@router.get("/tickets/{key}/time", response=TicketTimeOut, summary="Time spent on a ticket")
def ticket_time(request: HttpRequest, key: str) -> TicketTimeOut:
    """Every entry (adjustments included, oldest day first), the monthly tasks and the
    totals, per consultant too."""
    user = actor(request)
    ticket = get_ticket(request, key)
    if not sel.sees_time(actor=user, ticket=ticket):
        raise PermissionDenied(
            _("Only the staff of the ticket's service see its time."), code="not_service_agent"
        )
    entries = list(sel.time_entries(actor=user, ticket=ticket))
    totals = sel.totals_of(entries)
    return TicketTimeOut(
        ticket=ticket.key,
        minutes=totals.minutes,
        billable_minutes=totals.billable_minutes,
        consultants=[ConsultantTimeOut(**vars(c)) for c in totals.consultants],
        tasks=[
            TimeTaskOut(
                id=t.pk,
                name=t.name,
                month=t.month,
                minutes=t.minutes,
                billable_minutes=t.billable_minutes,
            )
            for t in sel.time_tasks(actor=user, ticket=ticket)
        ],
        entries=[_out(e, ticket.key) for e in entries],
    )


@router.post("/tickets/{key}/time", response={201: TimeEntryOut}, summary="Log time on a ticket")
def ticket_time_log(request: HttpRequest, key: str, payload: TimeIn) -> Any:
    """On the task of the month it is billed in; `worked_on` never in the future."""
    user = actor(request)
    ticket = get_ticket(request, key)
    consultant = None
    if payload.consultant_id is not None and payload.consultant_id != user.pk:
        consultant = next(
            (u for u in sel.service_consultants(ticket) if u.pk == payload.consultant_id), None
        )
        if consultant is None:
            raise InvalidInput(_("Choose an agent of the ticket's service."), field="consultant_id")
    entry = actions.time_log(
        actor=user,
        ticket=ticket,
        minutes=_minutes(payload.minutes, payload.duration, required=True),
        worked_on=payload.worked_on or timezone.localdate(),
        note=payload.note,
        billable=payload.billable,
        consultant=consultant,
    )
    return Status(201, _out(entry, ticket.key))


@router.patch("/time-entries/{entry_id}", response=TimeEntryOut, summary="Correct a time entry")
def time_entry_update(request: HttpRequest, entry_id: DbId, payload: TimePatch) -> TimeEntryOut:
    """The entry as it now reads; for an entry already billed, the adjustment entry that
    corrects it (its `adjusts_id` names the entry), billed in the next open month."""
    entry = _entry(request, entry_id)
    result = actions.time_correct(
        actor=actor(request),
        entry=entry,
        minutes=_minutes(payload.minutes, payload.duration, required=False),
        worked_on=payload.worked_on,
        note=payload.note,
        billable=payload.billable,
    )
    return _out(result, entry.ticket.key)


@router.delete("/time-entries/{entry_id}", response=TimeDeletedOut, summary="Delete a time entry")
def time_entry_delete(request: HttpRequest, entry_id: DbId) -> TimeDeletedOut:
    """An entry already billed stays as billed: an adjustment of minus its minutes,
    returned, takes its time off in the next open month."""
    entry = _entry(request, entry_id)
    adjustment = actions.time_delete(actor=actor(request), entry=entry)
    return TimeDeletedOut(
        id=entry.pk,
        deleted=adjustment is None,
        adjustment=_out(adjustment, entry.ticket.key) if adjustment is not None else None,
    )
