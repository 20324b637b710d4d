"""The switch to a broker (decision 0005): with COMPTOIR_TASKS_BACKEND=rq, Comptoir's
`django.tasks` tasks are queued in Redis, run by a real RQ worker, and read back through
`django.tasks` as SUCCESSFUL or FAILED — the job code unchanged.

Needs Redis (COMPTOIR_TEST_REDIS_URL, default database 15 of 127.0.0.1:6379); skipped
when it is unreachable. Each test works on queues and jobs of its own and deletes them.
"""

#

from __future__ import annotations

import contextlib
import os
import runpy
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import django_rq
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.tasks import Task, TaskResult, TaskResultStatus, task, task_backends
from django.tasks.exceptions import InvalidTask, TaskResultDoesNotExist
from django.test import override_settings
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job

from comptoir.jobs.models import ScheduledRun
from comptoir.jobs.rq import RQBackend
from comptoir.jobs.tests.probe_tasks import probe, probe_fail, probe_touch

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = ROOT / "comptoir" / "settings.py"
REDIS_URL = os.environ.get("COMPTOIR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip() -> Redis:
    conn = Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=5)
    try:
        conn.ping()
    except RedisError as e:
        reason = f"Redis unreachable at {REDIS_URL} ({e}): the RQ backend is not tested"
        print(reason)
        pytest.skip(reason)
    return conn


def _forget(conn: Redis, queue: str, job_ids: list[str]) -> None:
    """Delete what RQ kept of our jobs and of our queue (registries, worker keys)."""
    for job_id in job_ids:
        with contextlib.suppress(NoSuchJobError):
            Job.fetch(job_id, connection=conn).delete()
        conn.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
    if queue != "default":
        for key in conn.scan_iter(match=f"*{queue}*"):
            conn.delete(key)
    if not conn.exists(f"rq:queue:{queue}"):
        conn.srem("rq:queues", f"rq:queue:{queue}")


@pytest.fixture
def rq_queue() -> Iterator[tuple[str, list[str]]]:
    """Settings switched to RQ on a queue of this test's own; the job ids to delete after."""
    conn = _redis_or_skip()
    queue = f"comptoir-test-{uuid4().hex[:12]}"
    job_ids: list[str] = []
    with override_settings(
        # The setting_changed signal resets django.tasks' backend cache both ways.
        TASKS={"default": {"BACKEND": "comptoir.jobs.rq.RQBackend", "QUEUES": [queue]}},
        RQ_QUEUES={"default": {"URL": REDIS_URL}, queue: {"URL": REDIS_URL}},
        RQ={"JOB_CLASS": "django_tasks_rq.Job"},
    ):
        try:
            yield queue, job_ids
        finally:
            _forget(conn, queue, job_ids)


def _work(queue: str) -> None:
    """A real RQ worker in burst mode, in this process (so it sees the test database)."""
    worker = django_rq.get_worker(queue, worker_class=SimpleWorker, name=f"{queue}-worker")
    worker.work(burst=True, logging_level="WARNING")


@pytest.mark.django_db
def test_a_comptoir_task_runs_on_rq_and_reads_successful(rq_queue):
    queue, job_ids = rq_queue
    assert isinstance(task_backends["default"], RQBackend)
    enqueued = probe.using(queue_name=queue).enqueue(7)
    job_ids.append(enqueued.id)
    assert isinstance(enqueued, TaskResult)
    assert enqueued.status is TaskResultStatus.READY
    assert django_rq.get_queue(queue).job_ids == [enqueued.id]  # in Redis, not yet run
    assert not ScheduledRun.objects.filter(job="probe").exists()

    _work(queue)

    slot = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(7)
    assert ScheduledRun.objects.filter(job="probe", slot=slot).exists()
    result = probe.get_result(enqueued.id)
    assert isinstance(result, TaskResult)
    assert result.status is TaskResultStatus.SUCCESSFUL
    assert result.return_value == 7
    assert result.worker_ids == [f"{queue}-worker"]
    enqueued.refresh()
    assert enqueued.status is TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db
def test_a_failing_task_reads_failed_with_its_error(rq_queue):
    queue, job_ids = rq_queue
    enqueued = probe_fail.using(queue_name=queue).enqueue("the printer is on fire")
    job_ids.append(enqueued.id)

    _work(queue)

    result = probe_fail.get_result(enqueued.id)
    assert result.status is TaskResultStatus.FAILED
    assert [e.exception_class for e in result.errors] == [ValueError]
    assert "the printer is on fire" in result.errors[0].traceback
    with pytest.raises(ValueError, match="Task failed"):
        result.return_value  # noqa: B018


