"""What must hold after every step of the workflow state machine (`test_fuzz_workflow.py`),
whatever the actions tried before: each a function that asserts, with the ticket's key in
its message. (Imported by the tests, not collected.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Model

from comptoir.accounts.models import User
from comptoir.billing.models import Quote, TimeTask
from comptoir.catalog.models import Desk
from comptoir.core.readcache import read_cache
from comptoir.notifications.models import Outbox
from comptoir.search.models import TicketText
from comptoir.sla import clock
from comptoir.sla import services as sla
from comptoir.sla.models import SlaAlert
from comptoir.tickets.models import (
    Assessment,
    Attachment,
    Comment,
    Event,
    Guest,
    Mute,
    Ticket,
    TicketLink,
)
from comptoir.tickets.relations import relations
from comptoir.tickets.selectors import visible_tickets
from comptoir.webhooks.models import WebhookDelivery
from comptoir.workflows import engine
from comptoir.workflows.tests import oracle

# Every table a ticket action may write: a refused action leaves each as it was. Rows are
# counted (with the highest key) in one statement; those an action updates in place are
# compared whole.
WRITTEN: tuple[type[Model], ...] = (
    Ticket,
    Comment,
    Event,
    Attachment,
    Guest,
    TicketLink,
    Mute,
    Assessment,
    Outbox,
    Quote,
    TimeTask,
    SlaAlert,
    TicketText,
    WebhookDelivery,
)
UPDATED: tuple[type[Model], ...] = (Ticket, Quote, Assessment, TicketText)


def _counts_sql() -> str:
    quote = connection.ops.quote_name
    parts = [
        f"SELECT '{m.__name__}', COUNT(*), MAX({quote(m._meta.pk.column)}) "
        f"FROM {quote(m._meta.db_table)}"
        for m in WRITTEN
    ]
    return " UNION ALL ".join(parts)


def snapshot() -> dict[str, Any]:
    """Row counts and highest keys of every written table, the rows updated in place, the
    desks' key counters and the stored files."""
    with connection.cursor() as cursor:
        cursor.execute(_counts_sql())
        counts = sorted(cursor.fetchall())
    media = Path(settings.MEDIA_ROOT)
    return {
        "counts": counts,
        **{m.__name__: list(m.objects.order_by("pk").values_list()) for m in UPDATED},
        "counters": list(Desk.objects.order_by("pk").values_list("pk", "next_number")),
        "files": sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else [],
    }


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [key for key in before if before[key] != after[key]]


STATUS_KEYS = {"created": "status", "status": "new", "converted": "new_status"}


EventRow = tuple[int, str, Any, datetime]  # id, kind, data, created_at


def timelines(pks: list[int]) -> dict[int, list[EventRow]]:
    """The events of the tickets, in order, in one query."""
    out: dict[int, list[EventRow]] = {pk: [] for pk in pks}
    rows = Event.objects.filter(ticket_id__in=pks).order_by("id")
    for ticket_id, *row in rows.values_list("ticket_id", "id", "kind", "data", "created_at"):
        out[ticket_id].append(tuple(row))
    return out


def one_status(ticket: Ticket, events: list[EventRow]) -> None:
    """Exactly one current status: of the type's workflow, the one the timeline last
    entered, with the state and the resolution and closing times it implies."""
    status = ticket.status
    assert status.workflow_id == ticket.type.workflow_id, (ticket.key, status.code)
    assert ticket.state == status.state, (ticket.key, ticket.state, status.code)
    moves = [(kind, data) for _pk, kind, data, _at in events if kind in STATUS_KEYS]
    kind, data = moves[-1]
    assert data[STATUS_KEYS[kind]]["id"] == status.pk, (ticket.key, kind, data, status.code)
    if ticket.state == "open":
        assert ticket.resolved_at is None and ticket.closed_at is None, ticket.key
    if ticket.state == "resolved":
        assert ticket.resolved_at is not None and ticket.closed_at is None, ticket.key
    if ticket.state == "closed":
        assert ticket.closed_at is not None, ticket.key


def timeline(ticket: Ticket, events: list[EventRow], seen: list[tuple[int, str]]) -> None:
    """The timeline is what the successful actions appended, in order, and nothing else."""
    assert [(pk, kind) for pk, kind, _data, _at in events] == seen, (ticket.key, events, seen)
    times = [at for _pk, _kind, _data, at in events]
    assert times == sorted(times), (ticket.key, times)


def holder(ticket: Ticket, facts: oracle.Facts) -> None:
    """The agent in charge works in the ticket's service (an administrator counts as an
    agent of every service); where the workflow's taken status means "held", a ticket in
    its initial status is held by nobody. (The other half, "in the taken status, someone
    holds it", is checked after the actions that clear the holder: a workflow move may
    enter that status, ENT's reopening say, from a status nobody held.)"""
    if ticket.assignee_id is not None:
        member = oracle.membership(ticket.assignee, ticket.service_id, facts) is not None
        assert member or oracle.is_admin(ticket.assignee), (ticket.key, ticket.assignee)
    if ticket.type.workflow.taken_means_held and ticket.status.is_initial:
        assert ticket.assignee_id is None, (ticket.key, "initial status, yet held")


