"""Our worker: django-tasks-db's loop, plus a heartbeat so a dead worker's task is found.

django-tasks-db marks a claimed task RUNNING and never looks at it again; if the worker
is killed mid-task the row stays RUNNING forever. `HeartbeatWorker` registers a
`WorkerBeat` row before it claims anything, refreshes it from a background thread every
`COMPTOIR_WORKER_HEARTBEAT` seconds and removes it when it stops cleanly. The reaper
(`upkeep.requeue_lost_tasks`), run at every worker's start-up and every minute by the
scheduler, requeues the RUNNING tasks of workers that stopped beating.

The heartbeat thread has its own database connection (Django's connections are
per-thread) and closes it when it stops, so it never writes inside the task's transaction.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from comptoir.jobs.models import WorkerBeat
from comptoir.jobs.upkeep import requeue_lost_tasks

logger = logging.getLogger(__name__)


def default_worker_id() -> str:
    """host-pid-random: unique, and tells an operator where a task ran (64 chars at most)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


class Heartbeat:
    """The `WorkerBeat` row of one worker, refreshed by a daemon thread."""

    def __init__(self, worker_id: str, interval: float) -> None:
        self.worker_id = worker_id
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self) -> None:
        now = timezone.now()
        WorkerBeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "seen_at": now,
                "interval": self.interval,
            },
        )

    def beat(self) -> None:
        """Say we are alive; recreate the row if it was pruned while we were stalled."""
        updated = WorkerBeat.objects.filter(worker_id=self.worker_id).update(seen_at=timezone.now())
        if not updated:
            self.register()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    self.beat()
                except DatabaseError:
                    # The database may come back; a missed beat or two is within the margin.
                    logger.warning("worker %s: heartbeat failed", self.worker_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only

    def start(self) -> None:
        """Write the row, then beat in the background."""
        self.register()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{self.worker_id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and remove the row: a clean exit leaves no task behind."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        try:
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            # Left behind, the row goes stale and is pruned; nothing is lost.
            logger.warning("worker %s: could not remove its heartbeat", self.worker_id)


class HeartbeatWorker(Worker):
    """django-tasks-db's `Worker` wrapped in a heartbeat, with a reaper pass at start-up."""

    def __init__(self, *, heartbeat: float, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.heartbeat = Heartbeat(self.worker_id, heartbeat)

    def run(self) -> None:
        # The row first: a task is only ever claimed by a worker the reaper can see alive.
        self.heartbeat.start()
        try:
            found = requeue_lost_tasks(timezone.now())
            if any(found.values()):
                logger.info("worker %s: recovered lost tasks %s", self.worker_id, found)
            super().run()
        finally:
            self.heartbeat.stop()
