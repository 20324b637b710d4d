"""Writing webhook deliveries with the event they report (the write path).

`on_event` is called by `comptoir.tickets.actions._base.event()` for every timeline event,
inside the action's transaction: the delivery rows commit or roll back with the change,
and the network is never touched here, so a slow or dead receiver cannot slow an action.
A delivery task is enqueued once the transaction commits; the periodic sweep catches
what it misses (a broker down, a retry whose backoff ran out).

Webhooks are the provider's own integrations, registered by an administrator: internal
events (internal comments, SLA alerts) are sent too, marked `"internal": true`, and the
receiver decides what it may show to whom.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, transaction

from comptoir.tickets.models import Event, Ticket
from comptoir.webhooks.models import Webhook, WebhookDelivery


def payload(event: Event, ticket: Ticket) -> dict[str, Any]:
    """What a receiver gets: the event and enough of its ticket to act without calling
    back. Built from objects the action already holds: no query."""
    comment = event.comment
    return {
        "event": event.kind,
        "id": event.pk,
        "created_at": event.created_at.isoformat(),
        "internal": event.internal,
        "organisation": ticket.organisation_id,
        "actor": event.actor_id,
        "ticket": {
            "id": ticket.pk,
            "key": ticket.key,
            "desk": ticket.desk.slug,
            "status": ticket.status.code,
            "state": ticket.state,
            "title": ticket.title,
        },
        "comment": (
            {"id": comment.pk, "body": comment.body, "internal": comment.internal}
            if comment is not None
            else None
        ),
        "data": event.data,
    }


def _deliver_soon() -> None:
    from comptoir.webhooks.tasks import deliver_webhooks

    deliver_webhooks.enqueue()


def schedule_delivery(using: str = "default") -> None:
    """One delivery task per committed transaction, however many rows it wrote."""
    pending = getattr(connections[using], "run_on_commit", [])
    if any(entry[1] is _deliver_soon for entry in pending):
        return
    transaction.on_commit(_deliver_soon, using=using, robust=True)


def on_event(event: Event) -> list[WebhookDelivery]:
    """Write a delivery for each active webhook of the ticket's desk that takes this kind
    of event; one query when none does. Nothing is cached across requests, so a webhook
    registered or switched off takes effect with the next event."""
    ticket = event.ticket
    hooks = [
        h
        for h in Webhook.objects.filter(desk_id=ticket.desk_id, is_active=True).only("events")
        if h.wants(event.kind)
    ]
    if not hooks:
        return []
    body = payload(event, ticket)
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook=h,
            event=event,
            organisation_id=ticket.organisation_id,
            kind=event.kind,
            payload=body,
            available_at=event.created_at,
        )
        for h in hooks
    )
    schedule_delivery()
    return rows