def left_the_taken_status(ticket: Ticket) -> None:
    """After a release, a transfer or an escalation nobody holds the ticket: it is not left
    in a status that means "an agent holds it"."""
    wf = ticket.type.workflow
    assert ticket.assignee_id is None, ticket.key
    if wf.taken_means_held:
        assert ticket.status_id != wf.taken_status_id, (ticket.key, ticket.status.code)


def sla_clock(
    ticket: Ticket, events: list[EventRow], now: datetime, before: tuple | None
) -> tuple | None:
    """SLA-2: the elapsed business time never decreases and stands still while the clock
    is paused or stopped; the stored due dates are those the clock gives now. Returns what
    the next step compares with."""
    history = [(kind, data, at) for _pk, kind, data, at in events if kind in STATUS_KEYS]
    evaluation = sla.evaluate(ticket, now=now, events=history)
    if evaluation is None:
        assert (ticket.sla_first_response_due, ticket.sla_resolution_due) == (None, None)
        assert not ticket.sla_paused, ticket.key
        return None
    for stored, fresh in (
        (ticket.sla_first_response_due, evaluation.first_response_due),
        (ticket.sla_resolution_due, evaluation.resolution_due),
    ):
        assert (stored is None) == (fresh is None), (ticket.key, stored, fresh)
        if stored is not None:
            assert abs(stored - fresh) <= timedelta(seconds=1), (ticket.key, stored, fresh)
    effect = ticket.status.sla_effect
    assert ticket.sla_paused == (effect == "pause"), (ticket.key, effect)
    if effect != "run":
        assert ticket.sla_resolution_due is None, ticket.key
    spec = sla.calendar_spec(sla.policy_for(ticket))
    elapsed = clock.elapsed(spec, sla.status_history(ticket, now, history), now)
    if before is not None:
        old_elapsed, old_effect, old_moves = before
        assert elapsed >= old_elapsed - 1e-6, (ticket.key, old_elapsed, elapsed)
        if old_effect != "run" and old_moves == len(history):
            assert abs(elapsed - old_elapsed) < 1e-6, (ticket.key, old_effect, old_elapsed, elapsed)
    return (elapsed, effect, len(history))


def tenancy(
    people: dict[str, User], tickets: list[Ticket], facts: oracle.Facts, outbox_since: int
) -> int:
    """TEN-2: each person sees exactly the tickets the model says, a customer never one of
    another organisation; no mail about a ticket goes to a customer of another
    organisation, none about an internal event to a customer; guests may follow. Reads
    the outbox rows after `outbox_since`; returns the last one read."""
    pks = [t.pk for t in tickets]
    for name, person in people.items():
        seen = set(visible_tickets(person).filter(pk__in=pks).values_list("pk", flat=True))
        expected = {t.pk for t in tickets if oracle.sees(person, t, facts)}
        assert seen == expected, (name, seen, expected)
        if person.is_customer:
            assert all(t.organisation_id == person.organisation_id for t in tickets if t.pk in seen)
    rows = Outbox.objects.filter(pk__gt=outbox_since, recipient__isnull=False)
    for row in rows.select_related("recipient", "ticket", "event").order_by("pk"):
        outbox_since = row.pk
        if row.recipient.is_customer and row.ticket is not None:
            assert row.recipient.organisation_id == row.ticket.organisation_id, row.pk
            assert row.event is None or not row.event.internal, (row.pk, row.kind)
    everyone = {p.pk: p for p in people.values()}
    for t in tickets:
        for ticket_id, user_id in facts.guests:
            if ticket_id == t.pk:
                guest = everyone.get(user_id) or User.objects.get(pk=user_id)
                assert oracle.may_follow(guest, t), (t.key, guest)
    return outbox_since


def engine_agrees(people: dict[str, User | None], ticket: Ticket) -> None:
    """The engine's answer to "who may fire what now" is the workflow data's: the tokens
    `relations()` gives each person, and the moves `available_transitions` offers, read as
    a page reads them (inside `read_cache()`; the actions read them fresh, and their
    outcomes are compared with the model one by one)."""
    with read_cache():
        _engine_agrees(people, ticket)


def _engine_agrees(people: dict[str, User | None], ticket: Ticket) -> None:
    facts = oracle.Facts.read()
    moves = oracle.moves_from(ticket.status)
    for name, person in people.items():
        rel = relations(person, ticket)
        assert rel == oracle.tokens(person, ticket, facts), (ticket.key, name, rel)
        offered = {t.code for t in engine.available_transitions(ticket.status, rel)}
        allowed = {t.code for t in moves if rel & set(t.actors)}
        assert offered == allowed, (ticket.key, name, offered, allowed)
