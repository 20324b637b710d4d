"""The scheduler's claims: one row per periodic job and slot, so a slot runs once.

Every scheduler process INSERTs the row for a due slot before enqueueing the job; the
unique constraint lets exactly one of them succeed, the others get an IntegrityError and
skip it. Two schedulers running at once therefore never enqueue the same slot twice.
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

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"
