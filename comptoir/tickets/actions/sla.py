"""SLA warnings and breaches (SLA-2): the clock's verdicts written into the ticket's history.

`sla_check` is what the `sla_watch` job calls for each ticket whose `sla_next_alert_at`
has come. It recomputes the clock on the locked ticket and records each warning or breach
reached and not recorded yet: an `SlaAlert` row (the history reports read), an internal
timeline event (customers never see SLA internals) and the outbox rows of the ticket's
holder and the service's managers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.notifications import rules
from comptoir.sla import services as sla
from comptoir.sla.models import AlertLevel, SlaAlert
from comptoir.tickets.actions import _base
from comptoir.tickets.models import Ticket

EVENT_KINDS = {AlertLevel.WARNING: "sla_warning", AlertLevel.BREACH: "sla_breached"}


def sla_check(
    *, actor: User | None = None, ticket: Ticket | int, now: datetime | None = None
) -> list[SlaAlert]:
    """Record the warnings and breaches the ticket's clock reached by `now`; the new ones.

    Idempotent: an alert already recorded is never recorded again (also enforced by the
    unique constraint, and the row lock serialises two workers on one ticket). `actor` is
    None for the scheduler; a person may ask for a check only if they are staff and see
    the ticket. The alerts themselves are the system's: their events have no actor.
    """
    if actor is not None:
        _base.require_staff(actor)
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        evaluation = sla.evaluate(ticket, now=now)
        recorded = sla.recorded_alerts(ticket) if evaluation else []
        created, changed = _check(ticket, evaluation, recorded, now)
        if changed:
            _save_sla_columns(ticket, changed)
        return created


def sla_check_many(
    ticket_ids: list[int], *, now: datetime | None = None
) -> dict[int, list[SlaAlert]]:
    """`sla_check` by the scheduler on a batch of tickets: the new alerts of each.

    One transaction; the rows are locked in one statement (in pk order, as two workers
    would take them) and read with their status events and recorded alerts in three more,
    instead of four queries and a savepoint per ticket; the SLA columns are written by one
    UPDATE per set of changed columns. It records exactly what `sla_check` would on each;
    a ticket gone meanwhile is left out of the answer.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = list(
            Ticket.objects.select_for_update()
            .filter(pk__in=ticket_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not locked:
            return {}
        related = ("status", "type__workflow", "desk", "reporter", "affected")
        tickets = Ticket.objects.select_related(*related).in_bulk(locked)
        histories = sla.status_events(locked)
        alerts = sla.recorded_alerts_of(locked)
        out = {}
        to_save: dict[tuple[str, ...], list[Ticket]] = defaultdict(list)
        for pk in locked:
            ticket = tickets[pk]
            evaluation = sla.evaluate(ticket, now=now, events=histories.get(pk, []))
            recorded = alerts.get(pk, []) if evaluation else []
            out[pk], changed = _check(ticket, evaluation, recorded, now)
            if changed:
                to_save[tuple(changed)].append(ticket)
        for fields, changed_tickets in to_save.items():
            # bulk_update writes only the fields named: no version, no updated_at (see
            # `_save_sla_columns`).
            Ticket.objects.bulk_update(changed_tickets, fields)
        return out


def _check(
    ticket: Ticket, evaluation: sla.Evaluation | None, recorded: list, now: datetime
) -> tuple[list[SlaAlert], list[str]]:
    """Record the due marks of a locked ticket and set its SLA columns; the new alerts
    and the columns changed (the caller saves them)."""
    created = []
    for mark in evaluation.due_marks(recorded) if evaluation else []:
        created.append(_record(ticket, mark, evaluation, now))
        recorded.append((mark.target, mark.level, mark.at))
    before = {f: getattr(ticket, f) for f in sla.SLA_FIELDS}
    sla.apply(ticket, evaluation, recorded)
    changed = [f for f in sla.SLA_FIELDS if getattr(ticket, f) != before[f]]
    return created, changed


def _record(ticket: Ticket, mark: sla.Mark, evaluation: sla.Evaluation, now: datetime) -> SlaAlert:
    assert mark.at is not None
    alert = SlaAlert.objects.create(
        ticket=ticket,
        organisation_id=ticket.organisation_id,
        target=mark.target,
        level=mark.level,
        due_at=mark.at,
        recorded_at=now,
        desk_id=ticket.desk_id,
        service_id=ticket.service_id,
        type_id=ticket.type_id,
        priority_id=ticket.priority_id,
        assignee_id=ticket.assignee_id,
    )
    data = {"target": mark.target, "at": mark.at.isoformat()}
    if mark.level == AlertLevel.WARNING:
        data["due"] = mark.due.isoformat() if mark.due else None
        data["percent"] = evaluation.warning_percent
    ev = _base.event(
        ticket=ticket,
        actor=None,
        kind=EVENT_KINDS[AlertLevel(mark.level)],
        data=data,
        internal=True,
    )
    rules.on_sla_alert(ticket=ticket, event=ev, alert=alert)
    return alert


def _save_sla_columns(ticket: Ticket, fields: list[str]) -> None:
    """Write the SLA bookkeeping without bumping `version` or `updated_at`.

    The clock ticking is not a change someone made: bumping the version would turn every
    agent's open form stale (`Conflict(code="stale")`) each time a warning is recorded, and
    `updated_at` would push the ticket to the top of "recently updated" queues. The
    timeline event says what happened.
    """
    Ticket.objects.filter(pk=ticket.pk).update(**{f: getattr(ticket, f) for f in fields})
