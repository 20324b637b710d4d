"""Reads of the SLA alert history for reports (SLA-2, X-3), scoped like the tickets.

An alert is visible to whoever sees its ticket (`tickets.selectors.visible_tickets`: the
one place that decides it), and only to the provider's staff: SLA internals are never
shown to customers, whatever tickets they see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, User
from comptoir.catalog.models import Desk, Priority, Service, TicketType
from comptoir.core.errors import InvalidInput
from comptoir.sla.models import AlertLevel, AlertTarget, SlaAlert
from comptoir.tickets.selectors import sees_internal, visibility_q, visible_tickets

# What a count may be grouped by: the snapshot column and the model it names.
GROUPS: dict[str, type] = {
    "desk": Desk,
    "service": Service,
    "type": TicketType,
    "priority": Priority,
    "organisation": Organisation,
}


def visible_alerts(actor: User) -> QuerySet[SlaAlert]:
    """The alerts of the tickets `actor` sees; none for customers and anonymous people."""
    if not sees_internal(actor):
        return SlaAlert.objects.none()
    if visibility_q(actor) is None:
        return SlaAlert.objects.all()
    return SlaAlert.objects.filter(ticket__in=visible_tickets(actor).values("pk"))


def _filtered(
    actor: User,
    *,
    since: datetime | None,
    until: datetime | None,
    level: str | None,
    target: str | None,
    desk_id: int | None,
    service_id: int | None,
    organisation_id: int | None,
) -> QuerySet[SlaAlert]:
    if level and level not in AlertLevel.values:
        raise InvalidInput(_("Unknown alert level: %(v)s") % {"v": level}, field="level")
    if target and target not in AlertTarget.values:
        raise InvalidInput(_("Unknown SLA target: %(v)s") % {"v": target}, field="target")
    if since and until and until < since:
        raise InvalidInput(_("The end of the period comes before its start."), field="until")
    qs = visible_alerts(actor)
    filters: dict[str, Any] = {
        "due_at__gte": since,
        "due_at__lt": until,
        "level": level,
        "target": target,
        "desk_id": desk_id,
        "service_id": service_id,
        "organisation_id": organisation_id,
    }
    return qs.filter(**{k: v for k, v in filters.items() if v})


def sla_alert_list(
    *,
    actor: User,
    since: datetime | None = None,
    until: datetime | None = None,
    level: str | None = None,
    target: str | None = None,
    desk_id: int | None = None,
    service_id: int | None = None,
    organisation_id: int | None = None,
) -> QuerySet[SlaAlert]:
    """Alerts that happened in [since, until), newest first, with what a report row shows
    (one query however many rows)."""
    qs = _filtered(
        actor,
        since=since,
        until=until,
        level=level,
        target=target,
        desk_id=desk_id,
        service_id=service_id,
        organisation_id=organisation_id,
    )
    return qs.select_related(
        "ticket", "organisation", "desk", "service", "type", "priority", "assignee"
    ).order_by("-due_at", "-id")


@dataclass(frozen=True)
class AlertCount:
    """One row of a report: the group (a desk, service, type, priority or organisation;
    None for tickets without priority) and its warnings and breaches."""

    group: Any
    warnings: int
    breaches: int


def sla_alert_counts(
    *,
    actor: User,
    by: str,
    since: datetime | None = None,
    until: datetime | None = None,
    target: str | None = None,
    desk_id: int | None = None,
    service_id: int | None = None,
    organisation_id: int | None = None,
) -> list[AlertCount]:
    """Warnings and breaches per desk, service, type, priority or organisation, as they
    were when the alert happened; most breaches first. Two queries."""
    if by not in GROUPS:
        raise InvalidInput(_("Alerts cannot be counted by %(v)s.") % {"v": by}, field="by")
    qs = _filtered(
        actor,
        since=since,
        until=until,
        level=None,
        target=target,
        desk_id=desk_id,
        service_id=service_id,
        organisation_id=organisation_id,
    )
    column = f"{by}_id"
    rows = list(
        qs.order_by()
        .values(column)
        .annotate(
            warnings=Count("id", filter=Q(level=AlertLevel.WARNING)),
            breaches=Count("id", filter=Q(level=AlertLevel.BREACH)),
        )
    )
    groups = GROUPS[by].objects.in_bulk([r[column] for r in rows if r[column] is not None])
    out = [AlertCount(groups.get(r[column]), r["warnings"], r["breaches"]) for r in rows]
    return sorted(out, key=lambda c: (-c.breaches, -c.warnings, str(c.group or "")))
