# covers: NOT-3, X-5
"""The daily reports through the real scheduler and worker: two schedulers ticking in the
same hour claim the slot once, the worker runs the report job for that slot, and each
person gets one report, whatever runs again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from comptoir.jobs.models import ScheduledRun
from comptoir.jobs.schedule import Scheduler
from comptoir.notifications.tasks import daily_reports
from comptoir.tickets.tests.helpers import file_ticket

from .reporting import WINTER_8, at, pref, reports


@pytest.fixture
def worker_in_test_transaction(monkeypatch):
    # The worker drops stale connections between tasks; inside the test's transaction that
    # would close it (Django's own tests disable it the same way).
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def test_two_schedulers_in_the_same_hour_send_one_report(world, worker_in_test_transaction):
    with at(WINTER_8 - timedelta(days=1)):
        ticket = file_ticket(world.customer, "ent")
    pref(world.agent, hour1=8)
    pref(world.agent2, hour1=9)  # not due at 8:00

    with at(WINTER_8 + timedelta(minutes=3)):
        first, second = Scheduler(), Scheduler()
        assert "daily_reports" in first.tick(WINTER_8 + timedelta(minutes=3))
        assert "daily_reports" not in second.tick(WINTER_8 + timedelta(minutes=4))
        call_command("worker", batch=True)

    runs = ScheduledRun.objects.filter(job="daily_reports")
    assert list(runs.values_list("slot", flat=True)) == [WINTER_8]
    result = DBTaskResult.objects.get(task_path__endswith="daily_reports")
    assert result.status == "SUCCESSFUL"
    assert result.return_value["written"] == 1
    (report,) = reports(world.agent)
    listed = {t["key"] for s in report.context["services"] for t in s["tickets"]}
    assert ticket.key in listed
    assert reports(world.agent2) == []

    # The same slot run again (a retried task, a third scheduler): still one report.
    with at(WINTER_8 + timedelta(minutes=20)):
        assert daily_reports.call(slot=WINTER_8.isoformat())["written"] == 0
        assert "daily_reports" not in Scheduler().tick(WINTER_8 + timedelta(minutes=20))
    assert len(reports(world.agent)) == 1
