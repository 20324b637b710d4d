"""An independent model of who may do what to a ticket, read from the workflow tables.

The workflow state machine (`test_fuzz_workflow.py`, through `expectations.py`) asks it
what an action must do. It reads the rows (`Transition`, `Status`, `ServiceMember`,
`Guest`, `Quote`) and applies the rules as docs/workflows.md and docs/architecture.md state
them; it never calls the engine, `relations()` or `visible_tickets()`, so a bug there shows
up as a disagreement. It also draws the data a move is fired with. (Imported by the tests,
not collected.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone
from hypothesis import strategies as st

from comptoir.accounts.models import User
from comptoir.billing.models import Quote, QuoteStatus
from comptoir.catalog.models import ServiceMember
from comptoir.core.errors import (
    DomainError,
    InvalidInput,
    PermissionDenied,
    WorkflowError,
)
from comptoir.tickets.models import Guest, Ticket
from comptoir.workflows.models import Status, Transition, WaitingReason

STAFF_ROLES = {"agent", "service_manager", "admin"}
STAFF_TOKENS = {"agent", "assignee", "manager", "admin"}
OWNER_OR_MANAGERS = {"owner", "agent", "manager", "admin"}


@dataclass(frozen=True)
class Refusal:
    """The error an action must raise: its class and, when the code names it, its code."""

    error: type[DomainError]
    code: str | None = None

    def matches(self, exc: DomainError) -> bool:
        return type(exc) is self.error and (self.code is None or exc.code == self.code)


def refused(error: type[DomainError], code: str | None = None) -> Refusal:
    return Refusal(error, code)


# --- people and tickets ----------------------------------------------------------------------


def is_staff(user: User | None) -> bool:
    return user is not None and user.role in STAFF_ROLES


def is_admin(user: User | None) -> bool:
    return user is not None and (user.role == "admin" or user.is_superuser)


@dataclass(frozen=True)
class Facts:
    """Who works in which service and who follows which ticket, read once for a round of
    questions (two queries), so checking every person against every ticket stays cheap."""

    members: dict[tuple[int, int], bool]  # (service, user) -> can_manage
    guests: frozenset[tuple[int, int]]  # (ticket, user)

    @classmethod
    def read(cls) -> Facts:
        rows = ServiceMember.objects.values_list("service_id", "user_id", "can_manage")
        return cls(
            members={(s, u): manages for s, u, manages in rows},
            guests=frozenset(Guest.objects.values_list("ticket_id", "user_id")),
        )


def membership(user: User, service_id: int, facts: Facts | None = None) -> bool | None:
    """None for someone who is not a member of the service, else whether they manage it."""
    return (facts or Facts.read()).members.get((service_id, user.pk))


def is_guest(user: User, ticket: Ticket, facts: Facts | None = None) -> bool:
    return (ticket.pk, user.pk) in (facts or Facts.read()).guests


def sees(user: User | None, ticket: Ticket, facts: Facts | None = None) -> bool:
    """TEN-2, TEN-3 as the architecture page states them (the scheduler sees everything)."""
    if user is None or is_admin(user):
        return True
    if not user.is_active:
        return False
    facts = facts or Facts.read()
    if is_guest(user, ticket, facts):
        return True
    if is_staff(user):
        member = membership(user, ticket.service_id, facts) is not None
        return member or ticket.assignee_id == user.pk
    if user.pk in (ticket.reporter_id, ticket.affected_id):
        return True
    # A VisibilityGrant would widen this: the fuzzer's world has none (it checks).
    return user.role == "customer_manager" and bool(user.site_id) and user.site_id == ticket.site_id


def tokens(user: User | None, ticket: Ticket, facts: Facts | None = None) -> set[str]:
    """The Actor tokens of docs/architecture.md: who `user` is to this ticket."""
    if user is None:
        return {"system"}
    out = set()
    if user.pk in (ticket.reporter_id, ticket.affected_id):
        out.add("requester")
    if user.role in ("customer", "customer_manager") and user.pk == ticket.reporter_id:
        out.add("owner")
    if is_staff(user):
        manages = membership(user, ticket.service_id, facts)
        if manages is not None:
            out |= {"agent", "manager"} if manages else {"agent"}
        if ticket.assignee_id == user.pk:
            out.add("assignee")
    if is_admin(user):
        out |= {"admin", "agent", "manager"}
    return out


def may_follow(user: User, ticket: Ticket) -> bool:
    """AG-6: staff, or a customer of the ticket's own organisation and site."""
    if not user.is_active:
        return False
    if user.role in ("customer", "customer_manager"):
        return (user.organisation_id, user.site_id) == (ticket.organisation_id, ticket.site_id)
    return True


# --- the workflow tables ---------------------------------------------------------------------


def moves_from(status: Status) -> list[Transition]:
    """WF-1: the transitions leaving `status` (its own, or "from any" unless final)."""
    rows = Transition.objects.filter(workflow_id=status.workflow_id).select_related("to_status")
    return [
        t
        for t in rows.order_by("order", "pk")
        if (t.from_status_id == status.pk or (t.from_status_id is None and not status.is_final))
        and t.to_status_id != status.pk
    ]


def all_codes(workflow_id: int) -> list[str]:
    """Every transition code of a workflow, allowed now or not: the fuzzer tries them all."""
    codes = Transition.objects.filter(workflow_id=workflow_id).values_list("code", flat=True)
    return sorted(set(codes))


def requirements(workflow_id: int, code: str) -> list[str]:
    rows = Transition.objects.filter(workflow_id=workflow_id, code=code)
    return sorted({name for t in rows for name in t.requires})


