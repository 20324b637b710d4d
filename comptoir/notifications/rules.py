"""Who is told of what (NOT-1, NOT-2, NOT-4, NOT-5, AG-2, AG-6).

Called by the ticket actions inside their transaction: it only writes Outbox rows, one per
recipient (NOT-6: nobody sees another recipient's address). Delivery is background work.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from comptoir.accounts.models import User
from comptoir.catalog.models import ServiceMember
from comptoir.core.readcache import cached
from comptoir.notifications.models import Outbox, Watch, WatchPreference
from comptoir.sla.models import SlaAlert
from comptoir.tickets.models import Event, Guest, Mute, Ticket

# Event kinds that customers (requesters, customer guests) may hear about.
REQUESTER_KINDS = {"created", "status", "comment", "converted"}


def _agents_watching(ticket: Ticket, *, creation: bool) -> list[User]:
    """Members of the ticket's service whose watch grid asks for this event."""
    # Whether each member manages the ticket's category, in the same query.
    in_category = ServiceMember.categories.through.objects.filter(
        servicemember_id=OuterRef("pk"), category_id=ticket.category_id
    )
    members = (
        ServiceMember.objects.filter(service_id=ticket.service_id, user__is_active=True)
        .select_related("user")
        .annotate(in_category=Exists(in_category))
    )
    prefs = {
        p.user_id: p.grid() for p in WatchPreference.objects.filter(service_id=ticket.service_id)
    }
    out = []
    for m in members:
        grid = prefs.get(m.user_id, dict(WatchPreference.MEDIUM_GRID))
        wants = [grid["any"]]
        if m.in_category:
            wants.append(grid["category"])
        if ticket.assignee_id == m.user_id:
            wants.append(grid["held"])
        if Watch.ALWAYS in wants or (creation and Watch.CREATION in wants):
            out.append(m.user)
    return out


def _requesters(ticket: Ticket) -> list[User]:
    people = [ticket.reporter]
    if ticket.affected_id != ticket.reporter_id:
        people.append(ticket.affected)
    return people


def record(
    *,
    ticket: Ticket,
    event: Event,
    kind: str,
    recipients: Iterable[User],
    actor: User | None,
    language_of: User | None = None,
    context: dict | None = None,
    skip_actor: bool = True,
) -> list[Outbox]:
    """One Outbox row per distinct recipient with an address, minus mutes and (unless told
    otherwise) the actor: nobody needs a mail about what they just did."""
    rows = _rows(
        ticket=ticket,
        event=event,
        kind=kind,
        recipients=recipients,
        actor=actor,
        muted=_muted(ticket),
        language_of=language_of,
        context=context,
        skip_actor=skip_actor,
    )
    return Outbox.objects.bulk_create(rows)


def _muted(ticket: Ticket) -> set[int]:
    return set(Mute.objects.filter(ticket_id=ticket.pk).values_list("user_id", flat=True))


def _rows(
    *,
    ticket: Ticket,
    event: Event,
    kind: str,
    recipients: Iterable[User],
    actor: User | None,
    muted: set[int],
    language_of: User | None = None,
    context: dict | None = None,
    skip_actor: bool = True,
) -> list[Outbox]:
    """`record`'s rows, not yet written: a rule with several kinds of recipients writes
    them all in one insert."""
    seen: set[int] = set()
    rows = []
    for person in recipients:
        if person is None or person.pk in seen or not person.email or not person.is_active:
            continue
        seen.add(person.pk)
        if skip_actor and actor is not None and person.pk == actor.pk:
            continue
        if person.pk in muted:
            continue
        if event.internal and person.is_customer:
            continue  # internal never reaches a customer (TIC-8)
        rows.append(
            Outbox(
                kind=kind,
                organisation_id=ticket.organisation_id,
                ticket=ticket,
                event=event,
                recipient=person,
                email=person.email,
                language=(language_of or person).language,
                context=context or {},
            )
        )
    return rows


def on_event(*, ticket: Ticket, event: Event, actor: User | None) -> list[Outbox]:
    """The default rule for a timeline event: agents by watch level, guests, requesters."""
    creation = event.kind == "created"
    # A ticket transferred or escalated into a service is new to that service's agents.
    arriving = creation or event.kind in {"transferred", "escalated"}
    agents = _agents_watching(ticket, creation=arriving)
    guests = [g.user for g in Guest.objects.filter(ticket_id=ticket.pk).select_related("user")]
    muted = _muted(ticket)
    rows = _rows(
        ticket=ticket,
        event=event,
        kind=event.kind,
        recipients=agents + guests,
        actor=actor,
        muted=muted,
    )
    if event.kind in REQUESTER_KINDS and not event.internal:
        notify_requesters = event.kind != "status" or ticket.status.notify_requester
        if notify_requesters:
            told = {r.recipient_id for r in rows}
            rows += _rows(
                ticket=ticket,
                event=event,
                kind=event.kind,
                recipients=[p for p in _requesters(ticket) if p.pk not in told],
                actor=actor,
                muted=muted,
                language_of=ticket.affected,  # NOT-4: in the affected person's language
                skip_actor=not creation,  # NOT-4 "New": the requester's own confirmation
            )
    return Outbox.objects.bulk_create(rows)  # one insert for every recipient


def on_release(*, ticket: Ticket, event: Event, actor: User) -> list[Outbox]:
    """AG-2: the other managers of the service are told the ticket is free again."""
    others = [
        m.user
        for m in ServiceMember.objects.filter(service_id=ticket.service_id).select_related("user")
    ]
    return record(ticket=ticket, event=event, kind="released", recipients=others, actor=actor)


def on_invitation(
    *, ticket: Ticket, event: Event, actor: User, guest: User, message: str
) -> list[Outbox]:
    """AG-6: the invited person gets the inviter's message."""
    return record(
        ticket=ticket,
        event=event,
        kind="invited",
        recipients=[guest],
        actor=actor,
        context={"message": message, "inviter": str(actor)},
    )


def on_assignment(*, ticket: Ticket, event: Event, actor: User, assignee: User) -> list[Outbox]:
    return record(ticket=ticket, event=event, kind="assigned", recipients=[assignee], actor=actor)


def on_sla_alert(*, ticket: Ticket, event: Event, alert: SlaAlert) -> list[Outbox]:
    """SLA-2: a warning or a breach is told to whoever holds the ticket and to the managers
    of its service, whatever their watch level: it asks them to act. Never to customers
    (the event is internal), never to plain members (the queue shows them the clock)."""
    # Read once per service in a batch of sla_watch (core/readcache.py), else each time.
    managers = cached(
        ("sla_managers", ticket.service_id),
        lambda: [
            m.user
            for m in ServiceMember.objects.filter(
                service_id=ticket.service_id, can_manage=True
            ).select_related("user")
        ],
    )
    return record(
        ticket=ticket,
        event=event,
        kind=event.kind,
        recipients=[ticket.assignee, *managers],
        actor=None,
        context={
            "target": alert.target,
            "level": alert.level,
            "due_at": alert.due_at.isoformat(),
            "percent": (event.data or {}).get("percent"),
        },
    )
