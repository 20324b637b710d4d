"""Moving a ticket through its workflow (WF-1…WF-7, TIC-7, POR-4)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.billing import quotes
from comptoir.catalog.models import ReopenPolicy, TicketType
from comptoir.core.errors import InvalidInput, PermissionDenied, WorkflowError
from comptoir.notifications import rules
from comptoir.sla import services as sla
from comptoir.tickets.actions import _base
from comptoir.tickets.actions.content import add_comment
from comptoir.tickets.models import Assessment, Confirmation, Ticket
from comptoir.tickets.relations import relations
from comptoir.workflows import engine
from comptoir.workflows.models import Actor, State, Status, Transition


def _check_reopening(ticket: Ticket, transition: Transition, rel: set[str]) -> None:
    """WF-3: the desk's reopening policy, on top of the transition's own actors."""
    if not transition.is_reopening:
        return
    policy = ticket.desk.reopen_policy
    if ticket.status.is_final or (policy == ReopenPolicy.NEVER and ticket.state == State.CLOSED):
        raise WorkflowError(
            _("A closed ticket cannot be reopened; open a new request that references it."),
            code="reopen_refused",
        )
    if policy == ReopenPolicy.STAFF and not rel & {
        Actor.AGENT,
        Actor.ASSIGNEE,
        Actor.MANAGER,
        Actor.ADMIN,
        Actor.SYSTEM,
    }:
        raise PermissionDenied(
            _("Only the provider's staff may reopen this ticket."), code="reopen_forbidden"
        )
    if policy == ReopenPolicy.OWNER_OR_MANAGERS and not rel & {
        Actor.OWNER,
        Actor.AGENT,
        Actor.MANAGER,
        Actor.ADMIN,
        Actor.SYSTEM,
    }:
        raise PermissionDenied(
            _("Only the ticket's owner or a manager of its service may reopen it."),
            code="reopen_forbidden",
        )


def apply_transition(
    *,
    ticket: Ticket,
    actor: User | None,
    transition: Transition,
    data: dict[str, Any],
    rel: set[str],
) -> Ticket:
    """Guard and apply one transition on a locked ticket, inside the caller's transaction."""
    engine.check_actor(transition, rel)
    _check_reopening(ticket, transition, rel)
    # WF-5: closing needs the requester's confirmation; the scheduler may close after the
    # delay only a ticket whose resolution was actually put to the requester.
    allowed = {Confirmation.CONFIRMED}
    if Actor.SYSTEM in rel:
        allowed.add(Confirmation.PENDING)
    if transition.needs_confirmation and ticket.confirmation not in allowed:
        raise WorkflowError(
            _(
                "The requester has not confirmed the resolution yet; wait for their confirmation "
                "or for the automatic closing delay."
            ),
            code="needs_confirmation",
        )
    cleaned = engine.clean_data(transition, data, ticket.desk_id)
    if transition.quote_effect:
        # WF-6: submit, accept or refuse the quote, or refuse the move, before it is written.
        quotes.on_transition(ticket=ticket, transition=transition, cleaned=cleaned, actor=actor)
    old: Status = ticket.status
    new: Status = transition.to_status
    now = timezone.now()
    fields = ["status_id", "state", "status_changed_at"]
    ticket.status, ticket.state, ticket.status_changed_at = new, new.state, now
    if new.state == State.RESOLVED and old.state != State.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    if new.state == State.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    if new.state == State.OPEN and old.state != State.OPEN:
        ticket.resolved_at = ticket.closed_at = None
        fields += ["resolved_at", "closed_at"]
    for name, attr in (
        ("reason", "status_reason"),
        ("solution", "solution"),
        ("appointment", "appointment_at"),
        ("quote_amount", "quote_amount"),
    ):
        if name in cleaned:
            setattr(ticket, attr, cleaned[name])
            fields.append(attr)
    if "waiting_reason" in cleaned:
        ticket.waiting_reason = cleaned["waiting_reason"]
        fields.append("waiting_reason_id")
    if transition.asks_confirmation:
        ticket.confirmation = Confirmation.PENDING
        fields.append("confirmation")
    elif new.state == State.OPEN and ticket.confirmation:
        ticket.confirmation = Confirmation.NONE
        fields.append("confirmation")
    fields += sla.recompute(ticket, now=now)
    _base.save(ticket, *fields)

    shown = {
        k: (v.code if hasattr(v, "code") else str(v)) for k, v in cleaned.items() if k != "comment"
    }
    ev = _base.event(
        ticket=ticket,
        actor=actor,
        kind="status",
        data={
            "transition": transition.code,
            "old": _base.label(old),
            "new": _base.label(new),
            **shown,
        },
    )
    rules.on_event(ticket=ticket, event=ev, actor=actor)
    if "comment" in cleaned and actor is not None:
        add_comment(ticket=ticket, actor=actor, body=cleaned["comment"], internal=False)
    return ticket


def take_move(ticket: Ticket) -> Transition | None:
    return engine.take_transition(ticket.status, ticket.type.workflow)


def free_move(ticket: Ticket) -> Transition | None:
    return engine.release_transition(ticket.status, ticket.type.workflow)


def implied_by_holding(ticket: Ticket, transition: Transition) -> bool:
    if not ticket.type.workflow.taken_means_held:
        return False  # e.g. ITIL: the desk classifies a ticket without anyone holding it
    return transition in (take_move(ticket), free_move(ticket))


