"""Upkeep of the queue itself: tasks lost with their worker, and old rows.

**Lost tasks.** django-tasks-db marks a task RUNNING when a worker claims it and leaves it
so if that worker dies (SIGKILL, out of memory, a machine gone). Our workers beat
(`WorkerBeat`, see worker.py); `requeue_lost_tasks` puts a RUNNING task whose worker has
not beaten for three of its intervals back to READY, so another worker runs it again —
jobs are idempotent, so the part the first run had committed is not done twice. A task
that has already been started `MAX_ATTEMPTS` times is more likely what kills its workers
than their victim: it is marked FAILED (`WorkerLost`) instead of looping forever.

Every change is a conditional UPDATE on the attempt that was seen (status RUNNING and the
same `started_at`), so reapers running at once — at every worker's start-up and every
minute from the scheduler — never requeue an attempt twice nor touch a newer one.

**Pruning.** Finished task results, old scheduler claims and heartbeats of workers long
gone are deleted by age, in batches, by a daily job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comptoir.jobs.conf import task_results_days
from comptoir.jobs.models import ScheduledRun, WorkerBeat

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # started this many times, lost each time: a poison task
STALE_BEATS = 3  # a worker silent for three of its intervals is taken for dead
CLAIMS_DAYS = 30  # ScheduledRun rows: far longer than any job's catch-up window
BEATS_DAYS = 1  # a dead worker's row stays a day, for the operator to see
PRUNE_BATCH = 1000


class WorkerLost(Exception):
    """The worker running the task stopped beating (killed, crashed, machine lost)."""


@dataclass(frozen=True)
class Lost:
    """One attempt of a task whose worker is gone, as the reaper saw it."""

    id: Any
    task_path: str
    started_at: datetime | None
    worker_ids: list[str]

    @property
    def poison(self) -> bool:
        return len(self.worker_ids) >= MAX_ATTEMPTS


def _alive_workers(now: datetime) -> set[str]:
    beats = WorkerBeat.objects.values_list("worker_id", "seen_at", "interval")
    return {
        worker_id
        for worker_id, seen_at, interval in beats
        if seen_at >= now - timedelta(seconds=STALE_BEATS * interval)
    }


def find_lost_tasks(now: datetime) -> list[Lost]:
    """The RUNNING tasks whose last worker has no fresh heartbeat at `now`."""
    # Tasks first, heartbeats second: a worker writes its row before it claims anything,
    # so any task read here has its worker's row visible to the second query.
    running = list(
        DBTaskResult.objects.running().values_list("id", "task_path", "started_at", "worker_ids")
    )
    if not running:
        return []
    alive = _alive_workers(now)
    return [
        Lost(id=pk, task_path=path, started_at=started, worker_ids=list(ids or []))
        for pk, path, started, ids in running
        if not ids or ids[-1] not in alive
    ]


def _this_attempt(lost: Lost) -> QuerySet[DBTaskResult]:
    # `started_at` changes at every claim: it tells this attempt from a later one.
    return DBTaskResult.objects.filter(
        id=lost.id, status=TaskResultStatus.RUNNING, started_at=lost.started_at
    )


def _poison_text(lost: Lost) -> str:
    started = lost.started_at.isoformat() if lost.started_at else "?"
    return (
        f"{WorkerLost.__module__}.{WorkerLost.__qualname__}: task {lost.task_path} was started "
        f"{len(lost.worker_ids)} times and its worker stopped beating each time (workers: "
        f"{', '.join(lost.worker_ids)}; last start {started}). It is not run again: it may be "
        "what kills its workers (memory, a crash in native code). Enqueue it anew once fixed.\n"
    )


def settle(lost: Lost, now: datetime) -> bool:
    """Requeue (or fail, if poison) one lost attempt; False when another reaper, or the
    worker itself after all, got there first."""
    attempt = len(lost.worker_ids)
    worker = lost.worker_ids[-1] if lost.worker_ids else "?"
    if lost.poison:
        changed = _this_attempt(lost).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=_poison_text(lost),
        )
        if changed:
            logger.error(
                "task %s (%s) lost with worker %s on attempt %d: failed, not run again",
                lost.id,
                lost.task_path,
                worker,
                attempt,
            )
    else:
        changed = _this_attempt(lost).update(status=TaskResultStatus.READY)
        if changed:
            logger.warning(
                "task %s (%s) lost with worker %s on attempt %d of %d: back in the queue",
                lost.id,
                lost.task_path,
                worker,
                attempt,
                MAX_ATTEMPTS,
            )
    return bool(changed)


def requeue_lost_tasks(now: datetime) -> dict[str, int]:
    """Put the tasks of dead workers back in the queue (or fail the poison ones)."""
    counts = {"requeued": 0, "failed": 0}
    for lost in find_lost_tasks(now):
        if settle(lost, now):
            counts["failed" if lost.poison else "requeued"] += 1
    return counts


def _delete_in_batches(qs: QuerySet[Any]) -> int:
    """Delete what `qs` matches a batch at a time: short transactions, short locks."""
    deleted = 0
    while True:
        ids = list(qs.order_by().values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            return deleted
        count, _ = qs.model.objects.filter(pk__in=ids).delete()
        deleted += count


def prune(now: datetime) -> dict[str, int]:
    """Delete finished task results, scheduler claims and dead workers' rows past their age."""
    results = DBTaskResult.objects.finished().filter(
        finished_at__lt=now - timedelta(days=task_results_days())
    )
    claims = ScheduledRun.objects.filter(enqueued_at__lt=now - timedelta(days=CLAIMS_DAYS))
    beats = WorkerBeat.objects.filter(seen_at__lt=now - timedelta(days=BEATS_DAYS))
    counts = {
        "task_results": _delete_in_batches(results),
        "scheduled_runs": _delete_in_batches(claims),
        "worker_beats": _delete_in_batches(beats),
    }
    if any(counts.values()):
        logger.info("pruned %s", ", ".join(f"{n} {k}" for k, n in counts.items()))
    return counts


@task()
def requeue_lost() -> dict[str, int]:
    """Periodic (every minute): recover the tasks of workers that died mid-task."""
    return requeue_lost_tasks(timezone.now())


@task()
def prune_old_rows() -> dict[str, int]:
    """Periodic (daily): keep the queue's tables small."""
    return prune(timezone.now())
