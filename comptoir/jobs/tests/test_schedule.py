"""The scheduler: APScheduler triggers for timing, a ScheduledRun row per slot so any
number of schedulers enqueue each slot once (X-5)."""

# covers: WF-4, X-5

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from apscheduler.triggers.cron import CronTrigger
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from comptoir.jobs import schedule
from comptoir.jobs.models import ScheduledRun
from comptoir.jobs.schedule import Periodic, Scheduler, tick
from comptoir.jobs.tasks import auto_close_due
from comptoir.jobs.tests.probe_tasks import probe_slot
from comptoir.tickets.tests.helpers import file_ticket

NOW = datetime(2026, 3, 2, 9, 2, 30, tzinfo=UTC)
SLOT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def queued() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="auto_close_due").count()


# The jobs of this app; other apps register theirs in the same list.
OURS = ["auto_close_due", "requeue_lost", "prune_old_rows"]


@pytest.mark.django_db
def test_two_schedulers_enqueue_a_slot_once():
    first = tick(NOW)
    assert [name for name in first if name in OURS] == OURS
    assert tick(NOW + timedelta(seconds=5)) == []  # another scheduler, same slots
    assert queued() == 1
    run = ScheduledRun.objects.get(job="auto_close_due")
    assert run.slot == SLOT
    assert run.task_id == str(DBTaskResult.objects.get(task_path__endswith="auto_close_due").id)
    assert ScheduledRun.objects.count() == DBTaskResult.objects.count() == len(first)


@pytest.mark.django_db
def test_each_slot_runs_once_and_the_next_slot_again():
    a, b = Scheduler(), Scheduler()
    enqueued = []
    for seconds in range(0, 11 * 60, 5):  # two schedulers ticking for 11 minutes
        now = SLOT + timedelta(seconds=seconds)
        enqueued += a.tick(now) + b.tick(now)
    # auto-close at 9:00, 9:05, 9:10; the reaper every minute; pruning once (03:17's slot).
    counted = Counter(enqueued)
    assert {name: counted[name] for name in OURS} == {
        "auto_close_due": 3,
        "requeue_lost": 11,
        "prune_old_rows": 1,
    }
    assert Counter(ScheduledRun.objects.values_list("job", flat=True)) == counted
    assert sorted(
        ScheduledRun.objects.filter(job="auto_close_due").values_list("slot", flat=True)
    ) == [SLOT, SLOT + timedelta(minutes=5), SLOT + timedelta(minutes=10)]
    assert ScheduledRun.objects.get(job="prune_old_rows").slot == datetime(
        2026, 3, 2, 3, 17, tzinfo=UTC
    )
    assert queued() == 3


@pytest.mark.django_db
def test_a_scheduler_asks_the_database_only_when_a_new_slot_comes(django_assert_num_queries):
    s = Scheduler()
    s.tick(NOW)
    with django_assert_num_queries(0):
        s.tick(NOW + timedelta(seconds=5))


@pytest.mark.django_db
def test_a_failed_enqueue_leaves_the_slot_free():
    job = Periodic("auto_close_due", _Broken(), schedule.every(5), timedelta(minutes=5))
    with pytest.raises(RuntimeError):
        Scheduler([job]).tick(NOW)
    assert not ScheduledRun.objects.exists()
    assert "auto_close_due" in tick(NOW)


class _Broken:
    def enqueue(self):
        raise RuntimeError("queue down")


def test_slots_from_cron_and_catch_up_window():
    daily = Periodic(
        "report", auto_close_due, CronTrigger(hour=7, timezone="Europe/Paris"), timedelta(hours=2)
    )
    at_seven = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Paris (UTC+1)
    assert daily.slot(at_seven - timedelta(seconds=1)) is None
    assert daily.slot(at_seven) == at_seven
    assert daily.slot(at_seven + timedelta(hours=1, minutes=59)) == at_seven
    assert daily.slot(at_seven + timedelta(hours=3)) is None  # too late: skipped
    five = schedule.JOBS[0]
    assert five.slot(SLOT) == SLOT
    assert five.slot(SLOT + timedelta(minutes=4, seconds=59)) == SLOT


@pytest.mark.django_db
def test_the_scheduler_command_and_a_worker_run_the_job(world, monkeypatch):
    # Both loops drop stale connections between rounds; inside the test's transaction
    # that would close the connection (Django's own tests disable it the same way).
    from django_tasks_db.management.commands import db_worker

    from comptoir.jobs.management.commands import scheduler

    for module in (db_worker, scheduler):
        monkeypatch.setattr(module, "close_old_connections", lambda: None)
    t = file_ticket(world.customer, "itil")
    with time_machine.travel(NOW, tick=False):
        call_command("scheduler", once=True)
        call_command("scheduler", once=True)  # a second scheduler: nothing more
    assert queued() == 1
    call_command("worker", batch=True)
    results = {r.task_path.rsplit(".", 1)[1]: r for r in DBTaskResult.objects.all()}
    assert set(OURS) <= set(results)
    assert {r.status for r in results.values()} == {"SUCCESSFUL"}
    assert results["auto_close_due"].return_value == {"moved": 0, "skipped": 0}
    assert results["requeue_lost"].return_value == {"requeued": 0, "failed": 0}
    assert results["prune_old_rows"].return_value["task_results"] == 0
    t.refresh_from_db()
    assert t.status.code == "new"


@pytest.mark.django_db
def test_a_job_with_pass_slot_receives_its_slot(monkeypatch):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    hourly = Periodic("hourly", probe_slot, schedule.every(60), timedelta(hours=1), pass_slot=True)
    plain = Periodic("plain", auto_close_due, schedule.every(60), timedelta(hours=1))
    assert Scheduler([hourly, plain]).tick(NOW) == ["hourly", "plain"]
    by_path = {r.task_path: r for r in DBTaskResult.objects.all()}
    sent = by_path["comptoir.jobs.tests.probe_tasks.probe_slot"]
    assert sent.args_kwargs == {"args": [], "kwargs": {"slot": "2026-03-02T09:00:00+00:00"}}
    assert by_path["comptoir.jobs.tasks.auto_close_due"].args_kwargs["kwargs"] == {}
    call_command("worker", batch=True)
    sent.refresh_from_db()
    assert (sent.status, sent.return_value) == ("SUCCESSFUL", "2026-03-02T09:00:00+00:00")
    assert datetime.fromisoformat(sent.return_value) == SLOT
