"""What each ticket action must do, by the model of `oracle.py`: a `Refusal` (the error, and
its code when the write path names one), or the kinds of the timeline events it appends, in
order. Each function follows the order of the action's checks, as its docstring and
docs/architecture.md describe them. (Imported by the tests, not collected.)
"""

from __future__ import annotations

from typing import Any

from comptoir.accounts.models import User
from comptoir.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    WorkflowError,
)
from comptoir.tickets.models import Ticket
from comptoir.workflows.tests.oracle import (
    Move,
    Refusal,
    decide_move,
    is_guest,
    is_staff,
    may_follow,
    membership,
    move_events,
    refused,
    release_move,
    sees,
    take_move,
    tokens,
)

Expect = Refusal | list[str]


def _staff_guard(actor: User, ticket: Ticket, needs: set[str]) -> Refusal | None:
    """The opening of the staff actions: staff only, then sight, then the needed tokens."""
    if not is_staff(actor):
        return refused(PermissionDenied, "staff_only")
    if not sees(actor, ticket):
        return refused(NotFound)
    if not tokens(actor, ticket) & needs:
        return refused(PermissionDenied)
    return None


def expect_take(actor: User, ticket: Ticket, then: str | None, move: Move) -> Expect:
    if (no := _staff_guard(actor, ticket, {"agent", "admin"})) is not None:
        return no
    if ticket.assignee_id == actor.pk:
        return refused(Conflict, "already_yours")
    if ticket.assignee_id is not None:
        return refused(Conflict, "already_taken")
    if ticket.status.is_final:
        return refused(Conflict, "closed")
    events = ["taken"]
    status, confirmation = ticket.status, ticket.confirmation
    if (implied := take_move(status)) is not None:
        events.append("status")
        status = implied.to_status
        if status.state == "open":  # entering an open status clears a confirmation
            confirmation = ""
    if then and then != "comment":
        no = decide_move(
            ticket=ticket,
            status=status,
            code=then,
            rel=tokens(actor, ticket) | {"assignee"},
            move=move,
            confirmation=confirmation,
            direct=True,
        )
        return no or events + move_events(move, actor)
    if then == "comment" or move.comment():
        return [*events, "comment"] if move.comment() else refused(InvalidInput)
    return events


def expect_assign(actor: User, ticket: Ticket, assignee: User) -> Expect:
    if (no := _staff_guard(actor, ticket, {"agent", "admin"})) is not None:
        return no
    if membership(assignee, ticket.service_id) is None:
        return refused(InvalidInput)
    if ticket.status.is_final:
        return refused(Conflict, "closed")
    if ticket.assignee_id == assignee.pk:
        return []
    return ["assigned"] + (["status"] if take_move(ticket.status) else [])


def expect_release(actor: User, ticket: Ticket) -> Expect:
    if not sees(actor, ticket):
        return refused(NotFound)
    if not tokens(actor, ticket) & {"assignee", "manager", "admin"}:
        return refused(PermissionDenied)
    if ticket.assignee_id is None:
        return refused(Conflict, "not_held")
    return ["released"] + (["status"] if release_move(ticket.status) else [])


def expect_transfer(actor: User, ticket: Ticket, category) -> Expect:
    if (no := _staff_guard(actor, ticket, {"agent", "admin"})) is not None:
        return no
    if category.service.desk_id != ticket.desk_id or not category.is_active:
        return refused(NotFound)
    if category.pk == ticket.category_id:
        return refused(InvalidInput)
    return ["transferred"] + (["status"] if release_move(ticket.status) else [])


def expect_escalate(actor: User, ticket: Ticket, levels: list) -> Expect:
    if (no := _staff_guard(actor, ticket, {"agent", "admin"})) is not None:
        return no
    if ticket.status.is_final:
        return refused(Conflict, "closed")
    rank = ticket.level.rank if ticket.level_id else None
    if not levels or not [lv for lv in levels if rank is None or lv.rank > rank]:
        return refused(InvalidInput)
    return ["escalated"] + (["status"] if release_move(ticket.status) else [])


def may_write(actor: User, ticket: Ticket) -> Refusal | None:
    """AG-3: requesters, the service's agents, the holder and guests add content."""
    if actor.role in ("customer", "customer_manager") and ticket.status.is_final:
        return refused(PermissionDenied, "closed")
    if tokens(actor, ticket) & {"requester", "agent", "assignee", "admin", "manager"}:
        return None
    return None if is_guest(actor, ticket) else refused(PermissionDenied, "comment_forbidden")