def refuse_holding_move(ticket: Ticket, transition: Transition) -> None:
    """Entering or leaving the "taken" status is what take and release do, with the agent
    in charge set or cleared; a bare status move (or "take and release") would leave the
    two apart."""
    if implied_by_holding(ticket, transition):
        raise WorkflowError(
            _("Use “Take” or “Release” for this: they also set the agent in charge."),
            code="use_take_or_release",
        )


def ticket_transition(
    *,
    actor: User | None,
    ticket: Ticket,
    code: str,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """Fire transition `code` from the ticket's status; `actor=None` is the scheduler."""
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket, expected_version=expected_version)
        transition = engine.find_transition(ticket.status, code)
        rel = relations(actor, ticket)
        engine.check_actor(transition, rel)
        refuse_holding_move(ticket, transition)
        return apply_transition(
            ticket=ticket,
            actor=actor,
            transition=transition,
            data=data or {},
            rel=rel,
        )


def ticket_confirm_resolution(
    *, actor: User, ticket: Ticket, accepted: bool, comment: str = ""
) -> Ticket:
    """WF-5: the requester confirms or refutes the resolution by commenting."""
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        rel = relations(actor, ticket)
        if not rel & {Actor.REQUESTER, Actor.OWNER}:
            raise PermissionDenied(_("Only the requester may confirm or refute the resolution."))
        if ticket.confirmation != Confirmation.PENDING:
            raise WorkflowError(
                _("No resolution is awaiting your confirmation."), code="not_pending"
            )
        if not accepted and not (comment or "").strip():
            raise InvalidInput(
                _("Say in a comment why the solution does not answer your request."),
                field="comment",
            )
        ticket.confirmation = Confirmation.CONFIRMED if accepted else Confirmation.REFUTED
        _base.save(ticket, "confirmation")
        ev = _base.event(
            ticket=ticket, actor=actor, kind="confirmation", data={"accepted": accepted}
        )
        rules.on_event(ticket=ticket, event=ev, actor=actor)
        wf = ticket.type.workflow
        code = wf.confirm_transition if accepted else wf.refute_transition
        comment = (comment or "").strip()
        if code:
            # The comment travels with the move, so a transition that requires one has it.
            transition = engine.find_transition(ticket.status, code)
            apply_transition(
                ticket=ticket,
                actor=actor,
                transition=transition,
                data={"comment": comment} if comment else {},
                rel=rel,
            )
        elif comment:
            add_comment(ticket=ticket, actor=actor, body=comment, internal=False)
    return ticket


def ticket_assess(
    *, actor: User, ticket: Ticket, satisfaction: int, comment: str = ""
) -> Assessment:
    """POR-4: satisfaction (1 to 5) and a comment on a resolved ticket."""
    if isinstance(satisfaction, str) and satisfaction.strip().isdigit():
        satisfaction = int(satisfaction)
    if (
        isinstance(satisfaction, bool)
        or not isinstance(satisfaction, int)
        or not (1 <= satisfaction <= 5)
    ):
        raise InvalidInput(_("Give a satisfaction level from 1 to 5."), field="satisfaction")
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        if not relations(actor, ticket) & {Actor.REQUESTER}:
            raise PermissionDenied(_("Only the requester may assess the solution."))
        if ticket.state != State.RESOLVED:
            raise WorkflowError(_("Only a solved ticket can be assessed."), code="not_resolved")
        assessment, _created = Assessment.objects.update_or_create(
            ticket=ticket,
            user=actor,
            defaults={
                "organisation_id": ticket.organisation_id,
                "satisfaction": satisfaction,
                "comment": (comment or "").strip(),
            },
        )
        _base.event(
            ticket=ticket, actor=actor, kind="assessment", data={"satisfaction": satisfaction}
        )
        _base.save(ticket)
    return assessment


def ticket_convert(*, actor: User, ticket: Ticket, reason: str = "") -> Ticket:
    """TIC-7: an incident or service request becomes a change; key and history stay."""
    _base.require_staff(actor)
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        if not relations(actor, ticket) & {Actor.AGENT, Actor.ADMIN}:
            raise PermissionDenied(_("Only agents of the ticket's service may convert it."))
        old_type: TicketType = ticket.type
        new_type = old_type.convertible_to
        if new_type is None:
            raise WorkflowError(
                _("A “%(type)s” cannot be converted.") % {"type": old_type.name},
                code="not_convertible",
            )
        if ticket.state == State.CLOSED:
            raise WorkflowError(_("A closed ticket cannot be converted."), code="closed")
        old_status = ticket.status
        new_status = Status.objects.filter(
            workflow_id=new_type.workflow_id, code=old_status.code
        ).first() or Status.objects.get(workflow_id=new_type.workflow_id, is_initial=True)
        ticket.type, ticket.status, ticket.state = new_type, new_status, new_status.state
        fields = ["type_id", "status_id", "state"]
        if new_status.pk != old_status.pk:
            ticket.status_changed_at = timezone.now()
            fields.append("status_changed_at")
        if new_type.default_level_id:
            ticket.level_id = new_type.default_level_id
            fields.append("level_id")
        fields += sla.recompute(ticket)
        _base.save(ticket, *fields)
        ev = _base.event(
            ticket=ticket,
            actor=actor,
            kind="converted",
            data={
                "old": _base.label(old_type),
                "new": _base.label(new_type),
                "old_status": _base.label(old_status),
                "new_status": _base.label(new_status),
                "reason": (reason or "").strip(),
            },
        )
        rules.on_event(ticket=ticket, event=ev, actor=actor)
    return ticket
