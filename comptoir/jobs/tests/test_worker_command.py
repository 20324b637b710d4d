"""`comptoir worker` follows the task backend: with COMPTOIR_TASKS_BACKEND=rq the same
command (the one `comptoir serve` starts) runs an RQ worker instead of polling a table
nobody writes to any more."""

#

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

import pytest
from django.core.management import CommandError, call_command
from django.tasks import TaskResultStatus
from django.test import override_settings
from redis import Redis
from redis.exceptions import RedisError

from comptoir.jobs.tests.probe_tasks import probe_touch

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("COMPTOIR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_with_rq_the_worker_command_runs_an_rq_worker(tmp_path):
    conn = Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=5)
    try:
        conn.ping()
    except RedisError as e:
        pytest.skip(f"Redis unreachable at {REDIS_URL} ({e})")
    out = tmp_path / "effect.txt"
    name = f"comptoir-test-{uuid4().hex[:12]}"
    with override_settings(
        TASKS={"default": {"BACKEND": "comptoir.jobs.rq.RQBackend", "QUEUES": ["default"]}},
        RQ_QUEUES={"default": {"URL": REDIS_URL}},
    ):
        enqueued = probe_touch.enqueue(str(out), "done")
        try:
            env = {**os.environ, "COMPTOIR_TASKS_BACKEND": "rq", "COMPTOIR_REDIS_URL": REDIS_URL}
            worker = subprocess.run(
                [sys.executable, "-m", "comptoir", "worker", "--batch", "--worker-id", name],
                env=env,
                cwd=ROOT,
                capture_output=True,
                timeout=180,  # a fresh interpreter on a loaded 2-core machine is slow
            )
            assert worker.returncode == 0, worker.stderr.decode()[-2000:]
            deadline = time.monotonic() + 5  # another run sharing this Redis may have it
            while not (result := probe_touch.get_result(enqueued.id)).is_finished:
                assert time.monotonic() < deadline, result.status
                time.sleep(0.1)
            assert result.status is TaskResultStatus.SUCCESSFUL
            assert out.read_text() == "done"
        finally:
            conn.delete(f"rq:job:{enqueued.id}", f"rq:results:{enqueued.id}", f"rq:worker:{name}")


@override_settings(
    TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
)
def test_another_backend_is_refused_clearly():
    with pytest.raises(CommandError, match="database queue or RQ, not ImmediateBackend"):
        call_command("worker", batch=True)
