"""The worker's heartbeat: a row written before any claim, refreshed from its own thread
and connection, removed on a clean exit; the worker's start-up pass recovers lost tasks."""

#

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from comptoir.jobs.models import WorkerBeat
from comptoir.jobs.tests.probe_tasks import probe
from comptoir.jobs.worker import Heartbeat, default_worker_id

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_row_is_written_refreshed_rewritten_if_pruned_and_removed():
    hb = Heartbeat("w1", 2.5)
    with time_machine.travel(NOW, tick=False):
        hb.register()
    row = WorkerBeat.objects.get()
    assert (row.worker_id, row.pid, row.interval, row.seen_at) == ("w1", os.getpid(), 2.5, NOW)
    with time_machine.travel(NOW + timedelta(seconds=3), tick=False):
        hb.beat()
    assert WorkerBeat.objects.get().seen_at == NOW + timedelta(seconds=3)
    WorkerBeat.objects.all().delete()  # pruned while the worker was stalled
    hb.beat()
    assert WorkerBeat.objects.get().worker_id == "w1"
    hb.stop()
    assert not WorkerBeat.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_thread_beats_on_its_own_connection_and_closes_it():
    hb = Heartbeat("w-thread", 0.05)
    hb.start()
    first = WorkerBeat.objects.get().seen_at
    deadline = time.monotonic() + 10
    while WorkerBeat.objects.get().seen_at == first and time.monotonic() < deadline:
        time.sleep(0.02)
    assert WorkerBeat.objects.get().seen_at > first
    thread = hb._thread
    assert thread is not None and thread is not threading.current_thread()
    hb.stop()
    assert not thread.is_alive()
    assert not WorkerBeat.objects.exists()


def test_default_worker_ids_are_unique_and_fit_the_column():
    ids = {default_worker_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) <= 64 and f"-{os.getpid()}-" in i for i in ids)


@pytest.mark.django_db
def test_a_worker_recovers_lost_tasks_at_start_up_and_leaves_no_row(monkeypatch):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)  # test transaction
    row = DBTaskResult.objects.get(id=probe.enqueue(7).id)
    row.claim("killed-worker")  # never registered, or its row is long stale
    call_command("worker", batch=True, worker_id="w-next", heartbeat=30)
    row.refresh_from_db()
    assert (row.status, row.worker_ids, row.return_value) == (
        "SUCCESSFUL",
        ["killed-worker", "w-next"],
        7,
    )
    assert not WorkerBeat.objects.exists()


def test_the_heartbeat_must_be_a_positive_number():
    for bad in ("0", "-2", "often"):
        with pytest.raises(CommandError, match="heartbeat"):
            call_command("worker", "--heartbeat", bad)
