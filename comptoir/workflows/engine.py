"""The workflow engine: which transitions a person may fire now, and what they require.

It reads the rows of `workflows.models` and knows nothing of any preset. The ticket
actions call it inside their transaction; interfaces call `available_transitions` to show
the buttons that would succeed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from comptoir.core.errors import InvalidInput, PermissionDenied, WorkflowError
from comptoir.core.readcache import cached
from comptoir.workflows.models import (
    Actor,
    QuoteEffect,
    Requirement,
    Status,
    Transition,
    WaitingReason,
    Workflow,
)


def transitions_from(status: Status) -> list[Transition]:
    """Every transition that leaves `status` (explicitly, or "from any" when not final)."""
    # One read of the workflow's moves per page (core/readcache.py): the engine is asked
    # about several statuses of the same workflow to draw one ticket page.
    rows = cached(
        ("transitions", status.workflow_id),
        lambda: list(
            Transition.objects.filter(workflow_id=status.workflow_id).select_related("to_status")
        ),
    )
    return [
        t
        for t in rows
        if (t.from_status_id == status.id or (t.from_status_id is None and not status.is_final))
        and t.to_status_id != status.id
    ]


def find_transition(status: Status, code: str) -> Transition:
    """The transition `code` leaving `status`, or a WorkflowError that says why not."""
    for t in transitions_from(status):
        if t.code == code:
            return t
    raise WorkflowError(
        _("“%(action)s” is not possible from the status “%(status)s”.")
        % {"action": code, "status": status.name},
        code="transition_not_allowed",
    )


def may_fire(transition: Transition, relations: Iterable[str]) -> bool:
    return bool(set(transition.actors) & set(relations))


def check_actor(transition: Transition, relations: set[str]) -> None:
    if not may_fire(transition, relations):
        raise PermissionDenied(
            _("You are not allowed to “%(action)s” this ticket.") % {"action": transition.name},
            code="transition_forbidden",
        )


def available_transitions(status: Status, relations: set[str]) -> list[Transition]:
    return [t for t in transitions_from(status) if may_fire(t, relations)]


def take_transition(status: Status, workflow: Workflow) -> Transition | None:
    """The move that taking a ticket implies (ENT Libre → En cours), if the workflow has one."""
    if not (status.is_initial and workflow.taken_status_id):
        return None
    moves = [t for t in transitions_from(status) if t.to_status_id == workflow.taken_status_id]
    return moves[0] if moves else None


def release_transition(status: Status, workflow: Workflow) -> Transition | None:
    """The move that releasing a ticket implies (back to the initial status), if any."""
    if not workflow.taken_status_id or status.pk != workflow.taken_status_id:
        return None
    moves = [t for t in transitions_from(status) if t.to_status.is_initial]
    return moves[0] if moves else None


# A quote's optional details (WF-6): they mean something only to a move that submits a
# quote, so any other move ignores them rather than carrying them into its history.
QUOTE_DETAILS = (
    Requirement.QUOTE_EFFORT_HOURS,
    Requirement.QUOTE_VALID_UNTIL,
    Requirement.QUOTE_DESCRIPTION,
)
MAX_EFFORT_HOURS = Decimal(10_000)
MAX_QUOTE_DESCRIPTION = 10_000


def clean_data(transition: Transition, data: dict[str, Any], desk_id: int) -> dict[str, Any]:
    """Check and convert the data a transition requires (WF-2); refuse with the field named.

    Optional data the transition does not require is still accepted (a comment with any
    move, say) and cleaned the same way; a quote's details only on a move submitting one.
    """
    data = dict(data or {})
    cleaned: dict[str, Any] = {}
    required = set(transition.requires)
    labels = dict(Requirement.choices)
    submits = transition.quote_effect == QuoteEffect.SUBMIT

    for name in Requirement.values:
        if name in QUOTE_DETAILS and not submits and name not in required:
            continue
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip()  # an empty textarea is "not given", not a blank value
        if value in (None, "") and name not in required:
            continue
        if value in (None, ""):
            raise InvalidInput(
                _("%(field)s is required to “%(action)s”.")
                % {"field": labels[name], "action": transition.name},
                code="required",
                field=name,
            )
        cleaned[name] = _convert(name, value, desk_id)
    return cleaned


def _convert(name: str, value: Any, desk_id: int) -> Any:
    if name == Requirement.WAITING_REASON:
        reason = (
            value
            if isinstance(value, WaitingReason)
            else WaitingReason.objects.filter(desk_id=desk_id, code=str(value)).first()
        )
        if reason is None or reason.desk_id != desk_id:
            raise InvalidInput(_("Choose a waiting reason from the list."), field=name)
        return reason
    if name == Requirement.APPOINTMENT:
        try:
            when = value if isinstance(value, datetime) else parse_datetime(str(value))
        except ValueError:  # well-formed but impossible, e.g. 30 February
            when = None
        if when is None:
            raise InvalidInput(
                _("The appointment must be a date and time, e.g. 2026-12-01 14:30."), field=name
            )
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
        return when
    if name == Requirement.QUOTE_AMOUNT:
        try:
            amount = Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise InvalidInput(_("The quote amount must be a number."), field=name)
        amount = amount.quantize(Decimal("0.01")) if abs(amount) < Decimal("1e11") else amount
        if amount >= Decimal("1e10"):
            raise InvalidInput(_("The quote amount is too large."), field=name)
        if amount <= 0:
            raise InvalidInput(_("The quote amount must be positive."), field=name)
        return amount
    if name == Requirement.QUOTE_EFFORT_HOURS:
        return _effort_hours(value, name)
    if name == Requirement.QUOTE_VALID_UNTIL:
        return _valid_until(value, name)
    if name == Requirement.QUOTE_DESCRIPTION:
        text = str(value)
        if len(text) > MAX_QUOTE_DESCRIPTION:
            raise InvalidInput(
                _("The quote description is too long (at most %(n)s characters).")
                % {"n": formats.number_format(MAX_QUOTE_DESCRIPTION, force_grouping=True)},
                field=name,
            )
        return text
    return str(value)


def _effort_hours(value: Any, name: str) -> Decimal:
    """Hours as people type them ("8", "7,5", "7.5"), to the minute, up to 10,000."""
    try:
        hours = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite():
        raise InvalidInput(
            _("The estimated effort must be a number of hours, e.g. 8 or 7.5."), field=name
        )
    if hours > MAX_EFFORT_HOURS:
        raise InvalidInput(
            _("The estimated effort cannot exceed %(max)s hours.")
            % {"max": formats.number_format(MAX_EFFORT_HOURS, force_grouping=True)},
            field=name,
        )
    hours = hours.quantize(Decimal("0.01"))  # a hundredth of an hour still makes a minute
    if hours <= 0:
        raise InvalidInput(_("The estimated effort must be more than zero."), field=name)
    return hours


def _valid_until(value: Any, name: str) -> date:
    """A date from today on (in the provider's time zone): a quote cannot start expired."""
    if isinstance(value, datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    try:
        day = value if isinstance(value, date) else parse_date(str(value).strip())
    except ValueError:  # well-formed but impossible, e.g. 30 February
        day = None
    if day is None:
        raise InvalidInput(_("The validity date must be a date, e.g. 2026-12-31."), field=name)
    if day < timezone.localdate():
        raise InvalidInput(_("The validity date cannot be in the past."), field=name)
    return day


__all__ = [
    "Actor",
    "available_transitions",
    "check_actor",
    "clean_data",
    "find_transition",
    "transitions_from",
]
