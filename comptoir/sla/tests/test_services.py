# covers: SLA-1, SLA-2
"""SLA columns recomputed by the actions: creation, moves, priority change, conversion."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from comptoir.catalog.models import Priority, TicketType
from comptoir.sla.models import SlaPolicy
from comptoir.sla.services import policy_for, remaining_minutes
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def at(*args: int):
    return time_machine.travel(paris(*args), tick=False)


def prio(code: str) -> Priority:
    return Priority.objects.get(desk__slug="spt", code=code)


def reload(ticket):
    ticket.refresh_from_db()
    return ticket


def support(world, priority: str = "moyenne"):
    # Monday 2026-11-23 10:00, "moyenne" (rank 3): 16 h first response, 40 h resolution.
    with at(2026, 11, 23, 10):
        return file_ticket(world.customer, "spt", priority=prio(priority))


def test_presets_get_a_policy_per_priority(world):
    ranks = dict(
        SlaPolicy.objects.filter(desk__slug="spt", type=None).values_list(
            "priority__rank", "resolution_minutes"
        )
    )
    assert ranks == {1: 8 * 60, 2: 24 * 60, 3: 40 * 60, 4: 80 * 60}
    assert SlaPolicy.objects.filter(desk__slug="itil").count() == 4


def test_support_gets_due_dates_on_creation(world):
    t = reload(support(world))
    assert t.sla_first_response_due == paris(2026, 11, 25, 10)
    assert t.sla_resolution_due == paris(2026, 11, 30, 10)
    assert not t.sla_paused and t.sla_breached_at is None and t.version == 1


def test_patch_is_not_under_sla(world):
    with at(2026, 11, 23, 10):
        t = file_ticket(world.agent, "spt", type="patch", affected=world.customer)
    t = reload(t)
    assert not t.type.sla_applies
    assert (t.sla_first_response_due, t.sla_resolution_due, t.sla_breached_at) == (None,) * 3
    assert not t.sla_paused


def test_pause_resume_and_stop(world):
    t = support(world)
    with at(2026, 11, 23, 11):
        actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    t = reload(t)
    assert t.sla_first_response_due is None  # answered
    assert t.sla_resolution_due == paris(2026, 11, 30, 10)  # the clock kept running
    with at(2026, 11, 23, 14):  # 3 business hours used
        actions.ticket_transition(
            actor=world.agent, ticket=t, code="ask_customer", data={"comment": "Version ?"}
        )
    t = reload(t)
    assert t.sla_paused and t.sla_resolution_due is None
    with at(2026, 11, 24, 10):
        assert remaining_minutes(t) == 37 * 60  # derivable while paused
    with at(2026, 11, 24, 15):  # back the next afternoon: 37 h left from Tuesday 15:00
        actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    t = reload(t)
    assert not t.sla_paused
    assert t.sla_resolution_due == paris(2026, 12, 1, 11)
    with at(2026, 11, 24, 16):
        actions.ticket_transition(
            actor=world.agent, ticket=t, code="resolve", data={"solution": "Correctif 12.3"}
        )
        actions.ticket_confirm_resolution(actor=world.customer, ticket=t, accepted=True)
        actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    t = reload(t)
    assert t.status.code == "ferme"
    assert t.sla_resolution_due is None and not t.sla_paused and t.sla_breached_at is None


def test_priority_change_recomputes(world):
    t = support(world)
    with at(2026, 11, 23, 11):
        actions.ticket_update(actor=world.agent, ticket=t, changes={"priority": prio("bloquante")})
    t = reload(t)
    assert t.sla_first_response_due == paris(2026, 11, 23, 15)  # 4 h - 1 h used
    assert t.sla_resolution_due == paris(2026, 11, 24, 10)  # 8 h - 1 h used
    with at(2026, 11, 23, 12):  # a title change leaves the deadlines alone
        actions.ticket_update(actor=world.agent, ticket=t, changes={"title": "Autre"})
    assert reload(t).sla_resolution_due == paris(2026, 11, 24, 10)


def test_breach_is_recorded_by_the_next_recompute(world):
    t = support(world, "bloquante")  # 4 h first response from Monday 10:00: 15:00
    with at(2026, 11, 24, 9, 30):
        actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    t = reload(t)
    assert t.sla_breached_at == paris(2026, 11, 23, 15)
    assert t.sla_is_breached and t.sla_first_response_due is None
    assert t.sla_resolution_due == paris(2026, 11, 24, 10)


def test_most_specific_policy_wins(world):
    t = support(world)
    support_type = TicketType.objects.get(desk__slug="spt", code="support")
    generic = policy_for(t)
    assert generic.priority_id == t.priority_id and generic.type_id is None
    by_type = SlaPolicy.objects.create(
        desk=t.desk, type=support_type, calendar=generic.calendar, resolution_minutes=60
    )
    assert policy_for(t) == by_type
    both = SlaPolicy.objects.create(
        desk=t.desk,
        type=support_type,
        priority=t.priority,
        calendar=generic.calendar,
        resolution_minutes=30,
    )
    assert policy_for(t) == both


@pytest.mark.parametrize("sort", ["sla"])
def test_console_queue_sorts_by_due_nulls_last(world, client, sort):
    urgent = support(world, "bloquante")
    relaxed = support(world, "basse")
    with at(2026, 11, 23, 10):
        patch = file_ticket(world.agent, "spt", type="patch", affected=world.customer)
    from comptoir.console import selectors as sel

    with at(2026, 11, 23, 10, 30):
        page = sel.queue_page(
            actor=world.agent,
            params=sel.QueueParams(queue="all", sort=sort, desk_id=urgent.desk_id),
        )
    keys = [r.key for r in page.rows]
    assert keys.index(urgent.key) < keys.index(relaxed.key) < keys.index(patch.key)
    client.force_login(world.agent)
    with at(2026, 11, 23, 10, 30):
        html = client.get(f"/console/?queue=all&sort={sort}").content.decode()
        page_html = client.get(f"/console/t/{urgent.key}/").content.decode()
    assert "sla-due" in html
    assert "sla-due" in page_html
