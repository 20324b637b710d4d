"""Time tracking's one write path (BIL-1, seed 004): monthly tasks, entries, timers.

Every action locks the ticket first (`tickets.actions._base.lock`, through the actor's
scope), so two consultants logging on one ticket, or a correction racing a deletion, are
applied one after the other. Permissions come from `relations()`: the agents of the
ticket's service and administrators log time; a manager of the service (or an
administrator) logs for another consultant of the service and changes anyone's entries;
an agent changes their own. Each change writes an internal timeline event with the old
and new values, so the history stays even for a deleted entry.

An entry already on an issued statement is frozen: what was billed stays billed, and a
correction is a new *adjustment* entry (the difference, possibly negative) billed in the
next month still open for that customer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.billing import periods
from comptoir.billing import time_rules as rules
from comptoir.billing.durations import MAX_MINUTES
from comptoir.billing.models import TimeEntry, Timer, TimeTask
from comptoir.billing.time_rules import effective_minutes, timer_elapsed
from comptoir.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from comptoir.tickets.actions import _base
from comptoir.tickets.models import Ticket
from comptoir.tickets.relations import relations
from comptoir.workflows.models import Actor

# --- tasks ------------------------------------------------------------------------------


def task_row(
    *, ticket_id: int, organisation_id: int, key: str, title: str, language: str, month: date
) -> TimeTask:
    """An unsaved task named as seed 004 names it, in the desk's language."""
    name = periods.task_name(key=key, title=title, month=month, language=language)
    return TimeTask(
        ticket_id=ticket_id,
        organisation_id=organisation_id,
        month=month,
        name=name[: TimeTask._meta.get_field("name").max_length],
    )


def _task_row(ticket: Ticket, month: date) -> TimeTask:
    return task_row(
        ticket_id=ticket.pk,
        organisation_id=ticket.organisation_id,
        key=ticket.key,
        title=ticket.title,
        language=ticket.desk.language,
        month=month,
    )


def time_task_open(*, ticket: Ticket, when: date | datetime | None = None) -> date:
    """BIL-1: the ticket's task for the month of `when` (now by default), opened if missing.

    Called by the ticket actions inside their transaction when a ticket is taken or
    assigned; one INSERT that does nothing when the task exists (also when the daily job
    opens it at the same moment), so taking a ticket twice in a month opens one task.
    """
    month = periods.month_of(when or timezone.now())
    TimeTask.objects.bulk_create([_task_row(ticket, month)], ignore_conflicts=True)
    return month


def _task(ticket: Ticket, month: date) -> TimeTask:
    found = TimeTask.objects.filter(ticket_id=ticket.pk, month=month).first()
    if found is None:
        TimeTask.objects.bulk_create([_task_row(ticket, month)], ignore_conflicts=True)
        found = TimeTask.objects.get(ticket_id=ticket.pk, month=month)
    return found


# --- entries ----------------------------------------------------------------------------


def _new_entry(
    *,
    actor: User,
    ticket: Ticket,
    consultant: User,
    minutes: int,
    worked_on: date,
    note: str,
    billable: bool,
    adjusts: TimeEntry | None = None,
) -> TimeEntry:
    """Billed in the month of its day, or the next one whose statement is still open."""
    period = periods.open_period(ticket.organisation_id, worked_on)
    now = timezone.now()
    return TimeEntry.objects.create(
        task=_task(ticket, period),
        ticket=ticket,
        organisation_id=ticket.organisation_id,
        consultant=consultant,
        worked_on=worked_on,
        minutes=minutes,
        note=note,
        billable=billable,
        period=period,
        adjusts=adjusts,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )


def time_log(
    *,
    actor: User,
    ticket: Ticket | int,
    minutes: int,
    worked_on: date,
    note: str = "",
    billable: bool = True,
    consultant: User | None = None,
) -> TimeEntry:
    """BIL-1: `minutes` a consultant (the actor unless a manager names another) spent on
    the ticket on `worked_on`, on the task of the month it is billed in."""
    _base.require_staff(actor)
    minutes = rules.checked_minutes(minutes)
    worked_on = rules.checked_day(worked_on)
    note = rules.checked_note(note)
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        rel = relations(actor, ticket)
        rules.require_service_staff(rel)
        who = rules.consultant_for(actor, ticket, rel, consultant)
        entry = _new_entry(
            actor=actor,
            ticket=ticket,
            consultant=who,
            minutes=minutes,
            worked_on=worked_on,
            note=note,
            billable=bool(billable),
        )
        _base.event(
            ticket=ticket,
            actor=actor,
            kind="time_logged",
            data={"entry": entry.pk, "task": entry.task.name, **rules.entry_facts(entry)},
            internal=True,
        )
    return entry


