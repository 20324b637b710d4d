# covers: BIL-1
"""The daily job that opens the new month's time task of every ticket still being worked
on: only open and held tickets, in batches, idempotent, months in Paris time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from comptoir.billing import tasks
from comptoir.billing.models import TimeTask
from comptoir.jobs import schedule
from comptoir.jobs.models import ScheduledRun
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


def months(ticket) -> list[date]:
    return list(TimeTask.objects.filter(ticket=ticket).values_list("month", flat=True))


@pytest.fixture
def desk(world, clock):
    """In January: three held tickets, one free, one held then solved, one closed."""
    clock(2026, 1, 10, 9)
    held = [file_ticket(world.customer, "n123", title=f"Poste {i}") for i in range(3)]
    for t in held:
        actions.ticket_take(actor=world.agent, ticket=t)
    free = file_ticket(world.customer, "n123", title="Personne")
    solved = file_ticket(world.customer, "n123", title="Résolu")
    actions.ticket_take(actor=world.agent, ticket=solved)
    actions.ticket_transition(actor=world.agent, ticket=solved, code="start", data={})
    actions.ticket_transition(
        actor=world.agent, ticket=solved, code="answer", data={"solution": "Fait."}
    )
    spt = file_ticket(world.colleague, "spt", title="Écran noir")
    actions.ticket_take(actor=world.agent2, ticket=spt)
    return {"held": [*held, spt], "free": free, "solved": solved}


def test_the_job_opens_the_new_month_for_open_held_tickets_only_and_once(desk, clock):
    assert all(months(t) == [JAN] for t in desk["held"])
    clock(2026, 2, 1, 0, 5)
    result = tasks.open_month_tasks.call()
    assert result == {"month": "2026-02-01", "opened": 4}
    for t in desk["held"]:
        assert months(t) == [JAN, FEB]
    feb = TimeTask.objects.get(ticket=desk["held"][0], month=FEB)
    assert feb.name == f"{desk['held'][0].key} - Poste 0 - Février 2026"
    assert feb.organisation_id == desk["held"][0].organisation_id
    spt = TimeTask.objects.get(ticket=desk["held"][3], month=FEB)
    assert spt.name.endswith("Écran noir - Février 2026")
    assert months(desk["free"]) == []
    assert months(desk["solved"]) == [JAN]  # resolved: no longer being worked on
    assert tasks.open_month_tasks.call()["opened"] == 0  # a second run: nothing more
    assert TimeTask.objects.count() == 4 + 4 + 1


def test_small_batches_open_the_same_tasks(desk, clock, django_assert_max_num_queries):
    clock(2026, 2, 2, 8)
    # four tickets in batches of one: a read and an insert per batch, and a last read
    with django_assert_max_num_queries(2 * 4 + 1):
        assert tasks.open_tasks_for_month(FEB, batch=1) == 4
    assert tasks.open_tasks_for_month(FEB, batch=1) == 0
    assert TimeTask.objects.filter(month=FEB).count() == 4


def test_a_task_opened_by_taking_is_not_opened_twice(world, desk, clock):
    clock(2026, 2, 1, 9)
    t = desk["held"][1]
    actions.ticket_release(actor=world.agent, ticket=t)
    actions.ticket_take(actor=world.agent2, ticket=t)  # February's task opened on taking
    assert months(t) == [JAN, FEB]
    assert tasks.open_tasks_for_month(FEB) == 3
    assert months(t) == [JAN, FEB]


def test_the_month_is_the_paris_month_of_the_slot(desk, clock):
    # 23:30 UTC on 31 January is 00:30 on 1 February in Paris: February already.
    clock(2026, 2, 1, 0, 30)
    result = tasks.open_month_tasks.call(slot="2026-01-31T23:30:00+00:00")
    assert result["month"] == "2026-02-01"
    # a slot an hour earlier (22:30 UTC, 23:30 in Paris) is still January: nothing to open
    assert tasks.open_month_tasks.call(slot="2026-01-31T22:30:00+00:00") == {
        "month": "2026-01-01",
        "opened": 0,
    }


def test_the_scheduler_runs_it_daily_just_after_midnight_in_paris(db):
    [job] = [j for j in schedule.JOBS if j.name == "open_month_tasks"]
    assert job.task is tasks.open_month_tasks and job.pass_slot
    # 00:05 in Paris on 1 February is 23:05 UTC on 31 January
    fire = datetime(2026, 1, 31, 23, 5, tzinfo=UTC)
    assert job.slot(fire - timedelta(seconds=1)) == fire - timedelta(days=1)
    assert job.slot(fire) == fire
    assert job.slot(fire + timedelta(hours=20)) == fire  # a late scheduler still runs it
    scheduler = schedule.Scheduler([job])
    assert scheduler.tick(fire + timedelta(minutes=1)) == ["open_month_tasks"]
    assert schedule.Scheduler([job]).tick(fire + timedelta(minutes=2)) == []
    assert ScheduledRun.objects.get(job="open_month_tasks").slot == fire
