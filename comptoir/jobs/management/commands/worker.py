"""`comptoir worker`: run background tasks from the queue until stopped.

A thin wrapper over django-tasks-db's `db_worker` with the options an operator wants by
default: every queue, no code reloading, a one-second poll. Start as many as needed, on as
many machines as needed: on PostgreSQL they share the queue with row locks
(`SELECT … FOR UPDATE SKIP LOCKED`), so a task runs once. SIGTERM/SIGINT finish the task in
hand, then exit.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run a background worker (django.tasks, database queue) in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="*", help="Queues, comma-separated; * all.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after N tasks.")
        parser.add_argument("--worker-id", default=None, help="Unique id (default: random).")

    def handle(
        self,
        *args: Any,
        queue_name: str,
        interval: float,
        batch: bool,
        max_tasks: int | None,
        worker_id: str | None,
        **options: Any,
    ) -> None:
        argv = ["--queue-name", queue_name, "--interval", str(interval), "--no-reload"]
        if batch:
            argv += ["--batch", "--no-startup-delay"]
        if max_tasks:
            argv += ["--max-tasks", str(max_tasks)]
        if worker_id:
            argv += ["--worker-id", worker_id]
        call_command("db_worker", *argv, verbosity=options.get("verbosity", 1))
