"""The queue's upkeep: tasks lost with a killed worker go back to the queue (or fail when
they keep killing workers), reapers running at once settle an attempt once, and pruning
deletes only what is old enough (X-5)."""

#

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django_tasks_db.models import DBTaskResult

from comptoir.core import batches
from comptoir.jobs import conf
from comptoir.jobs.models import ScheduledRun, WorkerBeat
from comptoir.jobs.tests.probe_tasks import probe
from comptoir.jobs.upkeep import (
    WorkerLost,
    find_lost_tasks,
    prune,
    prune_queue,
    requeue_lost_tasks,
    settle,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def beat(worker_id: str, ago: timedelta, interval: float = 10) -> None:
    WorkerBeat.objects.create(
        worker_id=worker_id, host="h", pid=1, seen_at=NOW - ago, interval=interval
    )


def claimed(*worker_ids: str, at: datetime = NOW - 60 * SECOND) -> DBTaskResult:
    """A task started once per worker id, the last one still RUNNING it."""
    row = DBTaskResult.objects.get(id=probe.enqueue(1).id)
    for n, worker_id in enumerate(worker_ids):
        with time_machine.travel(at + n * SECOND, tick=False):
            row.claim(worker_id)
    return row


def status(row: DBTaskResult) -> tuple[str, list[str]]:
    row.refresh_from_db()
    return row.status, row.worker_ids


@pytest.mark.django_db
def test_a_task_of_a_worker_silent_for_three_beats_goes_back_to_the_queue(caplog):
    beat("dead", ago=31 * SECOND)
    beat("alive", ago=30 * SECOND)  # exactly three beats: still alive
    lost, kept = claimed("dead"), claimed("alive")
    with caplog.at_level(logging.WARNING, logger="comptoir.jobs"):
        assert requeue_lost_tasks(NOW) == {"requeued": 1, "failed": 0}
    assert status(lost) == ("READY", ["dead"])  # the attempt stays counted
    assert status(kept) == ("RUNNING", ["alive"])
    assert list(DBTaskResult.objects.ready()) == [lost]  # a worker will take it again
    assert f"task {lost.id}" in caplog.text and "back in the queue" in caplog.text


@pytest.mark.django_db
def test_each_worker_is_judged_by_its_own_rhythm_and_a_missing_row_means_dead():
    beat("fast", ago=4 * SECOND, interval=1)
    beat("slow", ago=4 * SECOND, interval=10)
    fast, slow, gone = claimed("fast"), claimed("slow"), claimed("never-registered")
    assert requeue_lost_tasks(NOW) == {"requeued": 2, "failed": 0}
    assert [status(r)[0] for r in (fast, slow, gone)] == ["READY", "RUNNING", "READY"]


@pytest.mark.django_db
def test_only_the_last_worker_counts_and_finished_or_queued_tasks_are_left_alone():
    beat("alive", ago=SECOND)
    retried = claimed("dead-before", "alive")
    done = claimed("dead")
    done.set_successful(1)
    queued = DBTaskResult.objects.get(id=probe.enqueue(2).id)
    assert requeue_lost_tasks(NOW) == {"requeued": 0, "failed": 0}
    assert [status(r)[0] for r in (retried, done, queued)] == ["RUNNING", "SUCCESSFUL", "READY"]


@pytest.mark.django_db
def test_a_task_lost_three_times_fails_instead_of_looping(caplog):
    twice, thrice = claimed("a", "b"), claimed("a", "b", "c")
    with caplog.at_level(logging.WARNING, logger="comptoir.jobs"):
        assert requeue_lost_tasks(NOW) == {"requeued": 1, "failed": 1}
    assert status(twice)[0] == "READY"
    assert status(thrice)[0] == "FAILED"
    assert thrice.finished_at == NOW
    assert thrice.exception_class_path == "comptoir.jobs.upkeep.WorkerLost"
    assert "started 3 times" in thrice.traceback and "workers: a, b, c" in thrice.traceback
    error = thrice.task_result.errors[0]
    assert error.exception_class is WorkerLost
    assert "failed, not run again" in caplog.text
    # A poison task stays failed: the next pass does not bring it back.
    assert requeue_lost_tasks(NOW + DAY) == {"requeued": 0, "failed": 0}


@pytest.mark.django_db
def test_two_reapers_at_once_settle_an_attempt_once():
    row = claimed("dead")
    seen_by_first = find_lost_tasks(NOW)
    assert [lost.id for lost in seen_by_first] == [row.id]
    assert requeue_lost_tasks(NOW) == {"requeued": 1, "failed": 0}  # the other reaper
    assert settle(seen_by_first[0], NOW) is False  # the first one's UPDATE finds nothing
    assert status(row) == ("READY", ["dead"])


@pytest.mark.django_db
def test_a_late_reaper_does_not_touch_the_next_attempt_nor_a_task_that_finished():
    row = claimed("dead")
    stale_view = find_lost_tasks(NOW)[0]
    requeue_lost_tasks(NOW)
    beat("w2", ago=SECOND)
    row.refresh_from_db()
    with time_machine.travel(NOW, tick=False):
        row.claim("w2")  # another worker took it again meanwhile
    assert settle(stale_view, NOW) is False
    assert status(row) == ("RUNNING", ["dead", "w2"])

    other = claimed("dead-too")
    view = find_lost_tasks(NOW)
    other.set_successful(1)  # its worker was only slow, and finished after all
    assert [settle(lost, NOW) for lost in view] == [False]
    assert status(other)[0] == "SUCCESSFUL"


def _result(finished_ago: timedelta | None, state: str = "SUCCESSFUL") -> DBTaskResult:
    row = DBTaskResult.objects.get(id=probe.enqueue(1).id)
    finished = None if finished_ago is None else NOW - finished_ago
    DBTaskResult.objects.filter(id=row.id).update(status=state, finished_at=finished)
    return row


@pytest.mark.django_db
def test_pruning_deletes_old_rows_in_batches_and_keeps_recent_ones(monkeypatch):
    monkeypatch.setattr(batches, "PRUNE_BATCH", 2)
    old = [_result(15 * DAY) for _ in range(4)] + [_result(20 * DAY, "FAILED")]
    recent = [_result(13 * DAY), _result(13 * DAY, "FAILED")]
    waiting = _result(None, "READY")  # never finished, however old: kept
    DBTaskResult.objects.filter(id=waiting.id).update(enqueued_at=NOW - 40 * DAY)
    running = _result(None, "RUNNING")
    for days in (31, 29):
        ScheduledRun.objects.create(job="j", slot=NOW - days * DAY, enqueued_at=NOW - days * DAY)
    beat("gone", ago=2 * DAY)
    beat("stalled", ago=DAY - SECOND)

    assert prune_queue(NOW) == {"task_results": 5, "scheduled_runs": 1, "worker_beats": 1}
    kept = set(DBTaskResult.objects.values_list("id", flat=True))
    assert kept == {r.id for r in [*recent, waiting, running]}
    assert not kept & {r.id for r in old}
    assert list(ScheduledRun.objects.values_list("slot", flat=True)) == [NOW - 29 * DAY]
    assert list(WorkerBeat.objects.values_list("worker_id", flat=True)) == ["stalled"]
    assert prune_queue(NOW) == {"task_results": 0, "scheduled_runs": 0, "worker_beats": 0}


@pytest.mark.django_db
def test_the_results_age_is_a_setting(settings):
    settings.COMPTOIR_TASK_RESULTS_DAYS = 3
    _result(4 * DAY)
    kept = _result(2 * DAY)
    assert prune(NOW)["task_results"] == 1
    assert list(DBTaskResult.objects.values_list("id", flat=True)) == [kept.id]


def test_tunables_come_from_settings_then_the_environment(settings, monkeypatch):
    for name in ("COMPTOIR_WORKER_HEARTBEAT", "COMPTOIR_TASK_RESULTS_DAYS"):
        if hasattr(settings, name):
            delattr(settings, name)
        monkeypatch.delenv(name, raising=False)
    assert (conf.heartbeat_seconds(), conf.task_results_days()) == (10, 14)
    monkeypatch.setenv("COMPTOIR_WORKER_HEARTBEAT", "2.5")
    assert conf.heartbeat_seconds() == 2.5
    settings.COMPTOIR_WORKER_HEARTBEAT = 4
    assert conf.heartbeat_seconds() == 4
    for bad in ("soon", "0", "-1", "nan", "inf"):
        settings.COMPTOIR_WORKER_HEARTBEAT = bad
        with pytest.raises(ImproperlyConfigured, match="COMPTOIR_WORKER_HEARTBEAT"):
            conf.heartbeat_seconds()
