"""Every read of tickets and what hangs off them, scoped to what the actor may see.

`visible_tickets` is the one place that says who sees which ticket (TEN-2, TEN-3); every
other selector, action, view, API endpoint and job starts from it. It is built from
indexed columns and subqueries only (no joins), so it stays cheap at a million tickets
and can be combined with `select_for_update()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from comptoir.accounts.models import Role, Site, User, VisibilityGrant
from comptoir.catalog.models import ServiceMember
from comptoir.core.errors import NotFound
from comptoir.search import fts
from comptoir.search import selectors as search
from comptoir.tickets.models import Attachment, Comment, Confirmation, Event, Guest, Ticket
from comptoir.tickets.relations import relations
from comptoir.workflows import engine
from comptoir.workflows.models import Actor, State, Transition


def member_service_ids(actor: User) -> QuerySet:
    return ServiceMember.objects.filter(user=actor).values("service_id")


def visibility_q(actor: User) -> Q | None:
    """The filter of tickets `actor` may see; None means every ticket (administrators)."""
    if not actor.is_authenticated or not actor.is_active:
        return Q(pk__in=[])
    if actor.is_admin:
        return None
    guest_of = Q(pk__in=Guest.objects.filter(user_id=actor.pk).values("ticket_id"))
    if actor.is_staff_member:
        return Q(service_id__in=member_service_ids(actor)) | Q(assignee_id=actor.pk) | guest_of
    q = Q(reporter_id=actor.pk) | Q(affected_id=actor.pk) | guest_of
    if actor.role == Role.CUSTOMER_MANAGER and actor.site_id:
        q |= Q(site_id=actor.site_id)
    for grant in _grants(actor):
        if grant.division:
            sites = Site.objects.filter(
                organisation_id=grant.organisation_id, division=grant.division
            )
            q |= Q(site_id__in=sites.values("id"))
        else:
            q |= Q(organisation_id=grant.organisation_id)
    return q


def _grants(actor: User) -> list[VisibilityGrant]:
    """The actor's grants, read once per request (the User object lives as long as it)."""
    cached = getattr(actor, "_visibility_grants", None)
    if cached is None:
        cached = list(VisibilityGrant.objects.filter(user_id=actor.pk))
        actor._visibility_grants = cached
    return cached


def visible_tickets(actor: User) -> QuerySet[Ticket]:
    q = visibility_q(actor)
    qs = Ticket.objects.all()
    return qs if q is None else qs.filter(q)


LIST_RELATED = ("status", "priority", "type", "category__service", "assignee", "affected", "desk")


@dataclass(frozen=True)
class TicketFilters:
    """What a list asks for; the default is a customer's "my open tickets" (POR-2)."""

    state: str | None = "active"  # "active" = open or resolved; None = all; or a State value
    mine: bool = False  # only where I am reporting or affected person
    assigned_to_me: bool = False
    unassigned: bool = False
    service_id: int | None = None
    desk_id: int | None = None
    status_id: int | None = None
    text: str = ""


def ticket_list(*, actor: User, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    """Tickets newest-updated first, with what a list row shows, in a fixed query count."""
    f = filters or TicketFilters()
    qs = visible_tickets(actor)
    if f.state == "active":
        qs = qs.filter(state__in=[State.OPEN, State.RESOLVED])
    elif f.state:
        qs = qs.filter(state=f.state)
    if f.mine:
        qs = qs.filter(Q(reporter_id=actor.pk) | Q(affected_id=actor.pk))
    if f.assigned_to_me:
        qs = qs.filter(assignee_id=actor.pk)
    if f.unassigned:
        qs = qs.filter(assignee__isnull=True)
    if f.service_id:
        qs = qs.filter(service_id=f.service_id)
    if f.desk_id:
        qs = qs.filter(desk_id=f.desk_id)
    if f.status_id:
        qs = qs.filter(status_id=f.status_id)
    words = fts.clean(f.text)
    if words:
        people = User.objects.filter(last_name__icontains=words)
        qs = qs.filter(
            search.text_q(actor, words, also=Q(affected_id__in=search.people_ids(people)))
        )
    return qs.select_related(*LIST_RELATED).order_by("-updated_at", "-id")


def ticket_get(*, actor: User, key: str | None = None, pk: int | None = None) -> Ticket:
    """One ticket by key or id; the same NotFound for missing and for another tenant's."""
    qs = visible_tickets(actor).select_related(
        *LIST_RELATED,
        "reporter",
        "created_by",
        "site",
        "organisation",
        "level",
        "ci",
        "waiting_reason",
        "type__workflow",
    )
    try:
        if key is not None:
            return qs.get(key=key)
        if pk is not None:
            return qs.get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        pass
    raise NotFound()


def sees_internal(actor: User) -> bool:
    """Internal comments and events never reach a customer, by any channel (TIC-8)."""
    return actor.is_authenticated and (actor.is_staff_member or actor.is_admin)


def timeline(*, actor: User, ticket: Ticket) -> QuerySet[Event]:
    """The ticket's events newest first, internal ones only for staff; `ticket` must come
    from a selector (it is re-scoped here all the same)."""
    qs = Event.objects.filter(ticket_id=ticket.pk, ticket__in=visible_tickets(actor))
    if not sees_internal(actor):
        qs = qs.filter(internal=False)
    return qs.select_related("actor", "comment").order_by("-created_at", "-id")


def comment_list(*, actor: User, ticket: Ticket) -> QuerySet[Comment]:
    qs = Comment.objects.filter(ticket_id=ticket.pk, ticket__in=visible_tickets(actor))
    if not sees_internal(actor):
        qs = qs.filter(internal=False)
    return qs.select_related("author").order_by("-created_at", "-id")


def attachment_list(*, actor: User, ticket: Ticket) -> QuerySet[Attachment]:
    qs = Attachment.objects.filter(ticket_id=ticket.pk, ticket__in=visible_tickets(actor))
    if not sees_internal(actor):
        qs = qs.filter(internal=False)
    return qs.order_by("created_at", "id")


def attachment_get(*, actor: User, token: str) -> Attachment:
    qs = Attachment.objects.filter(token=token, ticket__in=visible_tickets(actor))
    if not sees_internal(actor):
        qs = qs.filter(internal=False)
    found = qs.select_related("ticket").first()
    if found is None:
        raise NotFound()
    return found


def guest_list(*, actor: User, ticket: Ticket) -> QuerySet[Guest]:
    return Guest.objects.filter(
        ticket_id=ticket.pk, ticket__in=visible_tickets(actor)
    ).select_related("user", "invited_by")


def ticket_moves(*, actor: User, ticket: Ticket) -> list[Transition]:
    """The workflow moves `actor` may offer as buttons now: those the engine would accept,
    minus the ones take/release imply and closings still awaiting the requester (WF-5)."""
    workflow = ticket.type.workflow
    implied = {
        t.pk
        for t in (
            engine.take_transition(ticket.status, workflow),
            engine.release_transition(ticket.status, workflow),
        )
        if t is not None
    }
    out = []
    for t in engine.available_transitions(ticket.status, relations(actor, ticket)):
        if t.pk in implied or (Actor.SYSTEM in t.actors and len(t.actors) == 1):
            continue
        if t.needs_confirmation and ticket.confirmation != Confirmation.CONFIRMED:
            continue
        out.append(t)
    return out


def counts_by_state(*, actor: User) -> dict[str, Any]:
    """Counts a customer or agent may see, never wider than their scope (TEN-2)."""
    from django.db.models import Count

    rows = visible_tickets(actor).values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows}
