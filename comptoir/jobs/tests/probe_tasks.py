"""A task for the worker tests (imported by the worker processes, not collected)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from django.tasks import TaskContext, task

from comptoir.jobs.models import ScheduledRun


@task()
def probe(n: int) -> int:
    """Record run `n`; the unique (job, slot) makes a second run of it fail loudly."""
    ScheduledRun.objects.create(job="probe", slot=datetime(2000, 1, 1, tzinfo=UTC) + timedelta(n))
    return n


@task()
def probe_fail(message: str) -> None:
    """Always fails, so a backend's way of reporting a failure can be seen."""
    raise ValueError(message)


@task()
def probe_touch(path: str, text: str) -> str:
    """Write `text` to `path`: an effect another process sees without sharing a database."""
    with open(path, "w") as f:
        f.write(text)
    return text


@task(takes_context=True)
def probe_slow(context: TaskContext, marker: str, seconds: float) -> int:
    """Commit an idempotent effect, note the attempt in `marker`, then (first attempt only)
    sleep `seconds`: long enough for a test to kill the worker mid-task."""
    ScheduledRun.objects.get_or_create(job="probe_slow", slot=datetime(2000, 1, 1, tzinfo=UTC))
    with open(marker, "a") as f:
        f.write(f"{context.attempt}\n")
    if context.attempt == 1:
        time.sleep(seconds)
    return context.attempt


@task()
def probe_slot(slot: str) -> str:
    """What a periodic job with `pass_slot` receives."""
    return slot
