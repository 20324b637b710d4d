"""The periodic jobs and the scheduler's tick.

APScheduler's triggers say when a job falls due; we use them for timing only. The
scheduler process (`comptoir scheduler`) is a plain loop that calls `Scheduler.tick()`
every few seconds: for each job whose current slot (its latest fire time) has not been
handled yet, it claims the slot by inserting a `ScheduledRun` row and enqueues the task in
the same transaction. The row's unique constraint makes the claim exclusive, so any
number of schedulers, on any number of machines, enqueue each slot exactly once.

A slot missed while no scheduler ran (a restart, a deploy) is still run if it is at most
the job's `catch_up` old; older ones are skipped. Jobs are idempotent, so running one a
little late or after a crash is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import Task

from comptoir.billing import tasks as billing_tasks
from comptoir.jobs import tasks, upkeep
from comptoir.jobs.models import ScheduledRun
from comptoir.mailin import tasks as mailin_tasks
from comptoir.notifications import tasks as notification_tasks
from comptoir.sla import tasks as sla_tasks
from comptoir.webhooks import tasks as webhook_tasks

logger = logging.getLogger(__name__)

# Interval slots are counted from a fixed origin, so every scheduler computes the same
# slots whatever the time it was started.
ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Periodic:
    """One periodic job: its name (the claim key), its task and when it falls due."""

    name: str
    task: Task[Any, Any]
    trigger: BaseTrigger
    catch_up: timedelta  # how late a slot may still be run; also how far back we look
    # True: the task is enqueued with `slot=<ISO 8601 fire time>`, so it works on the
    # period it stands for (a report for 08:00 run at 08:03 still covers 08:00), whatever
    # the time it actually runs.
    pass_slot: bool = False

    def slot(self, now: datetime) -> datetime | None:
        """The latest fire time in (now - catch_up, now], or None."""
        fire = self.trigger.get_next_fire_time(None, now - self.catch_up)
        latest = None
        while fire is not None and fire <= now:
            latest = fire
            fire = self.trigger.get_next_fire_time(fire, fire)
        return latest


def every(minutes: int) -> IntervalTrigger:
    return IntervalTrigger(minutes=minutes, start_date=ORIGIN, timezone=UTC)


# Add new periodic work here; the task must be idempotent. A task that
# works on the period its slot stands for takes a `slot: str` argument and is registered
# with `pass_slot=True`.
JOBS: list[Periodic] = [
    Periodic(
        name="auto_close_due",
        task=tasks.auto_close_due,
        trigger=every(5),
        catch_up=timedelta(minutes=5),
    ),
    # SLA-2: warnings before breach and breaches, recorded once each (comptoir/sla/tasks.py).
    Periodic(
        name="sla_watch",
        task=sla_tasks.sla_watch,
        trigger=every(1),
        catch_up=timedelta(minutes=1),
    ),
    # NOT-3: every hour, the daily reports whose local hour it is (notifications/reports.py).
    # A slot missed by up to an hour (a restart) is still sent, late rather than never.
    Periodic(
        name="daily_reports",
        task=notification_tasks.daily_reports,
        trigger=every(60),
        catch_up=timedelta(hours=1),
        pass_slot=True,
    ),
    # NOT-7: the outbox sweep; rows also get a delivery task as their change commits, this
    # catches retries whose backoff ran out and anything a worker dropped.
    Periodic(
        name="deliver_outbox",
        task=notification_tasks.deliver_outbox,
        trigger=every(1),
        catch_up=timedelta(minutes=1),
    ),
    # Webhooks: the deliveries whose backoff ran out (each event also kicks one on commit).
    Periodic(
        name="deliver_webhooks",
        task=webhook_tasks.deliver_webhooks,
        trigger=every(1),
        catch_up=timedelta(minutes=1),
    ),
    # MAIL-4: the desks' IMAP mailboxes (comptoir/mailin/imap.py).
    Periodic(
        name="poll_mailboxes",
        task=mailin_tasks.poll_mailboxes,
        trigger=every(1),
        catch_up=timedelta(minutes=1),
    ),
    # Tasks left RUNNING by a worker that died go back to the queue (upkeep.py).
    Periodic(
        name="requeue_lost",
        task=upkeep.requeue_lost,
        trigger=every(1),
        catch_up=timedelta(minutes=1),
    ),
    # BIL-1: every day just after local midnight, the month's time task of every open,
    # held ticket (billing/tasks.py); its slot says which month, however late it runs.
    Periodic(
        name="open_month_tasks",
        task=billing_tasks.open_month_tasks,
        trigger=CronTrigger(hour=0, minute=5, timezone=settings.TIME_ZONE),
        catch_up=timedelta(days=1),
        pass_slot=True,
    ),
    # Once a day, whenever a scheduler is up that day (a catch-up of a whole day).
    Periodic(
        name="prune_old_rows",
        task=upkeep.prune_old_rows,
        trigger=CronTrigger(hour=3, minute=17, timezone=UTC),
        catch_up=timedelta(days=1),
    ),
]


def claim_and_enqueue(job: Periodic, slot: datetime) -> bool:
    """Claim `slot` of `job` and enqueue it; False when another scheduler had it."""
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(job=job.name, slot=slot)
            # With the database backend the task row commits or rolls back with the claim:
            # a scheduler dying here leaves the slot free for another one.
            result = (
                job.task.enqueue(slot=slot.isoformat()) if job.pass_slot else job.task.enqueue()
            )
            run.task_id = str(result.id)[:64]
            run.save(update_fields=["task_id"])
    except IntegrityError:
        return False
    logger.info("enqueued %s for %s", job.name, slot.isoformat())
    return True


class Scheduler:
    """What one scheduler process remembers: the last slot it saw for each job, so a tick
    asks the database only when a new slot comes (and not every few seconds)."""

    def __init__(self, jobs: list[Periodic] | None = None) -> None:
        self.jobs = JOBS if jobs is None else jobs
        self.seen: dict[str, datetime] = {}

    def tick(self, now: datetime) -> list[str]:
        """Enqueue every job whose current slot nobody has claimed; the names enqueued."""
        enqueued = []
        for job in self.jobs:
            slot = job.slot(now)
            if slot is None or self.seen.get(job.name) == slot:
                continue
            if claim_and_enqueue(job, slot):
                enqueued.append(job.name)
            self.seen[job.name] = slot
        return enqueued


def tick(now: datetime, scheduler: Scheduler | None = None) -> list[str]:
    """One pass of the scheduler at `now` (a fresh scheduler unless one is given)."""
    return (scheduler or Scheduler()).tick(now)
