"""`comptoir worker`: run background tasks from the queue until stopped.

django-tasks-db's worker loop with a heartbeat (comptoir/jobs/worker.py) and the options
an operator wants by default: every queue, no code reloading, a one-second poll. Start as
many as needed, on as many machines as needed: on PostgreSQL they share the queue with row
locks (`SELECT … FOR UPDATE SKIP LOCKED`), so a task runs once; a worker killed mid-task
has its task put back in the queue once its heartbeat goes stale. SIGTERM/SIGINT finish
the task in hand, then exit.
"""

from __future__ import annotations

import logging
from argparse import ArgumentTypeError
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, TASKS_LOGGER
from django_tasks_db.management.commands.db_worker import valid_interval, validate_worker_id

from comptoir.jobs.conf import heartbeat_seconds
from comptoir.jobs.worker import HeartbeatWorker, default_worker_id


def valid_heartbeat(value: str) -> float:
    seconds = valid_interval(value)
    if not seconds:
        raise ArgumentTypeError("Must be greater than zero")
    return seconds


class Command(BaseCommand):
    help = "Run a background worker (django.tasks, database queue) in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="*", help="Queues, comma-separated; * all.")
        parser.add_argument(
            "--interval",
            type=valid_interval,
            default=1.0,
            help="Seconds between polls when idle.",
        )
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after N tasks.")
        parser.add_argument(
            "--worker-id",
            type=validate_worker_id,
            default=None,
            help="Unique id (default: random).",
        )
        parser.add_argument(
            "--heartbeat",
            type=valid_heartbeat,
            default=None,
            help="Seconds between heartbeats (default: COMPTOIR_WORKER_HEARTBEAT, else 10).",
        )

    def configure_logging(self, verbosity: int) -> None:
        """Verbosity 1 says what changes (start, stop, lost tasks, failures) and stays quiet
        in a steady state; 2 adds a line per task run; 3 everything."""
        ours = {0: logging.CRITICAL, 1: logging.INFO, 2: logging.INFO}.get(verbosity, logging.DEBUG)
        per_task = {0: logging.CRITICAL, 1: logging.WARNING}.get(verbosity, ours)
        for name, level in (
            ("django_tasks_db", ours),
            ("comptoir.jobs", ours),
            (TASKS_LOGGER, per_task),
        ):
            log = logging.getLogger(name)
            log.setLevel(level)
            if not log.hasHandlers():
                log.addHandler(logging.StreamHandler(self.stdout))

    def run_elsewhere(
        self,
        queue_name: str,
        batch: bool,
        max_tasks: int | None,
        worker_id: str | None,
        options: dict[str, Any],
    ) -> None:
        """With COMPTOIR_TASKS_BACKEND=rq the queue is in Redis: the same command runs an RQ
        worker (which has its own heartbeats and recovery) on the backend's queues."""
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if not apps.is_installed("django_rq"):
            raise CommandError(
                f"comptoir worker runs the database queue or RQ, not {type(backend).__name__}."
            )
        queues = backend.queues if queue_name == "*" else set(queue_name.split(","))
        call_command(
            "rqworker",
            *sorted(queues),
            burst=batch,
            # Deferred tasks (run_after) are moved to the queue by RQ's scheduler, which
            # runs inside workers; RQ elects one per queue, so every worker may have it.
            with_scheduler=True,
            # RQ's own job class cannot run a django.tasks Task.
            job_class="django_tasks_rq.Job",
            max_jobs=max_tasks,
            name=worker_id,
            verbosity=options.get("verbosity", 1),
        )

    def handle(
        self,
        *args: Any,
        queue_name: str,
        interval: float,
        batch: bool,
        max_tasks: int | None,
        worker_id: str | None,
        heartbeat: float | None,
        **options: Any,
    ) -> None:
        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            self.run_elsewhere(queue_name, batch, max_tasks, worker_id, options)
            return
        self.configure_logging(options.get("verbosity", 1))
        worker = HeartbeatWorker(
            heartbeat=heartbeat or heartbeat_seconds(),
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=not batch,
            max_tasks=max_tasks if max_tasks and max_tasks > 0 else None,
            worker_id=worker_id or default_worker_id(),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()
