"""The tasks the jobs benchmark enqueues; the workers import them by their path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.tasks import Task, task

from comptoir.jobs.models import ScheduledRun

JOB = "bench"  # the ScheduledRun.job of the rows bench_write writes
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@task()
def bench_write(n: int) -> int:
    """A small job of the size real ones have, about what delivering one notification
    costs the database: one short transaction that writes a row and reads it back.

    The row is a ScheduledRun, unique per (job, slot), so a task run twice fails loudly
    instead of passing unseen.
    """
    with transaction.atomic():
        run = ScheduledRun.objects.create(job=JOB, slot=EPOCH + timedelta(minutes=n))
        ScheduledRun.objects.filter(pk=run.pk).values_list("slot", flat=True).get()
    return n


@task()
def bench_noop(n: int) -> int:
    """Nothing: what is left is the queue's own cost (claim, run, record the result)."""
    return n


KINDS: dict[str, Task] = {"write": bench_write, "noop": bench_noop}