def expect_comment(actor: User, ticket: Ticket, body: str, internal: bool) -> Expect:
    if not sees(actor, ticket):
        return refused(NotFound)
    if (no := may_write(actor, ticket)) is not None:
        return no
    if not body.strip():
        return refused(InvalidInput)
    if internal and not is_staff(actor):
        return refused(PermissionDenied)
    return ["comment"]


def expect_invite(actor: User, ticket: Ticket, user: User) -> Expect:
    if (no := _staff_guard(actor, ticket, {"agent", "assignee", "admin"})) is not None:
        return no
    if not may_follow(user, ticket):
        return refused(NotFound)
    if is_guest(user, ticket):
        return refused(InvalidInput)
    return ["guest_added"]


def expect_remove_guest(actor: User, ticket: Ticket, user: User) -> Expect:
    if not sees(actor, ticket):
        return refused(NotFound)
    if user.pk != actor.pk and not tokens(actor, ticket) & {"agent", "assignee", "admin"}:
        return refused(PermissionDenied)
    if not is_guest(user, ticket):
        return refused(NotFound)
    return ["guest_removed"]


def expect_transition(actor: User | None, ticket: Ticket, code: str, move: Move) -> Expect:
    if not sees(actor, ticket):
        return refused(NotFound)
    no = decide_move(
        ticket=ticket,
        status=ticket.status,
        code=code,
        rel=tokens(actor, ticket),
        move=move,
        confirmation=ticket.confirmation,
        direct=True,
    )
    return no or move_events(move, actor)


def expect_confirm(actor: User, ticket: Ticket, accepted: bool, comment: str) -> Expect:
    """WF-5: the requester's answer, then the workflow's confirm or refute move."""
    if not sees(actor, ticket):
        return refused(NotFound)
    rel = tokens(actor, ticket)
    if not rel & {"requester", "owner"}:
        return refused(PermissionDenied)
    if ticket.confirmation != "pending":
        return refused(WorkflowError, "not_pending")
    if not accepted and not comment.strip():
        return refused(InvalidInput)
    wf = ticket.type.workflow
    code = wf.confirm_transition if accepted else wf.refute_transition
    move = Move({"comment": comment.strip()} if comment.strip() else {})
    if not code:
        return ["confirmation"] + (["comment"] if move.comment() else [])
    no = decide_move(
        ticket=ticket,
        status=ticket.status,
        code=code,
        rel=rel,
        move=move,
        confirmation="confirmed" if accepted else "refuted",
        direct=False,
    )
    return no or ["confirmation", *move_events(move, actor)]


def expect_assess(actor: User, ticket: Ticket, satisfaction: int) -> Expect:
    if not 1 <= satisfaction <= 5:
        return refused(InvalidInput)
    if not sees(actor, ticket):
        return refused(NotFound)
    if "requester" not in tokens(actor, ticket):
        return refused(PermissionDenied)
    if ticket.state != "resolved":
        return refused(WorkflowError, "not_resolved")
    return ["assessment"]


def expect_edit(actor: User, ticket: Ticket, changes: dict[str, Any]) -> Expect:
    if (no := _staff_guard(actor, ticket, {"agent", "assignee", "admin"})) is not None:
        return no
    diff = False
    for name, value in changes.items():
        if name == "title":
            value = value.strip()
            if not value or len(value) > 250:
                return refused(InvalidInput)
            diff |= value != ticket.title
        elif name == "priority":
            if value.desk_id != ticket.desk_id:
                return refused(InvalidInput)
            diff |= value.pk != ticket.priority_id
    return ["fields"] if diff else []


def expect_link(actor: User, ticket: Ticket, target: Ticket, exists: bool) -> Expect:
    if not sees(actor, ticket):
        return refused(NotFound)
    if not sees(actor, target) or target.organisation_id != ticket.organisation_id:
        return refused(NotFound)
    if target.pk == ticket.pk:
        return refused(InvalidInput)
    if (no := may_write(actor, ticket)) is not None:
        return no
    return [] if exists else ["link"]


def expect_convert(actor: User, ticket: Ticket) -> Expect:
    if (no := _staff_guard(actor, ticket, {"agent", "admin"})) is not None:
        return no
    if ticket.type.convertible_to_id is None:
        return refused(WorkflowError, "not_convertible")
    if ticket.state == "closed":
        return refused(WorkflowError, "closed")
    return ["converted"]


def expect_mute(actor: User, ticket: Ticket) -> Expect:
    return ["mute"] if sees(actor, ticket) else refused(NotFound)
