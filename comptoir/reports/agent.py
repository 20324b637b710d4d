"""The agent's own dashboard (X-3): my queues, my tickets near an SLA breach, what
happened lately on the tickets I hold or follow.

Queues are the console's own definitions (`console.selectors.queue_queryset`), so a
count here is the count of the tab it links to. Everything starts from
`visible_tickets(actor)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.console import selectors as queues
from comptoir.reports.selectors import CountRow, desk_tag, pick
from comptoir.tickets.models import Event, Guest, Ticket
from comptoir.tickets.selectors import visible_tickets
from comptoir.workflows.models import State

NEAR_HOURS = (1, 4, 8, 24, 72)
DEFAULT_NEAR_HOURS = 4
NEAR_ROWS = 25
ACTIVITY_ROWS = 20


@dataclass(frozen=True)
class QueueCount:
    code: str
    label: str
    count: str  # "99+" past the console's cap


def queue_counts(actor: User) -> list[QueueCount]:
    """Each console queue's size, capped like its tab (one bounded count per queue)."""
    counts = queues.queue_counts(actor)
    return [QueueCount(code, str(label), counts[code]) for code, label in queues.QUEUES.items()]


def held_by_status(actor: User) -> list[CountRow]:
    """The open or resolved tickets I hold, per status (one grouped query)."""
    rows = (
        queues.queue_queryset(actor, "mine")
        .values(
            "status_id",
            "status__name_fr",
            "status__name_en",
            "status__order",
            "desk__key_prefix",
            "desk__slug",
        )
        .annotate(n=Count("id"))
        .order_by("desk__slug", "status__order", "status_id")
    )
    return [
        CountRow(r["status_id"], f"{desk_tag(r)} · {pick(r, 'status__name')}", r["n"]) for r in rows
    ]


def my_work(actor: User) -> QuerySet[Ticket]:
    """Open tickets I hold, and the unassigned ones of my services."""
    return visible_tickets(actor).filter(
        Q(assignee_id=actor.pk)
        | Q(assignee__isnull=True, service_id__in=queues.my_service_ids(actor)),
        state=State.OPEN,
    )


def near_breach(
    actor: User, *, hours: int = DEFAULT_NEAR_HOURS, now: dt.datetime | None = None
) -> list[Ticket]:
    """My work whose running SLA deadline (first response or resolution) falls within
    `hours`, overdue ones first; a paused clock has no deadline (`sla.services`)."""
    now = now or timezone.now()
    limit = now + dt.timedelta(hours=hours)
    return list(
        my_work(actor)
        .filter(Q(sla_first_response_due__lte=limit) | Q(sla_resolution_due__lte=limit))
        .annotate(
            due=Least(
                Coalesce("sla_first_response_due", Value(queues.NO_DUE)),
                Coalesce("sla_resolution_due", Value(queues.NO_DUE)),
            )
        )
        .select_related("status", "service", "desk", "assignee", "organisation")
        .order_by("due", "id")[:NEAR_ROWS]
    )


def recent_activity(actor: User, *, limit: int = ACTIVITY_ROWS) -> list[Event]:
    """The latest events by others on the tickets I hold or follow, newest first."""
    mine = visible_tickets(actor).filter(
        Q(assignee_id=actor.pk)
        | Q(pk__in=Guest.objects.filter(user_id=actor.pk).values("ticket_id"))
    )
    return list(
        Event.objects.filter(ticket__in=mine.values("pk"))
        .exclude(actor_id=actor.pk)
        .select_related("actor", "ticket", "comment")
        .order_by("-created_at", "-id")[:limit]
    )
