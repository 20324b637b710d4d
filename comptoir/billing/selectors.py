"""Reads of time (BIL-1), scoped to the person asking.

Time is the provider's business: the agents of a ticket's service and administrators see
it; a customer sees none of it, nor does an agent of another service, even one following
the ticket as a guest. Everything starts from `time_tickets(actor)`, and a missing or an
unseen entry raise the same NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.billing.models import TimeEntry, Timer, TimeTask
from comptoir.core.errors import NotFound
from comptoir.tickets.models import Ticket
from comptoir.tickets.relations import relations, service_roster
from comptoir.tickets.selectors import member_service_ids
from comptoir.workflows.models import Actor


def time_tickets(actor: User) -> QuerySet[Ticket]:
    """The tickets whose time `actor` may see."""
    if not actor.is_authenticated or not actor.is_active:
        return Ticket.objects.none()
    if actor.is_admin:
        return Ticket.objects.all()
    if not actor.is_staff_member:
        return Ticket.objects.none()
    return Ticket.objects.filter(service_id__in=member_service_ids(actor))


def sees_time(*, actor: User, ticket: Ticket) -> bool:
    return time_tickets(actor).filter(pk=ticket.pk).exists()


def time_entries(*, actor: User, ticket: Ticket) -> QuerySet[TimeEntry]:
    """The ticket's entries, adjustments included, oldest day first."""
    return (
        TimeEntry.objects.filter(ticket_id=ticket.pk, ticket__in=time_tickets(actor))
        .select_related("consultant", "task", "statement", "adjusts")
        .order_by("worked_on", "pk")
    )


def time_entry_get(*, actor: User, pk: int) -> TimeEntry:
    found = (
        TimeEntry.objects.filter(pk=pk, ticket__in=time_tickets(actor))
        .select_related("consultant", "task", "statement", "ticket")
        .first()
    )
    if found is None:
        raise NotFound(_("This time entry was not found."))
    return found


def time_tasks(*, actor: User, ticket: Ticket) -> QuerySet[TimeTask]:
    """The ticket's monthly tasks with the minutes logged on each (billable apart)."""
    return (
        TimeTask.objects.filter(ticket_id=ticket.pk, ticket__in=time_tickets(actor))
        .annotate(
            minutes=Sum("entries__minutes", default=0),
            billable_minutes=Sum("entries__minutes", filter=Q(entries__billable=True), default=0),
            entry_count=Count("entries"),
        )
        .order_by("month")
    )


@dataclass
class ConsultantTotal:
    consultant_id: int
    name: str
    minutes: int
    billable_minutes: int


@dataclass
class TimeTotals:
    minutes: int = 0
    billable_minutes: int = 0
    consultants: list[ConsultantTotal] = field(default_factory=list)


def totals_of(entries: list[TimeEntry]) -> TimeTotals:
    """Minutes in all and per consultant (most time first), adjustments counted: what was
    finally spent, whatever month it is billed in."""
    per: dict[int, ConsultantTotal] = {}
    totals = TimeTotals()
    for e in entries:
        row = per.get(e.consultant_id)
        if row is None:
            user = e.consultant
            row = per[e.consultant_id] = ConsultantTotal(
                consultant_id=e.consultant_id,
                name=user.get_full_name() or user.username,
                minutes=0,
                billable_minutes=0,
            )
        row.minutes += e.minutes
        totals.minutes += e.minutes
        if e.billable:
            row.billable_minutes += e.minutes
            totals.billable_minutes += e.minutes
    totals.consultants = sorted(per.values(), key=lambda r: (-r.minutes, r.name))
    return totals


def time_totals(*, actor: User, ticket: Ticket) -> TimeTotals:
    return totals_of(list(time_entries(actor=actor, ticket=ticket)))


def service_consultants(ticket: Ticket) -> list[User]:
    """Whom time on this ticket may be logged for: the active agents of its service."""
    return list(
        User.objects.filter(memberships__service_id=ticket.service_id, is_active=True).order_by(
            "last_name", "first_name", "username"
        )
    )


@dataclass
class Standing:
    """How a person stands to a ticket's time: whether they see it and log on it, whether
    they manage it (log for others, change anyone's entries), whom a manager may log
    for, and the person's own running timer."""

    sees: bool
    manages: bool
    consultants: list[User] | None
    timer: Timer | None


def time_standing(*, actor: User, ticket: Ticket) -> Standing:
    """`relations()`'s agent and manager tokens, the service's consultants and the
    actor's timer, in one query for a member of the service (the ticket page's time
    panel counts its queries): the members come with their users and running timers."""
    if not actor.is_authenticated or not (actor.is_staff_member or actor.is_admin):
        return Standing(sees=False, manages=False, consultants=None, timer=None)
    members = [m for m in service_roster(ticket.service_id) if m.user.is_active]
    mine = next((m for m in members if m.user_id == actor.pk), None)
    manages = actor.is_admin or (mine is not None and mine.can_manage)
    timer = running_timer(actor=actor) if mine is None else getattr(mine.user, "timer", None)
    return Standing(
        sees=actor.is_admin or mine is not None,
        manages=manages,
        consultants=[m.user for m in members] if manages else None,
        timer=timer,
    )


def time_consultants(*, actor: User, ticket: Ticket) -> list[User] | None:
    """The consultants a manager of the service (or an administrator) may log time for;
    None for anyone else, who logs only their own."""
    if not relations(actor, ticket) & {Actor.MANAGER, Actor.ADMIN}:
        return None
    return service_consultants(ticket)


def running_timer(*, actor: User) -> Timer | None:
    """The actor's own running timer with its ticket: only ever their own, so it is
    shown on every ticket page (one timer per person, whichever ticket it runs on)."""
    if not actor.is_authenticated:
        return None
    return Timer.objects.select_related("ticket").filter(user_id=actor.pk).first()


def effective(entries: list[TimeEntry]) -> dict[int, int]:
    """Entry id → its minutes once the adjustments among `entries` are counted (what a
    correction of a billed entry starts from)."""
    out = {e.pk: e.minutes for e in entries if e.adjusts_id is None}
    for e in entries:
        if e.adjusts_id is not None and e.adjusts_id in out:
            out[e.adjusts_id] += e.minutes
    return out
