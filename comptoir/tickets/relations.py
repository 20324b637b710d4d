"""How a person stands to a ticket: the tokens the workflow's transitions name (Actor).

Computed from the ticket's own columns and the actor's memberships, so the engine's guard
is the same whoever calls: web page, API, mail or job.
"""

from __future__ import annotations

from comptoir.accounts.models import User
from comptoir.catalog.models import ServiceMember
from comptoir.core.readcache import cached, caching
from comptoir.tickets.models import Ticket
from comptoir.workflows.models import Actor


def relations(actor: User | None, ticket: Ticket) -> set[str]:
    if actor is None:
        return {Actor.SYSTEM}
    rel: set[str] = set()
    if actor.pk in (ticket.reporter_id, ticket.affected_id):
        rel.add(Actor.REQUESTER)
    # The owner (002: its creator) is the customer it was filed for: the reporting person,
    # also when an agent created it on their behalf.
    if actor.is_customer and actor.pk == ticket.reporter_id:
        rel.add(Actor.OWNER)
    if actor.is_staff_member:
        membership = _membership(ticket.service_id, actor.pk)
        if membership is not None:
            rel.add(Actor.AGENT)
            if membership.can_manage:
                rel.add(Actor.MANAGER)
        if ticket.assignee_id == actor.pk:
            rel.add(Actor.ASSIGNEE)
    if actor.is_admin:
        rel |= {Actor.ADMIN, Actor.AGENT, Actor.MANAGER}
    return rel


def _membership(service_id: int, user_id: int) -> ServiceMember | None:
    if caching():  # a page reads the roster anyway (buttons, assignees, time panel)
        return next((m for m in service_roster(service_id) if m.user_id == user_id), None)
    return (
        ServiceMember.objects.filter(service_id=service_id, user_id=user_id)
        .only("can_manage")
        .first()
    )


def service_roster(service_id: int) -> list[ServiceMember]:
    """Every member of a service (inactive people included: callers choose), with their
    person and the person's running timer, read once per page: how the viewer stands to a
    ticket, whom it may be assigned to and the time panel all come from these rows."""
    return cached(
        ("roster", service_id),
        lambda: list(
            ServiceMember.objects.filter(service_id=service_id)
            .select_related("user__timer__ticket")
            .order_by("user__last_name", "user__first_name", "user__username")
        ),
    )


def may_follow(user: User, ticket: Ticket) -> bool:
    """Who can be made a guest of a ticket (AG-6): staff, or a customer of the ticket's own
    site (TEN-2: a customer never follows another site's ticket)."""
    if not user.is_active:
        return False
    if user.is_customer:
        return (user.organisation_id, user.site_id) == (ticket.organisation_id, ticket.site_id)
    return True
