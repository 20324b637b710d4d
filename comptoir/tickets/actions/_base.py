"""Shared steps of every ticket action: lock, guard, save, timeline event, outbox.

An action is `transaction.atomic`; it locks the ticket row first (`select_for_update`, and
on SQLite the IMMEDIATE transaction mode), re-reads it through the actor's scope, checks
its guards, then writes the change, the event and the outbox rows together.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import Conflict, NotFound, PermissionDenied
from comptoir.tickets.models import Event, Ticket
from comptoir.tickets.selectors import visible_tickets
from comptoir.webhooks import outbox as webhooks


def lock(
    *, actor: User | None, ticket: Ticket | int, expected_version: int | None = None
) -> Ticket:
    """The ticket row, locked for this transaction, if `actor` may see it (None: system)."""
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    qs = Ticket.objects.all() if actor is None else visible_tickets(actor)
    # Lock the bare row first, then read it with its relations. Locking with the joins would
    # let PostgreSQL re-check a row changed meanwhile (say, a new status) against the old
    # joined rows: the ticket would vanish and the waiting action answer "not found".
    if not qs.select_for_update().filter(pk=pk).values_list("pk", flat=True):
        raise NotFound()
    locked = Ticket.objects.select_related(
        "status", "type__workflow", "desk", "reporter", "affected"
    ).get(pk=pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _("This ticket was changed by someone else in the meantime; reload it and try again."),
            code="stale",
        )
    return locked


def save(ticket: Ticket, *fields: str) -> None:
    """Save the named fields, bump the version and the update time."""
    ticket.updated_at = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        version=F("version") + 1,
        updated_at=ticket.updated_at,
        **{f: getattr(ticket, f) for f in fields},
    )
    ticket.version += 1


def event(
    *,
    ticket: Ticket,
    actor: User | None,
    kind: str,
    data: dict[str, Any] | None = None,
    internal: bool = False,
    comment=None,
) -> Event:
    ev = Event.objects.create(
        ticket=ticket,
        organisation_id=ticket.organisation_id,
        actor=actor,
        kind=kind,
        data=data or {},
        internal=internal,
        comment=comment,
    )
    webhooks.on_event(ev)  # deliveries written in this transaction, posted after commit
    return ev


def require_staff(actor: User) -> None:
    if not (actor.is_staff_member or actor.is_admin):
        raise PermissionDenied(_("Only the provider's staff may do this."), code="staff_only")


def label(obj: Any) -> dict[str, Any] | None:
    """How an old or new value is stored in an event: id plus both labels, readable later
    even if the row is renamed or deleted."""
    if obj is None:
        return None
    out: dict[str, Any] = {"id": obj.pk}
    for lang in ("fr", "en"):
        value = getattr(obj, f"name_{lang}", None)
        if value:
            out[lang] = value
    if len(out) == 1:
        out["name"] = str(obj)
    return out
