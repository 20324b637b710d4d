"""Workers and `comptoir serve`: several workers share the queue, each task runs once
(X-5), and `serve` starts and stops its worker and scheduler."""

#

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from comptoir.conftest import pg_only
from comptoir.core.management.commands import serve
from comptoir.jobs.models import ScheduledRun
from comptoir.jobs.tests.probe_tasks import probe

ROOT = Path(__file__).resolve().parents[3]


def _database_url() -> str:
    s = connection.settings_dict
    user = s["USER"] or ""
    auth = f"{user}:{s['PASSWORD']}@" if s["PASSWORD"] else (f"{user}@" if user else "")
    return f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pg_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_drain_the_queue_each_task_once():
    for n in range(200):
        probe.enqueue(n)
    env = {**os.environ, "DATABASE_URL": _database_url(), "COMPTOIR_CONN_MAX_AGE": "0"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "comptoir", "worker", "--batch", "--worker-id", f"w{i}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for i in (1, 2)
    ]
    for w in workers:
        _out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err.decode()[-2000:]
    results = DBTaskResult.objects.filter(task_path__endswith="probe")
    assert results.count() == 200
    assert set(results.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert all(len(ids) == 1 for ids in results.values_list("worker_ids", flat=True))
    assert ScheduledRun.objects.filter(job="probe").count() == 200


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
