"""Background jobs of the CMDB (django.tasks, docs/decisions/0005-background-work.md).

Both are idempotent: a check or a write already done, or a write not confirmed, is
skipped, so a task run twice (a lost worker's task run again) changes nothing more.
"""

from __future__ import annotations

from django.tasks import task

from comptoir.cmdb import imports


@task()
def check_import(job_pk: int) -> str:
    """Check an uploaded file's rows through the actions, writing nothing."""
    return imports.run_check(job_pk)


@task()
def write_import(job_pk: int) -> str:
    """Write a checked and confirmed file, all rows or none."""
    return imports.run_write(job_pk)
