"""The scheduler's claims and the workers' heartbeats.

`ScheduledRun`: every scheduler process INSERTs the row for a due slot before enqueueing
the job; the unique constraint lets exactly one of them succeed, the others get an
IntegrityError and skip it. Two schedulers running at once therefore never enqueue the
same slot twice.

`WorkerBeat`: a live worker refreshes its row every few seconds. A task left RUNNING by a
worker whose row went stale (the process was killed, the machine died) is put back in the
queue by the reaper (`comptoir/jobs/upkeep.py`), so a killed worker loses nothing.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    job = models.CharField(max_length=100)
    slot = models.DateTimeField(help_text=_("The fire time this run stands for."))
    enqueued_at = models.DateTimeField(default=timezone.now)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once"),
        ]
        indexes = [models.Index(fields=["enqueued_at"], name="scheduled_run_enqueued")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"


class WorkerBeat(models.Model):
    """One running worker process, as last heard of."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Each worker says how often it beats, so the reaper judges it by its own rhythm.
    interval = models.FloatField(help_text=_("Seconds between two heartbeats."))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