def test_rq_speaks_django_tasks_types_and_errors(rq_queue):
    queue, _ = rq_queue
    # A task declared while RQ is configured is still Django's Task (comptoir/jobs/rq.py).
    declared = task(probe.func, queue_name=queue)
    assert type(declared) is Task
    with pytest.raises(TaskResultDoesNotExist):
        probe.get_result("no-such-task")
    with pytest.raises(InvalidTask, match="not valid"):
        probe.using(queue_name="a-queue-rq-does-not-serve")


def test_the_environment_switches_settings_and_rqworker_runs_the_task(tmp_path):
    """The real switch: a process started with COMPTOIR_TASKS_BACKEND=rq and a plain
    `comptoir rqworker --burst default` (no job class on the command line)."""
    conn = _redis_or_skip()
    out = tmp_path / "effect.txt"
    job_ids: list[str] = []
    name = f"comptoir-test-{uuid4().hex[:12]}-worker"
    with override_settings(
        TASKS={"default": {"BACKEND": "comptoir.jobs.rq.RQBackend", "QUEUES": ["default"]}},
        RQ_QUEUES={"default": {"URL": REDIS_URL}},
    ):
        try:
            enqueued = probe_touch.enqueue(str(out), "done by rq")
            job_ids.append(enqueued.id)
            env = {**os.environ, "COMPTOIR_TASKS_BACKEND": "rq", "COMPTOIR_REDIS_URL": REDIS_URL}
            worker = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "comptoir",
                    "rqworker",
                    "--burst",
                    "--name",
                    name,
                    "default",
                ],
                env=env,
                cwd=ROOT,
                capture_output=True,
                timeout=180,  # a fresh interpreter on a loaded 2-core machine is slow
            )
            assert worker.returncode == 0, worker.stderr.decode()[-2000:]
            # Another test run sharing this Redis database may have taken our job: wait.
            deadline = time.monotonic() + 5
            while not (result := probe_touch.get_result(enqueued.id)).is_finished:
                assert time.monotonic() < deadline, result.status
                time.sleep(0.1)
            assert result.status is TaskResultStatus.SUCCESSFUL
            assert result.return_value == "done by rq"
            assert out.read_text() == "done by rq"
        finally:
            _forget(conn, "default", job_ids)
            conn.delete(f"rq:worker:{name}")


def _settings_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    monkeypatch.setenv("COMPTOIR_SECRET_KEY", "test")
    monkeypatch.delenv("COMPTOIR_TASKS_BACKEND", raising=False)
    monkeypatch.delenv("COMPTOIR_REDIS_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_the_database_queue_is_the_default_and_rq_is_not_installed(monkeypatch):
    s = _settings_with(monkeypatch)
    assert s["TASKS"]["default"]["BACKEND"] == "django_tasks_db.backend.DatabaseBackend"
    assert "django_rq" not in s["INSTALLED_APPS"]
    assert "RQ_QUEUES" not in s


def test_rq_settings_point_every_queue_at_the_redis_url(monkeypatch):
    s = _settings_with(
        monkeypatch, COMPTOIR_TASKS_BACKEND="rq", COMPTOIR_REDIS_URL="redis://cache:6380/3"
    )
    assert s["TASKS"]["default"]["BACKEND"] == "comptoir.jobs.rq.RQBackend"
    assert set(s["TASKS"]["default"]["QUEUES"]) <= set(s["RQ_QUEUES"])
    assert s["RQ_QUEUES"]["default"]["URL"] == "redis://cache:6380/3"
    assert s["RQ"]["JOB_CLASS"] == "django_tasks_rq.Job"
    assert "django_rq" in s["INSTALLED_APPS"]
    assert s["RQ_QUEUES"]["default"]["DEFAULT_TIMEOUT"] >= 3600
    default = _settings_with(monkeypatch, COMPTOIR_TASKS_BACKEND="rq")
    assert default["RQ_QUEUES"]["default"]["URL"] == "redis://127.0.0.1:6379/0"


def test_an_unknown_backend_is_refused_at_startup(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="'db' or 'rq'"):
        _settings_with(monkeypatch, COMPTOIR_TASKS_BACKEND="celery")
