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
gone are deleted by age, in batches, by a daily job. The same job then runs the retention
rule of every app whose tables only grow (`RETENTION`): each app knows which of its rows
are finished and what else goes with them, so the rule lives there, not here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from comptoir.core.batches import delete_in_batches
from comptoir.jobs.conf import task_results_days
from comptoir.jobs.models import ScheduledRun, WorkerBeat

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # started this many times, lost each time: a poison task
STALE_BEATS = 3  # a worker silent for three of its intervals is taken for dead
CLAIMS_DAYS = 30  # ScheduledRun rows: far longer than any job's catch-up window
BEATS_DAYS = 1  # a dead worker's row stays a day, for the operator to see

# Each app's retention rule, `prune(now) -> dict[str, int]` (rows deleted per table, keys
# unique across rules), run after the queue's own tables. Docs: deploy.md, "Retention".
RETENTION = (
    "comptoir.notifications.retention.prune",
    "comptoir.mailin.retention.prune",
    "comptoir.webhooks.retention.prune",
    "comptoir.api.retention.prune",
)


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


def prune_queue(now: datetime) -> dict[str, int]:
    """Delete finished task results, scheduler claims and dead workers' rows past their age."""
    results = DBTaskResult.objects.finished().filter(
        finished_at__lt=now - timedelta(days=task_results_days())
    )
    claims = ScheduledRun.objects.filter(enqueued_at__lt=now - timedelta(days=CLAIMS_DAYS))
    beats = WorkerBeat.objects.filter(seen_at__lt=now - timedelta(days=BEATS_DAYS))
    return {
        "task_results": delete_in_batches(results),
        "scheduled_runs": delete_in_batches(claims),
        "worker_beats": delete_in_batches(beats),
    }


def prune(now: datetime) -> dict[str, int]:
    """The queue's tables, then every app's retention rule; the rows deleted per table.

    A rule that fails does not stop the others (each deletes in its own short batches, so
    what it did before failing stays done); the job fails afterwards, with the first
    error, so the task result shows it.
    """
    counts = prune_queue(now)
    errors: list[Exception] = []
    for path in RETENTION:
        try:
            counts.update(import_string(path)(now))
        except Exception as exc:
            logger.exception("retention rule %s failed", path)
            errors.append(exc)
    if any(counts.values()):
        logger.info("pruned %s", ", ".join(f"{n} {k}" for k, n in counts.items()))
    if errors:
        raise errors[0]
    return counts


@task()
def requeue_lost() -> dict[str, int]:
    """Periodic (every minute): recover the tasks of workers that died mid-task."""
    return requeue_lost_tasks(timezone.now())


@task()
def prune_old_rows() -> dict[str, int]:
    """Periodic (daily): keep the queue's tables, and those of the apps' retention rules,
    small."""
    return prune(timezone.now())
