"""Who holds a ticket and where it sits (AG-1…AG-6, AG-8)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.billing import actions as billing
from comptoir.catalog.models import Category, ServiceMember, SupportLevel
from comptoir.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from comptoir.notifications import rules
from comptoir.tickets.actions import _base
from comptoir.tickets.actions.content import add_comment
from comptoir.tickets.actions.workflow import (
    apply_transition,
    free_move,
    refuse_holding_move,
    take_move,
)
from comptoir.tickets.models import Guest, Ticket
from comptoir.tickets.relations import may_follow, relations
from comptoir.workflows import engine
from comptoir.workflows.models import Actor, Transition


def _follow(ticket: Ticket, actor: User, move: Transition | None, rel: set[str]) -> None:
    """Apply the status move that holding or freeing a ticket implies, if the workflow has
    one; the scheduler's token lets it through whoever the transition names."""
    if move is not None:
        apply_transition(
            ticket=ticket,
            actor=actor,
            transition=move,
            data={},
            rel=rel | {Actor.SYSTEM, Actor.ASSIGNEE, Actor.AGENT},
        )


def _require_agent(rel: set[str]) -> None:
    if not rel & {Actor.AGENT, Actor.ADMIN}:
        raise PermissionDenied(
            _("Only agents of the ticket's service may do this."), code="not_service_agent"
        )


