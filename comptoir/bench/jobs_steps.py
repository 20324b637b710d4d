"""The jobs benchmark's steps that need the database, run as a child process whose
DATABASE_URL names the scratch database (see scratch.py: the bench process itself opens
no Django connection):

    python -m comptoir.bench.jobs_steps enqueue KIND N   empty the queue, enqueue N tasks
    python -m comptoir.bench.jobs_steps report KIND      what the workers did, as JSON

Both refuse to run on a database that is not a scratch one.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from typing import Any


def enqueue(kind: str, n: int) -> None:
    """A fresh queue of `n` tasks, enqueued the way the application enqueues."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from comptoir.bench.tasks import JOB, KINDS
    from comptoir.jobs.models import ScheduledRun

    with transaction.atomic():
        DBTaskResult.objects.all().delete()
        ScheduledRun.objects.filter(job=JOB).delete()
        for i in range(n):
            KINDS[kind].enqueue(i)


def report(kind: str) -> dict[str, Any]:
    """Statuses, how many tasks ran other than once, tasks per worker, rows written, and
    the seconds from the first task's start to the last one's end."""
    from django.db.models import Max, Min
    from django_tasks_db.models import DBTaskResult

    from comptoir.bench.tasks import JOB, KINDS
    from comptoir.jobs.models import ScheduledRun

    results = DBTaskResult.objects.filter(task_path=KINDS[kind].module_path)
    worker_ids = list(results.values_list("worker_ids", flat=True))
    span = results.aggregate(first=Min("started_at"), last=Max("finished_at"))
    busy = (span["last"] - span["first"]).total_seconds() if span["first"] and span["last"] else 0
    return {
        "statuses": dict(Counter(results.values_list("status", flat=True))),
        "not_once": sum(1 for ids in worker_ids if len(ids) != 1),
        "per_worker": dict(Counter(ids[0] for ids in worker_ids if ids)),
        "written": ScheduledRun.objects.filter(job=JOB).count(),
        "busy_seconds": busy,
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    import django

    django.setup()
    from comptoir.bench.scratch import require_scratch
    from comptoir.bench.tasks import KINDS

    require_scratch()
    match argv:
        case ["enqueue", kind, n] if kind in KINDS:
            enqueue(kind, int(n))
        case ["report", kind] if kind in KINDS:
            print(json.dumps(report(kind)))
        case _:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
