# covers: BIL-1
"""The timer: one per person, kept on the server; stopping it logs the elapsed minutes,
rounded up, on today's date; starting elsewhere never stops it silently."""

from __future__ import annotations

from datetime import date

import pytest

from comptoir.accounts.models import Role
from comptoir.billing import actions as time
from comptoir.billing.models import TimeEntry, Timer
from comptoir.billing.selectors import running_timer
from comptoir.billing.tests.conftest import unchanged
from comptoir.conftest import make_user, member
from comptoir.core.errors import Conflict, NotFound, PermissionDenied
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db


def test_stop_logs_the_elapsed_minutes_rounded_up_on_today(world, n123, clock):
    clock(2026, 1, 12, 23, 50)
    timer = time.timer_start(actor=world.agent, ticket=n123)
    assert running_timer(actor=world.agent) == timer
    assert running_timer(actor=world.agent2) is None
    clock(2026, 1, 13, 0, 12, 1)  # 22 minutes and a second later, the next day
    entry = time.timer_stop(actor=world.agent, note="Appel", billable=False)
    assert (entry.minutes, entry.worked_on, entry.note, entry.billable) == (
        23,
        date(2026, 1, 13),
        "Appel",
        False,
    )
    assert (entry.consultant, entry.ticket_id) == (world.agent, n123.pk)
    assert not Timer.objects.exists()
    with unchanged(), pytest.raises(Conflict) as caught:
        time.timer_stop(actor=world.agent)
    assert caught.value.code == "no_timer"


def test_a_few_seconds_log_one_minute(world, n123, clock):
    clock(2026, 1, 12, 10)
    time.timer_start(actor=world.agent, ticket=n123)
    clock(2026, 1, 12, 10, 0, 5)
    assert time.timer_stop(actor=world.agent).minutes == 1


def test_one_timer_per_person_and_starting_elsewhere_is_refused_naming_the_ticket(
    world, n123, clock
):
    clock(2026, 1, 12, 10)
    other = file_ticket(world.colleague, "n123", title="Autre poste")
    time.timer_start(actor=world.agent, ticket=n123)
    with unchanged(), pytest.raises(Conflict) as caught:
        time.timer_start(actor=world.agent, ticket=other)
    assert caught.value.code == "timer_running"
    assert n123.key in str(caught.value)
    with unchanged(), pytest.raises(Conflict) as caught:
        time.timer_start(actor=world.agent, ticket=n123)
    assert caught.value.code == "timer_here"
    time.timer_start(actor=world.agent2, ticket=other)  # someone else's timer is theirs
    assert Timer.objects.count() == 2
    time.timer_cancel(actor=world.agent)
    assert not TimeEntry.objects.exists()
    time.timer_start(actor=world.agent, ticket=other)
    with pytest.raises(Conflict):
        time.timer_cancel(actor=world.manager)


def test_who_may_start_a_timer(world, n123, clock):
    clock(2026, 1, 12, 10)
    with unchanged(), pytest.raises(PermissionDenied):
        time.timer_start(actor=world.customer, ticket=n123)
    with unchanged(), pytest.raises(NotFound):
        time.timer_start(actor=world.other_agent, ticket=n123)
    theirs = file_ticket(world.outsider, "ent", cat="electricite", title="Zeppelin")
    with unchanged(), pytest.raises(NotFound):
        time.timer_start(actor=world.agent, ticket=theirs)


def test_a_timer_of_more_than_a_day_is_not_logged(world, n123, clock):
    clock(2026, 1, 9, 17)
    time.timer_start(actor=world.agent, ticket=n123)
    clock(2026, 1, 12, 9)  # forgotten over the weekend
    with unchanged(), pytest.raises(Conflict) as caught:
        time.timer_stop(actor=world.agent)
    assert caught.value.code == "timer_too_long"
    time.timer_cancel(actor=world.agent)
    assert not Timer.objects.exists()


def test_a_timer_on_a_ticket_escalated_out_of_reach_logs_nothing_until_cancelled(
    world, n123, clock
):
    clock(2026, 1, 12, 10)
    n1_only = make_user("nina", Role.AGENT, organisation=world.provider)
    member(n1_only, "n123", "support-n1")
    actions.ticket_take(actor=n1_only, ticket=n123)
    time.timer_start(actor=n1_only, ticket=n123)
    actions.ticket_escalate(actor=n1_only, ticket=n123, reason="Pour le N2")
    clock(2026, 1, 12, 10, 30)
    with unchanged(), pytest.raises(NotFound):
        time.timer_stop(actor=n1_only)
    time.timer_cancel(actor=n1_only)
    assert not Timer.objects.exists() and not TimeEntry.objects.exists()
