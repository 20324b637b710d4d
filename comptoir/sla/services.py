"""Ticket SLA columns (SLA-2), recomputed by the actions that can change them.

`recompute(ticket)` is called by `ticket_create`, `apply_transition`, `ticket_update` (a
priority change) and `ticket_convert` right before they save, inside their transaction;
it sets the attributes and returns the field names to save. It never saves by itself.

The clock is evaluated once (`evaluate`): due dates, and the `Mark`s of each target (its
warning at the policy's `warning_percent`, its breach). Together with the alerts already
recorded (`SlaAlert`), they give `sla_next_alert_at`, the one indexed column the
`sla_watch` job reads, and `sla_breached_at`, which a recorded breach keeps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from comptoir.core.readcache import cached, caching
from comptoir.sla import clock
from comptoir.sla.models import SlaAlert, SlaPolicy
from comptoir.workflows.models import SlaEffect, Status

SLA_FIELDS = (
    "sla_first_response_due",
    "sla_resolution_due",
    "sla_paused",
    "sla_breached_at",
    "sla_next_alert_at",
)
STATUS_KINDS = {"created": "status", "status": "new", "converted": "new_status"}


def policy_for(ticket) -> SlaPolicy | None:
    """The most specific policy of the ticket's desk: type and priority, then type, then
    priority, then the desk's catch-all. None when the type is not under SLA."""
    if not ticket.type.sla_applies:
        return None
    key = ("sla_policy", ticket.desk_id, ticket.type_id, ticket.priority_id)
    return cached(key, lambda: _policy(ticket.desk_id, ticket.type_id, ticket.priority_id))


def _policy(desk_id: int, type_id: int, priority_id: int | None) -> SlaPolicy | None:
    if caching():  # a batch: every policy read once (a few per desk), chosen below
        every = cached("sla_policies", lambda: list(SlaPolicy.objects.select_related("calendar")))
        candidates = [
            p
            for p in every
            if p.desk_id == desk_id
            and p.type_id in (type_id, None)
            and p.priority_id in (priority_id, None)
        ]
    else:
        candidates = list(
            SlaPolicy.objects.filter(desk_id=desk_id)
            .filter(Q(type_id=type_id) | Q(type__isnull=True))
            .filter(Q(priority_id=priority_id) | Q(priority__isnull=True))
            .select_related("calendar")
        )
    ranked = sorted(
        candidates, key=lambda p: (p.type_id is not None, p.priority_id is not None, -p.pk)
    )
    return ranked[-1] if ranked else None


def calendar_spec(policy: SlaPolicy) -> clock.CalendarSpec:
    """The policy's calendar as the clock reads it (once per batch inside `read_cache()`,
    as `sla_watch` runs: configuration, which the batch does not write)."""
    return cached(("sla_calendar", policy.calendar_id), policy.calendar.spec)


StatusEvent = tuple[str, dict | None, datetime]  # (kind, data, created_at) of an Event


def status_events(ticket_ids: list[int]) -> dict[int, list[StatusEvent]]:
    """The status events of many tickets in one query, in timeline order (a batch of the
    `sla_watch` job): what `status_history` would read for each."""
    from comptoir.tickets.models import Event

    rows = (
        Event.objects.filter(ticket_id__in=ticket_ids, kind__in=STATUS_KINDS)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "kind", "data", "created_at")
    )
    out: dict[int, list[StatusEvent]] = {}
    for ticket_id, kind, data, at in rows:
        out.setdefault(ticket_id, []).append((kind, data, at))
    return out