def _locked_entry(actor: User, entry: TimeEntry | int) -> tuple[TimeEntry, Ticket, set[str]]:
    """The entry, its ticket locked, and how the actor stands to it. Someone who may not
    see the ticket's time gets the same NotFound as for a missing entry."""
    _base.require_staff(actor)
    pk = entry.pk if isinstance(entry, TimeEntry) else entry
    missing = NotFound(_("This time entry was not found."))
    ticket_id = TimeEntry.objects.filter(pk=pk).values_list("ticket_id", flat=True).first()
    if ticket_id is None:
        raise missing
    try:
        ticket = _base.lock(actor=actor, ticket=ticket_id)
    except NotFound:
        raise missing from None
    rel = relations(actor, ticket)
    if not rel & {Actor.AGENT, Actor.ADMIN}:
        raise missing
    found = (
        TimeEntry.objects.select_related("consultant", "statement")
        .filter(pk=pk, ticket_id=ticket.pk)
        .first()
    )
    if found is None:
        raise missing
    if found.consultant_id != actor.pk and not rel & {Actor.MANAGER, Actor.ADMIN}:
        raise PermissionDenied(
            _("You may change only your own time entries."), code="not_your_entry"
        )
    if found.adjusts_id is not None:
        raise Conflict(
            _("This line corrects an entry already billed: correct that entry instead."),
            code="adjustment",
        )
    return found, ticket, rel


def time_correct(
    *,
    actor: User,
    entry: TimeEntry | int,
    minutes: int | None = None,
    worked_on: date | None = None,
    note: str | None = None,
    billable: bool | None = None,
) -> TimeEntry:
    """Change an entry; one already billed gets an adjustment entry instead, which is
    returned (what was billed never changes)."""
    with transaction.atomic():
        entry, ticket, _rel = _locked_entry(actor, entry)
        if entry.statement_id is not None:
            return _adjust(
                actor,
                ticket,
                entry,
                minutes=minutes,
                note=note,
                others=(
                    worked_on is not None and worked_on != entry.worked_on,
                    billable is not None and bool(billable) != entry.billable,
                ),
            )
        old = rules.entry_facts(entry)
        if minutes is not None:
            entry.minutes = rules.checked_minutes(minutes)
        if worked_on is not None and worked_on != entry.worked_on:
            entry.worked_on = rules.checked_day(worked_on)
            entry.period = periods.open_period(ticket.organisation_id, entry.worked_on)
            entry.task = _task(ticket, entry.period)
        if note is not None:
            entry.note = rules.checked_note(note)
        if billable is not None:
            entry.billable = bool(billable)
        new = rules.entry_facts(entry)
        changed = [k for k in new if new[k] != old[k]]
        if not changed:
            raise InvalidInput(_("Nothing to change: the entry already says this."))
        entry.updated_at = timezone.now()
        entry.save(
            update_fields=[
                "minutes",
                "worked_on",
                "period",
                "task",
                "note",
                "billable",
                "updated_at",
            ]
        )
        _base.event(
            ticket=ticket,
            actor=actor,
            kind="time_corrected",
            data={
                "entry": entry.pk,
                "consultant": old["consultant"],
                "worked_on": old["worked_on"],
                "old": {k: old[k] for k in changed},
                "new": {k: new[k] for k in changed},
            },
            internal=True,
        )
    return entry