def take_move(status: Status) -> Transition | None:
    """Taking (or assigning) a ticket in its initial status enters the taken status."""
    wf = status.workflow
    if not (status.is_initial and wf.taken_status_id):
        return None
    return next((t for t in moves_from(status) if t.to_status_id == wf.taken_status_id), None)


def release_move(status: Status) -> Transition | None:
    """Releasing (or transferring) a ticket in the taken status goes back to the initial."""
    wf = status.workflow
    if not wf.taken_status_id or status.pk != wf.taken_status_id:
        return None
    return next((t for t in moves_from(status) if t.to_status.is_initial), None)


# --- a move ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """What a caller hands a transition: its data, and which of the values are well formed
    (the fuzzer builds them, so it knows)."""

    data: dict[str, Any]
    malformed: frozenset[str] = frozenset()

    def comment(self) -> bool:
        return bool(str(self.data.get("comment") or "").strip())


def _given(move: Move, name: str) -> bool:
    return bool(str(move.data.get(name) or "").strip())


def decide_move(
    *,
    ticket: Ticket,
    status: Status,
    code: str,
    rel: set[str],
    move: Move,
    confirmation: str,
    direct: bool,
) -> Refusal | None:
    """WF-2, WF-3, WF-5, WF-6: whether firing `code` from `status` with `rel` is refused,
    in the order the write path checks (which move, who, take/release, reopening,
    confirmation, data, quote)."""
    found = [t for t in moves_from(status) if t.code == code]
    if not found:
        return refused(WorkflowError, "transition_not_allowed")
    assert len(found) == 1, f"{code} leaves {status.code} twice"
    t = found[0]
    if not rel & set(t.actors):
        return refused(PermissionDenied, "transition_forbidden")
    if (
        direct
        and status.workflow.taken_means_held
        and t in (take_move(status), release_move(status))
    ):
        return refused(WorkflowError, "use_take_or_release")
    if t.is_reopening:
        policy = ticket.desk.reopen_policy
        if status.is_final or (policy == "never" and status.state == "closed"):
            return refused(WorkflowError, "reopen_refused")
        if policy == "staff" and not rel & (STAFF_TOKENS | {"system"}):
            return refused(PermissionDenied, "reopen_forbidden")
        if policy == "owner_or_managers" and not rel & {
            "owner",
            "agent",
            "manager",
            "admin",
            "system",
        }:
            return refused(PermissionDenied, "reopen_forbidden")
    allowed = {"confirmed", "pending"} if "system" in rel else {"confirmed"}
    if t.needs_confirmation and confirmation not in allowed:
        return refused(WorkflowError, "needs_confirmation")
    if any(not _given(move, name) for name in t.requires) or move.malformed:
        return refused(InvalidInput)
    return _quote(ticket, t, rel)


def _quote(ticket: Ticket, t: Transition, rel: set[str]) -> Refusal | None:
    quotes = list(Quote.objects.filter(ticket_id=ticket.pk))
    submitted = [q for q in quotes if q.status == QuoteStatus.SUBMITTED]
    if t.quote_effect == "submit":
        if "system" in rel:
            return refused(PermissionDenied, "quote_forbidden")
        if any(q.status == QuoteStatus.ACCEPTED for q in quotes):
            return refused(WorkflowError, "quote_accepted")
    elif t.quote_effect in ("accept", "refuse"):
        if not submitted:
            return refused(WorkflowError, "no_quote_pending")
        expired = submitted[0].valid_until < timezone.localdate()
        if t.quote_effect == "accept" and expired:
            return refused(WorkflowError, "quote_expired")
    return None


def move_events(move: Move, actor: User | None) -> list[str]:
    """A move's timeline: its status event, then its comment when it carries one."""
    return ["status"] + (["comment"] if move.comment() and actor is not None else [])


# --- drawing a move's data -------------------------------------------------------------------

GOOD = {
    "reason": "Hors du périmètre du contrat",
    "solution": "Service redémarré, tout refonctionne.",
    "comment": "Pouvez-vous préciser le poste concerné ?",
}
BAD = {
    "waiting_reason": ["nope", "RFC"],
    "appointment": ["2026-02-30 10:00", "demain matin"],
    "quote_amount": ["-3", "0", "abc", "1e12", "NaN"],
}


def draw_move(data: st.DataObject, desk_id: int, workflow_id: int, code: str | None) -> Move:
    """Data for firing `code`: each value it requires well formed, missing, blank or
    malformed, and sometimes a comment it does not require."""
    values: dict[str, Any] = {}
    malformed = set()
    needed = requirements(workflow_id, code) if code else []
    for name in needed:
        how = data.draw(st.sampled_from(["good", "good", "good", "missing", "blank", "bad"]))
        if how == "good":
            values[name] = _good(data, desk_id, name)
        elif how == "blank":
            values[name] = "  "
        elif how == "bad" and name in BAD:
            values[name] = data.draw(st.sampled_from(BAD[name]))
            malformed.add(name)
    if "comment" not in needed and data.draw(st.booleans()):
        values["comment"] = data.draw(st.sampled_from([GOOD["comment"], " "]))
    return Move(values, frozenset(malformed))


def good_move(desk_id: int, workflow_id: int, code: str) -> Move:
    """Well-formed data for every value `code` requires (the first of each list)."""
    return Move({name: _good(None, desk_id, name) for name in requirements(workflow_id, code)})


def _good(data: st.DataObject | None, desk_id: int, name: str) -> Any:
    if name == "waiting_reason":
        codes = WaitingReason.objects.filter(desk_id=desk_id).values_list("code", flat=True)
        return data.draw(st.sampled_from(sorted(codes))) if data else min(codes)
    if name == "appointment":
        return (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    if name == "quote_amount":
        return data.draw(st.sampled_from(["1200", "850,50", "0.01"])) if data else "1200"
    return GOOD[name]