def status_history(
    ticket, now: datetime, events: list[StatusEvent] | None = None
) -> list[tuple[datetime, str]]:
    """(since, sla_effect) for each status the ticket has been in, the current one last;
    `events` when the caller read them already (`status_events`)."""
    steps: list[tuple[datetime, int]] = []
    if ticket.pk is not None:
        if events is None:
            qs = ticket.events.filter(kind__in=STATUS_KINDS).order_by("created_at", "id")
            events = list(qs.values_list("kind", "data", "created_at"))
        for kind, data, at in events:
            status = (data or {}).get(STATUS_KINDS[kind]) or {}
            # A conversion between two types of one workflow keeps the status: no step (the
            # ticket neither left its status nor answered for the first time).
            if "id" in status and (not steps or steps[-1][1] != status["id"]):
                steps.append((ticket.created_at if kind == "created" else at, status["id"]))
    if not steps:
        steps.append((ticket.created_at, ticket.status_id))
    if steps[-1][1] != ticket.status_id:
        since = max(ticket.status_changed_at or now, steps[-1][0])
        steps.append((since, ticket.status_id))
    effects = {ticket.status_id: ticket.status.sla_effect}
    missing = {sid for _at, sid in steps} - set(effects)
    if missing and caching():  # a batch: every status's effect read once
        every = cached("sla_effects", lambda: dict(Status.objects.values_list("pk", "sla_effect")))
        effects.update({sid: every[sid] for sid in missing if sid in every})
    elif missing:
        effects.update(Status.objects.filter(pk__in=missing).values_list("pk", "sla_effect"))
    return [(at, effects.get(sid, SlaEffect.RUN)) for at, sid in steps]


def _clear(ticket) -> list[str]:
    ticket.sla_first_response_due = ticket.sla_resolution_due = ticket.sla_breached_at = None
    ticket.sla_next_alert_at = None
    ticket.sla_paused = False
    return list(SLA_FIELDS)


FIRST_RESPONSE, RESOLUTION, WARNING, BREACH = "first_response", "resolution", "warning", "breach"
Recorded = tuple[str, str, datetime]  # (target, level, due_at) of an SlaAlert


@dataclass(frozen=True)
class Mark:
    """A moment of one target: its warning or its breach.

    `at` is when the clock reached it (at or before `now`), or, while the target still
    runs, when it will; None when it cannot be reached now (paused, stopped, met).
    `live` says the target still runs: a warning is worth sending only then.
    """

    target: str
    level: str
    at: datetime | None
    live: bool
    due: datetime | None = None  # the target's own due moment, told with a warning


def _reached(mark: Mark, now: datetime) -> bool:
    return mark.at is not None and mark.at <= now


@dataclass(frozen=True)
class Evaluation:
    """Everything the SLA clock says of a ticket at `now`."""

    now: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None
    paused: bool
    marks: tuple[Mark, ...]
    warning_percent: int | None = None

    def breaches(self, recorded: Iterable[Recorded] = ()) -> list[datetime]:
        """Every breach moment reached: the clock's and those recorded in the history."""
        crossed = [m.at for m in self.marks if m.level == BREACH and _reached(m, self.now)]
        return crossed + [at for _t, level, at in recorded if level == BREACH]

    def pending(self, recorded: Iterable[Recorded] = ()) -> list[Mark]:
        """The marks still to record: a breach once reached, a warning while its target
        runs and is not breached (a warning after the breach is noise)."""
        done = {(target, level) for target, level, _at in recorded}
        breached = {target for target, level in done if level == BREACH}
        breached |= {m.target for m in self.marks if m.level == BREACH and _reached(m, self.now)}
        out = []
        for m in self.marks:
            if m.at is None or (m.target, m.level) in done:
                continue
            if m.level == WARNING and (not m.live or m.target in breached):
                continue
            out.append(m)
        return out

    def due_marks(self, recorded: Iterable[Recorded] = ()) -> list[Mark]:
        """The marks reached by `now` and not recorded yet, breaches of a target first."""
        marks = [m for m in self.pending(recorded) if _reached(m, self.now)]
        return sorted(marks, key=lambda m: (m.at, m.target, m.level))

    def next_alert(self, recorded: Iterable[Recorded] = ()) -> datetime | None:
        moments = [m.at for m in self.pending(recorded) if m.at is not None]
        return min(moments) if moments else None


def _moment(spec, history, minutes: float, now: datetime, running: bool) -> datetime | None:
    """When the clock over `history` reached `minutes` by `now`, or will if it runs."""
    crossed = clock.crossed_at(spec, history, minutes, now)
    if crossed is not None or not running:
        return crossed
    return clock.add_business_minutes(spec, now, minutes - clock.elapsed(spec, history, now))


