"""A task for the worker tests (imported by the worker processes, not collected)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.tasks import task

from comptoir.jobs.models import ScheduledRun


@task()
def probe(n: int) -> int:
    """Record run `n`; the unique (job, slot) makes a second run of it fail loudly."""
    ScheduledRun.objects.create(job="probe", slot=datetime(2000, 1, 1, tzinfo=UTC) + timedelta(n))
    return n
