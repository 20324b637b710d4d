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
from comptoir.tickets.selectors import member_service_ids


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


def time_totals(*, actor: User, ticket: Ticket) -> TimeTotals:
    """Minutes on the ticket in all, and per consultant (most time first), adjustments
    counted: what was finally spent, whatever month it is billed in."""
    rows = (
        TimeEntry.objects.filter(ticket_id=ticket.pk, ticket__in=time_tickets(actor))
        .values(
            "consultant_id",
            "consultant__username",
            "consultant__first_name",
            "consultant__last_name",
        )
        .annotate(
            spent=Sum("minutes", default=0),
            billable_spent=Sum("minutes", filter=Q(billable=True), default=0),
        )
        .order_by("-spent", "consultant__username")
    )
    totals = TimeTotals()
    for r in rows:
        full = f"{r['consultant__first_name']} {r['consultant__last_name']}".strip()
        totals.consultants.append(
            ConsultantTotal(
                consultant_id=r["consultant_id"],
                name=full or r["consultant__username"],
                minutes=r["spent"],
                billable_minutes=r["billable_spent"],
            )
        )
        totals.minutes += r["spent"]
        totals.billable_minutes += r["billable_spent"]
    return totals


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
