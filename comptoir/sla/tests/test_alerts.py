# covers: SLA-2, TIC-8
"""Warnings before breach and the breach history, driven by time travel through the job."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from comptoir.core.errors import NotFound, PermissionDenied
from comptoir.sla.models import SlaAlert, SlaPolicy
from comptoir.tickets import actions
from comptoir.tickets.models import Event
from comptoir.tickets.selectors import timeline
from comptoir.tickets.tests.helpers import events, outbox, outbox_mark, unchanged

from .conftest import alerts, paris, prio, reload, watch

FR, RES = "first_response", "resolution"


def answer(world, t):
    """gaston takes the ticket and starts work: SPT's first response (leaving "Ouvert")."""
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")


def test_next_alert_is_the_first_response_warning_after_the_weekend(friday_ticket):
    t = friday_ticket()
    # Friday 16:00–18:00 counts 2 h; 3 h 12 is reached Monday 10:12, 4 h at 11:00.
    assert t.sla_first_response_due == paris(2026, 11, 30, 11)
    assert t.sla_resolution_due == paris(2026, 11, 30, 16)
    assert t.sla_next_alert_at == paris(2026, 11, 30, 10, 12)


def test_warning_exactly_at_the_threshold_not_before(friday_ticket, clock):
    t = friday_ticket()
    for moment in ((2026, 11, 27, 18), (2026, 11, 28, 12), (2026, 11, 30, 10, 11, 59)):
        clock(*moment)  # Friday evening, Saturday, one second before
        assert watch()["warnings"] == 0
    assert alerts(t) == []
    clock(2026, 11, 30, 10, 12)
    assert watch() == {"checked": 1, "warnings": 1, "breaches": 0, "skipped": 0}
    assert alerts(t) == [(FR, "warning", paris(2026, 11, 30, 10, 12))]
    t = reload(t)
    assert t.sla_next_alert_at == paris(2026, 11, 30, 11)  # now the breach
    assert t.sla_breached_at is None
    (ev,) = events(t, "sla_warning")
    assert ev.internal and ev.actor_id is None
    assert (ev.data["target"], ev.data["percent"]) == (FR, 80)
    assert datetime.fromisoformat(ev.data["at"]) == paris(2026, 11, 30, 10, 12)
    assert datetime.fromisoformat(ev.data["due"]) == paris(2026, 11, 30, 11)


def test_breach_is_recorded_once_however_often_the_job_runs(friday_ticket, clock):
    t = friday_ticket()
    clock(2026, 11, 30, 10, 30)
    watch()
    clock(2026, 11, 30, 11)
    assert watch()["breaches"] == 1
    snapshot = (Event.objects.count(), outbox_mark(), reload(t).version, reload(t).updated_at)
    assert watch() == {"checked": 0, "warnings": 0, "breaches": 0, "skipped": 0}
    clock(2026, 11, 30, 11, 30)
    assert watch()["breaches"] == 0
    # The action itself is idempotent too, not only the job's query.
    assert actions.sla_check(ticket=t) == []
    t = reload(t)
    assert (Event.objects.count(), outbox_mark(), t.version, t.updated_at) == snapshot
    assert alerts(t) == [
        (FR, "warning", paris(2026, 11, 30, 10, 12)),
        (FR, "breach", paris(2026, 11, 30, 11)),
    ]
    assert t.sla_breached_at == paris(2026, 11, 30, 11)
    assert t.sla_next_alert_at == paris(2026, 11, 30, 14, 24)  # the resolution warning
    assert t.version == 1  # the clock's bookkeeping never makes an agent's form stale
    with pytest.raises(IntegrityError), transaction.atomic():
        SlaAlert.objects.create(
            ticket=t,
            organisation_id=t.organisation_id,
            target=FR,
            level="breach",
            due_at=t.sla_breached_at,
            desk_id=t.desk_id,
            service_id=t.service_id,
            type_id=t.type_id,
        )


def test_a_late_run_records_the_breach_without_a_stale_warning(friday_ticket, clock):
    t = friday_ticket()
    clock(2026, 11, 30, 15)  # past the first response breach and the resolution warning
    assert watch() == {"checked": 1, "warnings": 1, "breaches": 1, "skipped": 0}
    assert alerts(t) == [
        (FR, "breach", paris(2026, 11, 30, 11)),
        (RES, "warning", paris(2026, 11, 30, 14, 24)),
    ]


def test_no_warning_nor_breach_while_waiting_on_the_customer(world, friday_ticket, clock):
    t = friday_ticket()
    clock(2026, 11, 30, 9, 30)  # answered: 2 h 30 used
    answer(world, t)
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="ask_customer", data={"comment": "Quelle version ?"}
    )
    t = reload(t)
    assert t.sla_paused and t.sla_next_alert_at is None
    clock(2026, 12, 4, 17)  # days later, still waiting
    assert watch()["checked"] == 0
    assert actions.sla_check(ticket=t) == []
    assert alerts(t) == []
    clock(2026, 12, 7, 9)  # the customer answers Monday: 3 h 54 of 6 h 24 left
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    assert reload(t).sla_next_alert_at == paris(2026, 12, 7, 13, 54)
    clock(2026, 12, 7, 13, 54)
    assert watch()["warnings"] == 1
    assert alerts(t) == [(RES, "warning", paris(2026, 12, 7, 13, 54))]


