"""Workers and `comptoir serve`: several workers share the queue, each task runs once, a
worker killed mid-task loses nothing, two schedulers enqueue a slot once (X-5), and
`serve` starts and stops its worker and scheduler."""

#

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from comptoir.conftest import pg_only
from comptoir.core.management.commands import serve
from comptoir.jobs.models import ScheduledRun, WorkerBeat
from comptoir.jobs.tests.probe_tasks import probe, probe_slow

ROOT = Path(__file__).resolve().parents[3]


def _database_url() -> str:
    s = connection.settings_dict
    user = s["USER"] or ""
    auth = f"{user}:{s['PASSWORD']}@" if s["PASSWORD"] else (f"{user}@" if user else "")
    return f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        # Workers keep their connection between tasks, as in production; they exit
        # before the test database is dropped.
        "COMPTOIR_CONN_MAX_AGE": "60",
        "COMPTOIR_LOG_LEVEL": "WARNING",
        **extra,
    }


def _comptoir(*argv: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "comptoir", *argv],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _finish(proc: subprocess.Popen[bytes], timeout: float = 120) -> tuple[str, str]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err.decode()[-3000:]
    return out.decode(), err.decode()


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


TASKS = 1000


@pg_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_drain_the_queue_each_task_once():
    with transaction.atomic():
        for n in range(TASKS):
            probe.enqueue(n)
    env = _env()
    workers = [_comptoir("worker", "--batch", "--worker-id", f"w{i}", env=env) for i in (1, 2)]
    for w in workers:
        _finish(w)
    results = DBTaskResult.objects.filter(task_path__endswith="probe")
    assert results.count() == TASKS
    assert set(results.values_list("status", flat=True)) == {"SUCCESSFUL"}
    ran_by = [ids for ids in results.values_list("worker_ids", flat=True)]
    assert all(len(ids) == 1 for ids in ran_by)
    assert {ids[0] for ids in ran_by} == {"w1", "w2"}  # both took part
    # probe(n) inserts a row unique per n: a task run twice would have failed.
    assert ScheduledRun.objects.filter(job="probe").count() == TASKS
    assert not WorkerBeat.objects.exists()  # clean exits remove their heartbeat


HEARTBEAT = 0.3


@pg_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_loses_nothing(tmp_path):
    marker = tmp_path / "attempts"
    task_id = probe_slow.enqueue(str(marker), 600).id
    env = _env(COMPTOIR_WORKER_HEARTBEAT=str(HEARTBEAT))
    killed = _comptoir("worker", "--worker-id", "w-killed", "--interval", "0.1", env=env)
    try:
        _wait_for(marker.exists, 60, "the task to start")
        row = DBTaskResult.objects.get(id=task_id)
        assert (row.status, row.worker_ids) == ("RUNNING", ["w-killed"])
        beat = WorkerBeat.objects.get(worker_id="w-killed")
        _wait_for(
            lambda: WorkerBeat.objects.get(worker_id="w-killed").seen_at > beat.started_at,
            10,
            "a heartbeat from the worker's thread",
        )
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.communicate(timeout=30)
    assert killed.returncode == -signal.SIGKILL
    # Killed, it could neither finish the task nor remove its row.
    assert DBTaskResult.objects.get(id=task_id).status == "RUNNING"
    assert WorkerBeat.objects.filter(worker_id="w-killed").exists()
    time.sleep(3 * HEARTBEAT + 0.2)  # its heartbeat goes stale

    _out, err = _finish(_comptoir("worker", "--batch", "--worker-id", "w-next", env=env))
    assert f"task {task_id}" in err and "back in the queue" in err
    row = DBTaskResult.objects.get(id=task_id)
    assert (row.status, row.worker_ids, row.return_value) == (
        "SUCCESSFUL",
        ["w-killed", "w-next"],
        2,
    )
    assert marker.read_text().split() == ["1", "2"]  # run once more, not twice more
    # The effect the first attempt had committed is there once.
    assert ScheduledRun.objects.filter(job="probe_slow").count() == 1
    assert list(WorkerBeat.objects.values_list("worker_id", flat=True)) == ["w-killed"]


@pg_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_started_together_enqueue_each_slot_once():
    env = _env()
    schedulers = [_comptoir("scheduler", "--once", env=env) for _ in range(2)]
    said = [_finish(s)[0].split() for s in schedulers]
    runs = list(ScheduledRun.objects.values_list("job", "slot", "task_id"))
    jobs = {job for job, _slot, _task in runs}
    assert {"auto_close_due", "requeue_lost", "prune_old_rows"} <= jobs
    # One claim per (job, slot) — the unique constraint — and one task per claim.
    assert len({(job, slot) for job, slot, _t in runs}) == len(runs)
    tasks = {str(pk): path for pk, path in DBTaskResult.objects.values_list("id", "task_path")}
    assert sorted(tasks) == sorted(t for _j, _s, t in runs)
    assert sorted(path.rsplit(".", 1)[1] for path in tasks.values()) == sorted(
        job for job, _s, _t in runs
    )
    # What the two processes say they enqueued adds up to the claims: none did a slot twice.
    assert sorted(w for words in said for w in words if w != "enqueued") == sorted(
        job for job, _s, _t in runs
    )


class FakeProcess:
    started: list[list[str]] = []

    def __init__(self, argv, **kw):
        self.argv = argv
        self.terminated = False
        FakeProcess.started.append(self)

    def poll(self):
        return 0 if self.terminated else None

    def terminate(self):
        self.terminated = True

    def wait(self, timeout=None):
        return 0


def test_serve_starts_the_worker_and_the_scheduler_and_stops_them(monkeypatch):
    FakeProcess.started = []
    monkeypatch.setattr(serve.subprocess, "Popen", FakeProcess)
    seen = []

    def gunicorn_runs(self):
        seen.extend(p.argv[-1] for p in FakeProcess.started if not p.terminated)
        raise SystemExit(0)  # gunicorn's master exits this way on SIGTERM

    monkeypatch.setattr(serve.ComptoirWSGIServer, "run", gunicorn_runs)
    with pytest.raises(SystemExit):
        serve.run_instance("127.0.0.1", 8999, 1)
    assert seen == ["worker", "scheduler"]
    assert all(p.terminated for p in FakeProcess.started)
    assert [p.argv[:3] for p in FakeProcess.started] == [
        [sys.executable, "-m", "comptoir"],
        [sys.executable, "-m", "comptoir"],
    ]
