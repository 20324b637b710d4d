"""The RQ (Redis) task backend, speaking Django 6's `django.tasks` types.

django-tasks-rq runs `django.tasks` tasks on RQ, and Django accepts its backend class as
it is (`task_backends` only imports the path in `TASKS`), but it is built on the
django-tasks backport (`django_tasks`), whose classes are look-alikes of Django's, not the
same ones. Used unchanged, a process configured for RQ would get:

- backport `Task` objects from `@django.tasks.task()` (the decorator builds the backend's
  `task_class`), so what a task *is* would depend on the backend at import time;
- backport `TaskResult`s, `TaskError`s and status members from `enqueue()`/`get_result()`;
- backport exceptions, which `except django.tasks.exceptions.TaskResultDoesNotExist` (or
  `InvalidTask`) does not catch.

This subclass only translates at those edges; queueing, the worker's job class
(`django_tasks_rq.Job`) and result storage stay django-tasks-rq's. It goes away when
django-tasks-rq is built on `django.tasks` itself, as django-tasks-db already is.
"""

from __future__ import annotations

from typing import Any

import django_tasks.base as backport
import django_tasks.exceptions as backport_exceptions
import django_tasks_rq
from django.tasks import Task, TaskResult, TaskResultStatus
from django.tasks.base import TaskError
from django.tasks.exceptions import InvalidTask, TaskResultDoesNotExist


def native_result(result: backport.TaskResult | TaskResult) -> TaskResult:
    """The same result as a `django.tasks.TaskResult`, so callers need know one API."""
    if isinstance(result, TaskResult):
        return result
    native = TaskResult(
        task=result.task,
        id=result.id,
        status=TaskResultStatus(result.status),
        enqueued_at=result.enqueued_at,
        started_at=result.started_at,
        finished_at=result.finished_at,
        last_attempted_at=result.last_attempted_at,
        args=list(result.args),
        kwargs=dict(result.kwargs),
        backend=result.backend,
        errors=[
            TaskError(exception_class_path=e.exception_class_path, traceback=e.traceback)
            for e in result.errors
        ],
        worker_ids=list(result.worker_ids),
    )
    object.__setattr__(native, "_return_value", result._return_value)
    return native


class RQBackend(django_tasks_rq.RQBackend):
    """django-tasks-rq's backend with Django's own Task, TaskResult and exceptions."""

    task_class = Task  # type: ignore[assignment]

    def validate_task(self, task: Any) -> None:
        try:
            super().validate_task(task)
        except backport_exceptions.InvalidTaskError as e:
            raise InvalidTask(str(e)) from e

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> TaskResult:  # type: ignore[override]
        return native_result(super().enqueue(task, args, kwargs))

    def get_result(self, result_id: str) -> TaskResult:  # type: ignore[override]
        try:
            return native_result(super().get_result(result_id))
        except backport_exceptions.TaskResultDoesNotExist as e:
            raise TaskResultDoesNotExist(result_id) from e
