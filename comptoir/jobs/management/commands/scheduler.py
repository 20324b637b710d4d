"""`comptoir scheduler`: enqueue the periodic jobs (comptoir/jobs/schedule.py) when due.

Safe to run on several machines at once: each slot is claimed in the database before it
is enqueued, so it runs once. SIGTERM/SIGINT stop it at the end of the current tick.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from comptoir.jobs.schedule import Scheduler

logger = logging.getLogger("comptoir.jobs.schedule")


class Command(BaseCommand):
    help = "Run the scheduler of periodic background jobs in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between two ticks."
        )
        parser.add_argument("--once", action="store_true", help="One tick, then exit.")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            logger.info("scheduler: %s received, stopping", signal.strsignal(signum))
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        scheduler = Scheduler()
        while not stop.is_set():
            close_old_connections()
            try:
                for name in scheduler.tick(timezone.now()):
                    self.stdout.write(f"enqueued {name}")
            except DatabaseError:
                # A database restart or a lock timeout: keep the loop, try on the next tick.
                logger.exception("scheduler tick failed")
            if once:
                break
            stop.wait(interval)
        close_old_connections()
