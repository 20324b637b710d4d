"""The rules of time entries that write nothing (BIL-1): what an entry may say, who
logs for whom, what an event keeps of an entry, and the refusals the actions raise.
`comptoir.billing.actions` applies them inside its transactions."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.billing import periods
from comptoir.billing.durations import check_minutes
from comptoir.billing.models import TimeEntry, Timer
from comptoir.catalog.models import ServiceMember
from comptoir.core.errors import Conflict, InvalidInput, PermissionDenied
from comptoir.tickets.actions import _base
from comptoir.tickets.models import Ticket
from comptoir.workflows.models import Actor

NOTE_MAX = 500


def require_service_staff(rel: set[str]) -> None:
    if not rel & {Actor.AGENT, Actor.ADMIN}:
        raise PermissionDenied(
            _("Only agents of the ticket's service log time on it."), code="not_service_agent"
        )


def checked_day(worked_on: date | None) -> date:
    if not isinstance(worked_on, date):
        raise InvalidInput(_("Enter the day the work was done."), field="worked_on")
    if isinstance(worked_on, datetime):
        worked_on = worked_on.date()
    if worked_on > timezone.localdate():
        raise InvalidInput(
            _("Time is logged once spent: the date cannot be in the future."), field="worked_on"
        )
    return worked_on


def checked_note(note: str | None) -> str:
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            _("Keep the note under %(max)s characters.") % {"max": NOTE_MAX}, field="note"
        )
    return note


def checked_minutes(minutes: Any) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise InvalidInput(_("Enter the duration in minutes."), field="minutes")
    return check_minutes(minutes, field="minutes")


def consultant_for(actor: User, ticket: Ticket, rel: set[str], consultant: User | None) -> User:
    if consultant is None or consultant.pk == actor.pk:
        return actor
    if not rel & {Actor.MANAGER, Actor.ADMIN}:
        raise PermissionDenied(
            _("Only a manager of the service logs time for another consultant."),
            code="not_manager",
        )
    if not ServiceMember.objects.filter(
        service_id=ticket.service_id, user_id=consultant.pk, user__is_active=True
    ).exists():
        raise InvalidInput(
            _("%(name)s is not an agent of this ticket's service.") % {"name": consultant},
            field="consultant",
        )
    return consultant


def entry_facts(entry: TimeEntry) -> dict[str, Any]:
    """What an event keeps of an entry, readable after the entry is gone."""
    return {
        "consultant": _base.label(entry.consultant),
        "minutes": entry.minutes,
        "worked_on": entry.worked_on.isoformat(),
        "billable": entry.billable,
        "note": entry.note,
        "period": entry.period.isoformat(),
    }


def effective_minutes(entry: TimeEntry) -> int:
    """A billed entry's minutes once its adjustments are counted."""
    extra = entry.adjustments.aggregate(total=Sum("minutes"))["total"] or 0
    return entry.minutes + extra


def frozen_refusal(entry: TimeEntry) -> Conflict:
    month = periods.month_label(entry.statement.month, (translation.get_language() or "fr")[:2])
    return Conflict(
        _(
            "This entry is on the statement of %(month)s: only its duration can still be "
            "corrected, and the difference is billed in the next open month."
        )
        % {"month": month},
        code="frozen",
    )


def timer_running_refusal(timer: Timer, ticket: Ticket) -> Conflict:
    if timer.ticket_id == ticket.pk:
        return Conflict(_("Your timer is already running on this ticket."), code="timer_here")
    return Conflict(
        _("Your timer is running on %(key)s: stop it there first, so its time is logged.")
        % {"key": timer.ticket.key},
        code="timer_running",
    )


def no_timer() -> Conflict:
    return Conflict(_("No timer is running."), code="no_timer")


def timer_elapsed(timer: Timer, now: datetime | None = None) -> int:
    """Whole minutes, rounded up: a timer stopped after 10 seconds logs one minute."""
    seconds = ((now or timezone.now()) - timer.started_at).total_seconds()
    return max(1, math.ceil(seconds / 60))