def _adjust(
    actor: User,
    ticket: Ticket,
    entry: TimeEntry,
    *,
    minutes: int | None,
    note: str | None,
    others: tuple[bool, ...],
) -> TimeEntry:
    if any(others):
        raise rules.frozen_refusal(entry)
    before = effective_minutes(entry)
    if minutes is None or minutes == before:
        if note is not None and rules.checked_note(note) != entry.note:
            raise rules.frozen_refusal(entry)
        raise InvalidInput(_("Nothing to change: the entry already says this."))
    after = rules.checked_minutes(minutes)
    adjustment = _new_entry(
        actor=actor,
        ticket=ticket,
        consultant=entry.consultant,
        minutes=after - before,
        worked_on=entry.worked_on,
        note=rules.checked_note(note) if note is not None else entry.note,
        billable=entry.billable,
        adjusts=entry,
    )
    _base.event(
        ticket=ticket,
        actor=actor,
        kind="time_corrected",
        data={
            "entry": entry.pk,
            "consultant": _base.label(entry.consultant),
            "worked_on": entry.worked_on.isoformat(),
            "old": {"minutes": before},
            "new": {"minutes": after},
            "adjustment": adjustment.pk,
            "delta": adjustment.minutes,
            "period": adjustment.period.isoformat(),
        },
        internal=True,
    )
    return adjustment


def time_delete(*, actor: User, entry: TimeEntry | int) -> TimeEntry | None:
    """Remove an entry; one already billed is cancelled by an adjustment of minus its
    minutes in the next open month (returned), the billed line staying as it was."""
    with transaction.atomic():
        entry, ticket, _rel = _locked_entry(actor, entry)
        old = rules.entry_facts(entry)
        data: dict[str, Any] = {"entry": entry.pk, "old": old}
        adjustment = None
        if entry.statement_id is not None:
            before = effective_minutes(entry)
            if before == 0:
                raise Conflict(
                    _("This entry was already cancelled by a correction."), code="cancelled"
                )
            adjustment = _new_entry(
                actor=actor,
                ticket=ticket,
                consultant=entry.consultant,
                minutes=-before,
                worked_on=entry.worked_on,
                note=entry.note,
                billable=entry.billable,
                adjusts=entry,
            )
            old["minutes"] = before
            data.update(
                adjustment=adjustment.pk,
                delta=adjustment.minutes,
                period=adjustment.period.isoformat(),
            )
        else:
            entry.delete()
        _base.event(ticket=ticket, actor=actor, kind="time_deleted", data=data, internal=True)
    return adjustment


# --- timers -----------------------------------------------------------------------------


def _running(actor: User) -> Timer | None:
    return Timer.objects.select_related("ticket").filter(user_id=actor.pk).first()


def timer_start(*, actor: User, ticket: Ticket | int) -> Timer:
    """One running timer per person, kept on the server. Starting on another ticket never
    stops the running one silently: it is refused, naming where the timer runs."""
    _base.require_staff(actor)
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        rules.require_service_staff(relations(actor, ticket))
        running = _running(actor)
        if running is not None:
            raise rules.timer_running_refusal(running, ticket)
        try:
            with transaction.atomic():
                return Timer.objects.create(user=actor, ticket=ticket, started_at=timezone.now())
        except IntegrityError:  # started elsewhere at the same moment
            running = _running(actor)
            if running is None:
                raise
            raise rules.timer_running_refusal(running, ticket) from None


def timer_stop(*, actor: User, note: str = "", billable: bool = True) -> TimeEntry:
    """Log the time the actor's timer ran, today, on its ticket; then the timer is gone."""
    timer = _running(actor)
    if timer is None:
        raise rules.no_timer()
    minutes = timer_elapsed(timer)
    if minutes > MAX_MINUTES:
        raise Conflict(
            _(
                "Your timer ran for more than 24 hours: log the time by hand, day by day, "
                "then cancel the timer."
            ),
            code="timer_too_long",
        )
    with transaction.atomic():
        entry = time_log(
            actor=actor,
            ticket=timer.ticket_id,
            minutes=minutes,
            worked_on=timezone.localdate(),
            note=note,
            billable=billable,
        )
        stopped, _rows = Timer.objects.filter(pk=timer.pk, started_at=timer.started_at).delete()
        if not stopped:  # stopped or cancelled meanwhile: its time is not logged twice
            raise rules.no_timer()
    return entry


def timer_cancel(*, actor: User) -> None:
    """Forget the running timer without logging anything."""
    deleted, _rows = Timer.objects.filter(user_id=actor.pk).delete()
    if not deleted:
        raise rules.no_timer()