def ticket_take(
    *,
    actor: User,
    ticket: Ticket,
    then: str | None = None,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> Ticket:
    """AG-1: become the agent in charge; optionally comment, or fire a transition at once
    (`then="close"`, `then="request_info"`…). Of two simultaneous takes exactly one wins
    (AG-8): the ticket row is locked and the loser sees the winner's name."""
    _base.require_staff(actor)
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        rel = relations(actor, ticket)
        _require_agent(rel)
        if ticket.assignee_id == actor.pk:
            raise Conflict(_("You already hold this ticket."), code="already_yours")
        if ticket.assignee_id is not None:
            raise Conflict(
                _("%(name)s took this ticket first.") % {"name": ticket.assignee},
                code="already_taken",
            )
        if ticket.status.is_final:
            raise Conflict(_("This ticket is closed."), code="closed")
        ticket.assignee = actor
        _base.save(ticket, "assignee_id")
        billing.time_task_open(ticket=ticket)  # BIL-1: the month's time task
        ev = _base.event(
            ticket=ticket, actor=actor, kind="taken", data={"assignee": _base.label(actor)}
        )
        rules.on_event(ticket=ticket, event=ev, actor=actor)
        rel = rel | {Actor.ASSIGNEE}
        _follow(ticket, actor, take_move(ticket), rel)
        if then and then != "comment":
            transition = engine.find_transition(ticket.status, then)
            refuse_holding_move(ticket, transition)
            apply_transition(
                ticket=ticket,
                actor=actor,
                transition=transition,
                data={**(data or {}), **({"comment": comment} if comment else {})},
                rel=rel,
            )
        elif comment.strip() or then == "comment":
            add_comment(ticket=ticket, actor=actor, body=comment, internal=False)
    return ticket


def ticket_assign(*, actor: User, ticket: Ticket, assignee: User) -> Ticket:
    """AG-2: give the ticket to another agent of its service."""
    _base.require_staff(actor)
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        _require_agent(relations(actor, ticket))
        if not ServiceMember.objects.filter(
            service_id=ticket.service_id, user_id=assignee.pk
        ).exists():
            raise InvalidInput(
                _("%(name)s is not an agent of this service.") % {"name": assignee},
                field="assignee",
            )
        if ticket.status.is_final:
            raise Conflict(_("This ticket is closed."), code="closed")
        old = ticket.assignee
        if old is not None and old.pk == assignee.pk:
            return ticket
        ticket.assignee = assignee
        _base.save(ticket, "assignee_id")
        billing.time_task_open(ticket=ticket)  # BIL-1: the month's time task
        ev = _base.event(
            ticket=ticket,
            actor=actor,
            kind="assigned",
            data={"old": _base.label(old), "new": _base.label(assignee)},
        )
        rules.on_assignment(ticket=ticket, event=ev, actor=actor, assignee=assignee)
        _follow(ticket, actor, take_move(ticket), relations(actor, ticket))
    return ticket


def ticket_release(*, actor: User, ticket: Ticket) -> Ticket:
    """AG-2: stop holding the ticket; the other agents of the service are told."""
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        rel = relations(actor, ticket)
        if not rel & {Actor.ASSIGNEE, Actor.MANAGER, Actor.ADMIN}:
            raise PermissionDenied(_("Only the agent in charge may release this ticket."))
        if ticket.assignee_id is None:
            raise Conflict(_("Nobody holds this ticket."), code="not_held")
        old = ticket.assignee
        ticket.assignee = None
        _base.save(ticket, "assignee_id")
        ev = _base.event(
            ticket=ticket, actor=actor, kind="released", data={"old": _base.label(old)}
        )
        _follow(ticket, actor, free_move(ticket), rel)
        rules.on_release(ticket=ticket, event=ev, actor=actor)
    return ticket


def ticket_transfer(
    *,
    actor: User,
    ticket: Ticket,
    category: Category,
    reason: str = "",
    stay_as_guest: bool = False,
) -> Ticket:
    """AG-4: move the ticket to another service/category, without an agent in charge. The
    actor loses sight of it unless they stay as a guest or belong to the target service."""
    _base.require_staff(actor)
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        _require_agent(relations(actor, ticket))
        if category.service.desk_id != ticket.desk_id or not category.is_active:
            raise NotFound(_("Choose a category of this desk."), field="category")
        if category.pk == ticket.category_id:
            raise InvalidInput(_("The ticket is already in this category."), field="category")
        old_cat = ticket.category
        ticket.category, ticket.service_id, ticket.assignee = category, category.service_id, None
        fields = ["category_id", "service_id", "assignee_id"]
        if category.service.level_id and category.service.level_id != ticket.level_id:
            ticket.level_id = category.service.level_id
            fields.append("level_id")
        _base.save(ticket, *fields)
        ev = _base.event(
            ticket=ticket,
            actor=actor,
            kind="transferred",
            data={
                "old": _base.label(old_cat),
                "new": _base.label(category),
                "reason": (reason or "").strip(),
                "guest": stay_as_guest,
            },
        )
        # 002: transferred "sans désigner de gestionnaire": free again in its new service.
        _follow(ticket, actor, free_move(ticket), relations(actor, ticket) | {Actor.AGENT})
        if stay_as_guest:
            Guest.objects.get_or_create(
                ticket=ticket,
                user=actor,
                defaults={"organisation_id": ticket.organisation_id, "invited_by": actor},
            )
        rules.on_event(ticket=ticket, event=ev, actor=actor)
    return ticket


def ticket_escalate(
    *, actor: User, ticket: Ticket, reason: str = "", level: SupportLevel | None = None
) -> Ticket:
    """AG-5: up one support level (or to `level`); same ticket, same history and time. The
    ticket moves to the first service working at that level and waits to be taken there."""
    _base.require_staff(actor)
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        _require_agent(relations(actor, ticket))
        if ticket.status.is_final:
            raise Conflict(_("This ticket is closed."), code="closed")
        current = ticket.level
        levels = list(SupportLevel.objects.filter(desk_id=ticket.desk_id).order_by("rank"))
        if not levels:
            raise InvalidInput(_("This desk has no support levels."))
        if level is None:
            higher = [lv for lv in levels if current is None or lv.rank > current.rank]
            if not higher:
                raise InvalidInput(_("The ticket is already at the highest level."), field="level")
            level = higher[0]
        elif level.desk_id != ticket.desk_id or (current and level.rank <= current.rank):
            raise InvalidInput(_("Choose a higher level of this desk."), field="level")
        category = (
            Category.objects.filter(
                service__desk_id=ticket.desk_id,
                service__level=level,
                is_active=True,
                service__is_active=True,
            )
            .select_related("service")
            .order_by("service_id", "id")
            .first()
        )
        ticket.level, ticket.assignee = level, None
        fields = ["level_id", "assignee_id"]
        old_cat = ticket.category
        if category is not None:
            ticket.category, ticket.service_id = category, category.service_id
            fields += ["category_id", "service_id"]
        _base.save(ticket, *fields)
        ev = _base.event(
            ticket=ticket,
            actor=actor,
            kind="escalated",
            data={
                "old": _base.label(current),
                "new": _base.label(level),
                "old_category": _base.label(old_cat),
                "new_category": _base.label(ticket.category),
                "reason": (reason or "").strip(),
            },
        )
        # As a transfer: nobody holds it at the new level, so it leaves the "taken" status
        # (004: back to Ouvert, awaiting the support of that level).
        _follow(ticket, actor, free_move(ticket), relations(actor, ticket) | {Actor.AGENT})
        rules.on_event(ticket=ticket, event=ev, actor=actor)
    return ticket


def ticket_invite(*, actor: User, ticket: Ticket, user: User, message: str = "") -> Guest:
    """AG-6: invite someone to follow the ticket; they get the message by e-mail. Only staff
    or customers of the ticket's own organisation can be invited (no cross-tenant leak)."""
    _base.require_staff(actor)
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        rel = relations(actor, ticket)
        if not rel & {Actor.AGENT, Actor.ASSIGNEE, Actor.ADMIN}:
            raise PermissionDenied(_("Only agents of the ticket's service may invite guests."))
        if not may_follow(user, ticket):
            raise NotFound(_("This person was not found."), field="user")
        guest, created = Guest.objects.get_or_create(
            ticket=ticket,
            user=user,
            defaults={
                "organisation_id": ticket.organisation_id,
                "invited_by": actor,
                "message": (message or "").strip(),
            },
        )
        if not created:
            raise InvalidInput(
                _("%(name)s already follows this ticket.") % {"name": user}, field="user"
            )
        ev = _base.event(
            ticket=ticket,
            actor=actor,
            kind="guest_added",
            data={"guest": _base.label(user), "message": guest.message},
        )
        rules.on_invitation(ticket=ticket, event=ev, actor=actor, guest=user, message=guest.message)
        _base.save(ticket)
    return guest


def ticket_remove_guest(*, actor: User, ticket: Ticket, user: User) -> None:
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        rel = relations(actor, ticket)
        if user.pk != actor.pk and not rel & {Actor.AGENT, Actor.ASSIGNEE, Actor.ADMIN}:
            raise PermissionDenied(_("Only agents of the ticket's service may remove guests."))
        deleted, _rows = Guest.objects.filter(ticket=ticket, user=user).delete()
        if not deleted:
            raise NotFound(_("This person does not follow the ticket."), field="user")
        _base.event(
            ticket=ticket, actor=actor, kind="guest_removed", data={"guest": _base.label(user)}
        )
        _base.save(ticket)
