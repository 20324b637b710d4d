"""`comptoir bench jobs` runs for real, small: real worker processes on a scratch database
that it removes, never the configured one. Only the shape of the output is checked, never
a time: speed is recorded in docs/benchmarks.md, not asserted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from comptoir.bench.jobs import check
from comptoir.bench.scratch import PREFIX, is_scratch
from comptoir.bench.tests import SQLITE_WORKLOAD
from comptoir.conftest import pg_only

ROOT = Path(__file__).resolve().parents[3]
ROW = re.compile(
    r"^\| (?P<backend>\w+) \| (?P<job>\w+) \| (?P<workers>\d+) \| (?P<tasks>\d+) "
    r"\| (?P<seconds>[\d.]+) \| (?P<rate>[\d.]+) \| (?P<per_worker>[\d.]+) \| [\d.]+ "
    r"\| (?P<split>[\d/]+) \|$",
    re.M,
)


def bench(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "comptoir", "bench", "jobs", *args],
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def removed(output: str) -> str:
    return re.search(r"^scratch database removed: (.+)$", output, re.M).group(1)


@SQLITE_WORKLOAD
def test_sqlite_round_prints_machine_and_table_and_leaves_nothing_behind(tmp_path):
    configured = tmp_path / "configured.sqlite3"
    out = bench(
        "--tasks", "30", "--workers", "1", "--job", "write,noop",
        env={"DATABASE_URL": f"sqlite:///{configured}"},
    )  # fmt: skip
    assert re.search(r"^machine: \d+ CPUs", out, re.M)
    assert re.search(r"^python: 3\.", out, re.M)
    assert re.search(r"^django: \d", out, re.M)
    assert re.search(r"^load average at start: [\d.]+ ", out, re.M)
    assert re.search(r"^database: SQLite 3\.", out, re.M)
    rows = [m.groupdict() for m in ROW.finditer(out)]
    assert [(r["backend"], r["job"], r["workers"], r["tasks"], r["split"]) for r in rows] == [
        ("SQLite", "write", "1", "30", "30"),
        ("SQLite", "noop", "1", "30", "30"),
    ]
    for r in rows:  # the arithmetic of the table, whatever the times
        assert float(r["rate"]) == pytest.approx(30 / float(r["seconds"]), rel=0.05)
    scratch = Path(removed(out))
    assert scratch.parent.name.startswith(PREFIX)
    assert not scratch.parent.exists()
    assert not configured.exists()  # the configured database was never opened


def _server_url() -> str:
    s = connection.settings_dict
    user = s["USER"] or ""
    auth = f"{user}:{s['PASSWORD']}@" if s["PASSWORD"] else (f"{user}@" if user else "")
    return f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/postgres"


@pg_only("needs a PostgreSQL server to create the scratch database on")
@pytest.mark.postgres
def test_postgresql_two_workers_share_the_tasks_and_the_scratch_database_is_dropped():
    out = bench("--tasks", "40", "--workers", "1,2", "--database-url", _server_url())
    assert re.search(r"^database: PostgreSQL \d+", out, re.M)
    rows = [m.groupdict() for m in ROW.finditer(out)]
    assert [(r["backend"], r["workers"], r["tasks"]) for r in rows] == [
        ("PostgreSQL", "1", "40"),
        ("PostgreSQL", "2", "40"),
    ]
    split = [int(n) for n in rows[1]["split"].split("/")]
    assert sum(split) == 40 and len(split) <= 2
    name = removed(out).split(" ")[0]
    assert name.startswith(PREFIX)
    with psycopg.connect(_server_url()) as admin:
        left = admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
        assert left.fetchone()[0] == 0


def test_a_round_that_did_not_run_every_task_exactly_once_is_refused():
    good = {"statuses": {"SUCCESSFUL": 3}, "not_once": 0, "per_worker": {"w": 3}, "written": 3}
    check(good, job="write", tasks=3)
    check({**good, "written": 0}, job="noop", tasks=3)
    with pytest.raises(CommandError, match=r"expected 3 SUCCESSFUL tasks, found .*FAILED"):
        check({**good, "statuses": {"SUCCESSFUL": 2, "FAILED": 1}}, job="write", tasks=3)
    with pytest.raises(CommandError, match="1 tasks ran other than exactly once"):
        check({**good, "not_once": 1}, job="write", tasks=3)
    with pytest.raises(CommandError, match="2 rows written, expected 3"):
        check({**good, "written": 2}, job="write", tasks=3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "BENCHMARK"),
        (("jobs", "--workers", "1,0"), "at least 1"),
        (("jobs", "--tasks", "many"), "at least 1"),
        (("jobs", "--job", "write,sleep"), "unknown job sleep"),
        (("jobs", "--database-url", "mysql://u@h/db"), "PostgreSQL server URL"),
        (("jobs", "--database-url", "postgres://u@127.0.0.1:1/postgres"), "cannot reach"),
    ],
)
def test_bad_options_are_refused_before_any_work(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("bench", *args, stdout=open(os.devnull, "w"))  # noqa: SIM115


def test_the_steps_refuse_a_database_that_is_not_a_scratch_one(tmp_path):
    real = tmp_path / "real.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "comptoir.bench.jobs_steps", "enqueue", "write", "1"],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{real}"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "is not a scratch database" in done.stderr
    assert not real.exists()


def test_scratch_names():
    sqlite = "django.db.backends.sqlite3"
    assert is_scratch({"ENGINE": sqlite, "NAME": f"/tmp/{PREFIX}x1/scratch.sqlite3"})
    assert not is_scratch({"ENGINE": sqlite, "NAME": f"/srv/var/{PREFIX}x.sqlite3"})
    assert is_scratch({"ENGINE": "django.db.backends.postgresql", "NAME": f"{PREFIX}ab12"})
    assert not is_scratch({"ENGINE": "django.db.backends.postgresql", "NAME": "comptoir"})
