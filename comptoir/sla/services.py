"""Ticket SLA columns (SLA-2), recomputed by the actions that can change them.

`recompute(ticket)` is called by `ticket_create`, `apply_transition`, `ticket_update` (a
priority change) and `ticket_convert` right before they save, inside their transaction;
it sets the attributes and returns the field names to save. It never saves by itself.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from comptoir.sla import clock
from comptoir.sla.models import SlaPolicy
from comptoir.workflows.models import SlaEffect, Status

SLA_FIELDS = ("sla_first_response_due", "sla_resolution_due", "sla_paused", "sla_breached_at")
STATUS_KINDS = {"created": "status", "status": "new", "converted": "new_status"}


def policy_for(ticket) -> SlaPolicy | None:
    """The most specific policy of the ticket's desk: type and priority, then type, then
    priority, then the desk's catch-all. None when the type is not under SLA."""
    if not ticket.type.sla_applies:
        return None
    candidates = (
        SlaPolicy.objects.filter(desk_id=ticket.desk_id)
        .filter(Q(type_id=ticket.type_id) | Q(type__isnull=True))
        .filter(Q(priority_id=ticket.priority_id) | Q(priority__isnull=True))
        .select_related("calendar")
    )
    ranked = sorted(
        candidates, key=lambda p: (p.type_id is not None, p.priority_id is not None, -p.pk)
    )
    return ranked[-1] if ranked else None


def status_history(ticket, now: datetime) -> list[tuple[datetime, str]]:
    """(since, sla_effect) for each status the ticket has been in, the current one last."""
    steps: list[tuple[datetime, int]] = []
    if ticket.pk is not None:
        events = ticket.events.filter(kind__in=STATUS_KINDS).order_by("created_at", "id")
        for kind, data, at in events.values_list("kind", "data", "created_at"):
            status = (data or {}).get(STATUS_KINDS[kind]) or {}
            if "id" in status:
                steps.append((ticket.created_at if kind == "created" else at, status["id"]))
    if not steps:
        steps.append((ticket.created_at, ticket.status_id))
    if steps[-1][1] != ticket.status_id:
        since = max(ticket.status_changed_at or now, steps[-1][0])
        steps.append((since, ticket.status_id))
    effects = {ticket.status_id: ticket.status.sla_effect}
    missing = {sid for _at, sid in steps} - set(effects)
    if missing:
        effects.update(Status.objects.filter(pk__in=missing).values_list("pk", "sla_effect"))
    return [(at, effects.get(sid, SlaEffect.RUN)) for at, sid in steps]


def _clear(ticket) -> list[str]:
    ticket.sla_first_response_due = ticket.sla_resolution_due = ticket.sla_breached_at = None
    ticket.sla_paused = False
    return list(SLA_FIELDS)


def _due(spec, history, target, now, running) -> tuple[datetime | None, datetime | None]:
    """(due date or None, breach moment or None) for one target over `history`."""
    if target is None:
        return None, None
    crossed = clock.crossed_at(spec, history, target, now)
    if not running:
        return None, crossed
    left = target - clock.elapsed(spec, history, now)
    return (clock.add_business_minutes(spec, now, left) if left > 0 else crossed), crossed


def recompute(ticket, *, now: datetime | None = None) -> list[str]:
    """Set the ticket's SLA columns from its policy and status history; the fields to save."""
    now = now or timezone.now()
    policy = policy_for(ticket)
    if policy is None:
        return _clear(ticket)
    spec = policy.calendar.spec()
    history = status_history(ticket, now)
    effect = history[-1][1]
    running = effect == SlaEffect.RUN
    # First response: the ticket leaving its initial status (taken, qualified, answered).
    responded = history[1][0] if len(history) > 1 else None
    first_history = history[:1] if responded else history
    first_now = responded or now
    first_due, first_crossed = _due(
        spec, first_history, policy.first_response_minutes, first_now, running and not responded
    )
    resolution_due, resolution_crossed = _due(
        spec, history, policy.resolution_minutes, now, running
    )
    ticket.sla_first_response_due = first_due
    ticket.sla_resolution_due = resolution_due
    ticket.sla_paused = effect == SlaEffect.PAUSE
    crossings = [c for c in (first_crossed, resolution_crossed) if c is not None]
    ticket.sla_breached_at = min(crossings) if crossings else None
    return list(SLA_FIELDS)


def remaining_minutes(ticket, *, now: datetime | None = None) -> float | None:
    """Business minutes left before the resolution target (negative once breached), also
    while paused; None without a policy or a resolution target."""
    now = now or timezone.now()
    policy = policy_for(ticket)
    if policy is None or policy.resolution_minutes is None:
        return None
    history = status_history(ticket, now)
    return policy.resolution_minutes - clock.elapsed(policy.calendar.spec(), history, now)