def test_a_breach_reached_before_the_pause_is_still_recorded(world, friday_ticket, clock):
    t = friday_ticket()
    clock(2026, 11, 30, 11, 0, 30)  # the job has not run yet when the agent answers
    answer(world, t)
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="ask_customer", data={"comment": "Version ?"}
    )
    assert reload(t).sla_next_alert_at == paris(2026, 11, 30, 11)
    clock(2026, 11, 30, 11, 1)
    assert watch() == {"checked": 1, "warnings": 0, "breaches": 1, "skipped": 0}
    assert alerts(t) == [(FR, "breach", paris(2026, 11, 30, 11))]  # no warning afterwards
    assert reload(t).sla_next_alert_at is None


def test_a_closed_ticket_gets_nothing(world, friday_ticket, clock):
    t = friday_ticket()
    clock(2026, 11, 30, 9, 15)
    answer(world, t)
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="resolve", data={"solution": "Correctif"}
    )
    actions.ticket_confirm_resolution(actor=world.customer, ticket=t, accepted=True)
    actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    assert reload(t).sla_next_alert_at is None
    clock(2026, 12, 31, 17)
    assert watch()["checked"] == 0
    assert actions.sla_check(ticket=t) == []
    assert alerts(t) == []


def test_a_priority_change_moves_the_warning(world, friday_ticket, clock):
    t = friday_ticket("basse")  # 24 h / 80 h: warned after 19 h 12 of business time
    clock(2026, 11, 30, 9)
    answer(world, t)  # 62 h left to the warning at 64 h
    assert reload(t).sla_next_alert_at == paris(2026, 12, 9, 16)  # 7 days of 8 h, then 6 h
    clock(2026, 11, 30, 10)  # 3 h used: "bloquante" warns at 6 h 24, i.e. 14:24 today
    actions.ticket_update(actor=world.agent, ticket=t, changes={"priority": prio("bloquante")})
    assert reload(t).sla_next_alert_at == paris(2026, 11, 30, 14, 24)
    clock(2026, 11, 30, 14, 24)
    assert watch()["warnings"] == 1


def test_a_recorded_breach_stays_when_the_priority_is_lowered(world, friday_ticket, clock):
    t = friday_ticket()
    clock(2026, 11, 30, 9)
    answer(world, t)
    clock(2026, 11, 30, 16)
    watch()
    assert alerts(t)[-1] == (RES, "breach", paris(2026, 11, 30, 16))
    clock(2026, 11, 30, 16, 30)
    actions.ticket_update(actor=world.agent, ticket=t, changes={"priority": prio("basse")})
    t = reload(t)
    assert t.sla_breached_at == paris(2026, 11, 30, 16)  # the history says it happened
    assert t.sla_next_alert_at is None  # basse's warning would come after the breach


def test_the_holder_and_the_managers_are_told_not_customers(world, friday_ticket, clock):
    unheld = friday_ticket()
    t = friday_ticket()
    actions.ticket_invite(actor=world.agent2, ticket=t, user=world.colleague)
    clock(2026, 11, 30, 9)
    answer(world, t)
    mark = outbox_mark()
    clock(2026, 11, 30, 14, 24)
    watch()
    assert outbox(t, since=mark) == {("gaston", "sla_warning"), ("marc", "sla_warning")}
    # Unheld: the managers only (plus its own first response alerts).
    assert {name for name, _kind in outbox(unheld, since=mark)} == {"marc"}
    clock(2026, 11, 30, 16)
    watch()
    assert outbox(t, "sla_breached", since=mark) == {
        ("gaston", "sla_breached"),
        ("marc", "sla_breached"),
    }


def test_the_events_are_internal_the_customer_timeline_shows_none(world, friday_ticket, clock):
    t = friday_ticket()
    clock(2026, 11, 30, 10, 12)
    watch()
    clock(2026, 11, 30, 11)
    watch()
    staff = [e.kind for e in timeline(actor=world.agent, ticket=t)]
    assert staff[:2] == ["sla_breached", "sla_warning"]
    for customer in (world.customer, world.customer_manager):
        assert [e.kind for e in timeline(actor=customer, ticket=t)] == ["created"]
    assert all(e.internal for e in events(t) if e.kind.startswith("sla_"))


def test_without_warning_percent_only_breaches(friday_ticket, clock):
    SlaPolicy.objects.filter(desk__slug="spt").update(warning_percent=None)
    t = friday_ticket()
    assert t.sla_next_alert_at == paris(2026, 11, 30, 11)
    clock(2026, 11, 30, 16)
    assert watch() == {"checked": 1, "warnings": 0, "breaches": 2, "skipped": 0}


@pytest.mark.parametrize("value", [0, 100, 250])
def test_warning_percent_is_validated(world, value):
    policy = SlaPolicy.objects.filter(desk__slug="spt").first()
    policy.warning_percent = value
    with pytest.raises(ValidationError) as exc:
        policy.full_clean()
    assert "warning_percent" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        SlaPolicy.objects.filter(pk=policy.pk).update(warning_percent=value)


def test_staff_may_ask_for_a_check_others_are_refused_like_a_missing_ticket(
    world, friday_ticket, clock
):
    t = friday_ticket()
    clock(2026, 11, 30, 10, 12)
    for person in (world.customer, world.outsider):
        with unchanged(), pytest.raises(PermissionDenied) as exc:
            actions.sla_check(actor=person, ticket=t)
        assert exc.value.code == "staff_only"
    with unchanged(), pytest.raises(NotFound):
        actions.sla_check(actor=world.other_agent, ticket=t)  # another service's agent
    with unchanged(), pytest.raises(NotFound):
        actions.sla_check(actor=world.agent, ticket=10**9)
    (alert,) = actions.sla_check(actor=world.agent, ticket=t)
    assert (alert.target, alert.level, alert.organisation_id) == (FR, "warning", world.org_a.pk)
    assert events(t, "sla_warning")[0].actor_id is None  # the system's verdict, not gaston's