def _target_marks(
    target: str, minutes: int | None, percent: int | None, spec, history, now, running
) -> list[Mark]:
    if minutes is None:
        return []
    due = _moment(spec, history, minutes, now, running)
    marks = [Mark(target, BREACH, due, running)]
    if percent:
        warn = _moment(spec, history, minutes * percent / 100, now, running)
        marks.append(Mark(target, WARNING, warn, running, due))
    return marks


def evaluate(
    ticket, *, now: datetime | None = None, events: list[StatusEvent] | None = None
) -> Evaluation | None:
    """The SLA clock of the ticket at `now`; None when no policy applies."""
    now = now or timezone.now()
    policy = policy_for(ticket)
    if policy is None:
        return None
    spec = calendar_spec(policy)
    history = status_history(ticket, now, events)
    effect = history[-1][1]
    running = effect == SlaEffect.RUN
    # First response: the ticket leaving its initial status (taken, qualified, answered).
    responded = history[1][0] if len(history) > 1 else None
    first = _target_marks(
        FIRST_RESPONSE,
        policy.first_response_minutes,
        policy.warning_percent,
        spec,
        history[:1] if responded else history,
        responded or now,
        running and not responded,
    )
    resolution = _target_marks(
        RESOLUTION,
        policy.resolution_minutes,
        policy.warning_percent,
        spec,
        history,
        now,
        running,
    )

    def live_due(marks: list[Mark]) -> datetime | None:
        return next((m.at for m in marks if m.level == BREACH and m.live), None)

    return Evaluation(
        now=now,
        first_response_due=live_due(first),
        resolution_due=live_due(resolution),
        paused=effect == SlaEffect.PAUSE,
        marks=tuple(first + resolution),
        warning_percent=policy.warning_percent,
    )


def recorded_alerts(ticket) -> list[Recorded]:
    """(target, level, due_at) of the alerts already recorded for the ticket."""
    if ticket.pk is None:
        return []
    return list(
        SlaAlert.objects.filter(ticket_id=ticket.pk).values_list("target", "level", "due_at")
    )


def recorded_alerts_of(ticket_ids: list[int]) -> dict[int, list[Recorded]]:
    """`recorded_alerts` of many tickets in one query."""
    out: dict[int, list[Recorded]] = {}
    rows = SlaAlert.objects.filter(ticket_id__in=ticket_ids).values_list(
        "ticket_id", "target", "level", "due_at"
    )
    for ticket_id, target, level, due_at in rows:
        out.setdefault(ticket_id, []).append((target, level, due_at))
    return out


def apply(ticket, evaluation: Evaluation | None, recorded: list[Recorded]) -> list[str]:
    """Set the ticket's SLA columns from an evaluation and the alerts already recorded."""
    if evaluation is None:
        return _clear(ticket)
    ticket.sla_first_response_due = evaluation.first_response_due
    ticket.sla_resolution_due = evaluation.resolution_due
    ticket.sla_paused = evaluation.paused
    breaches = evaluation.breaches(recorded)
    ticket.sla_breached_at = min(breaches) if breaches else None
    ticket.sla_next_alert_at = evaluation.next_alert(recorded)
    return list(SLA_FIELDS)


def recompute(ticket, *, now: datetime | None = None) -> list[str]:
    """Set the ticket's SLA columns from its policy, status history and alert history; the
    fields to save."""
    evaluation = evaluate(ticket, now=now)
    return apply(ticket, evaluation, recorded_alerts(ticket) if evaluation else [])


def remaining_minutes(ticket, *, now: datetime | None = None) -> float | None:
    """Business minutes left before the resolution target (negative once breached), also
    while paused; None without a policy or a resolution target."""
    now = now or timezone.now()
    policy = policy_for(ticket)
    if policy is None or policy.resolution_minutes is None:
        return None
    history = status_history(ticket, now)
    return policy.resolution_minutes - clock.elapsed(calendar_spec(policy), history, now)
