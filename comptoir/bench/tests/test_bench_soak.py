"""`comptoir bench soak` runs for real, briefly: `comptoir serve` with its companions on a
tiny seeded workload, every kind of simulated person for a quarter of a minute. Only the
shape of the report and the absence of errors are checked, never a time; the judging of
memory and logs is checked on made-up samples and lines."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from comptoir.bench import soak_report as report
from comptoir.bench.scratch import drop_workload
from comptoir.bench.soak import split_users
from comptoir.bench.tests import SQLITE_WORKLOAD

ROOT = Path(__file__).resolve().parents[3]
REQUESTS = {
    "portal: my tickets", "portal: ticket page", "portal: comment", "portal: search",
    "portal: new ticket form", "portal: new ticket", "console: queue", "console: search",
    "console: ticket page", "console: internal note", "console: take", "console: release",
    "api: list tickets", "api: create ticket", "api: comment", "mail: new request",
    "mail: reply", "all requests",
}  # fmt: skip


def comptoir(*args: str, timeout: float) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "comptoir", *args], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def workload():
    name = "test_soak_" + secrets.token_hex(3)
    comptoir("bench", "seed", "--tickets", "150", "--name", name, timeout=300)
    yield name
    drop_workload(name, None)
    (ROOT / "var" / "bench" / f"comptoir_bench_{name}.json").unlink(missing_ok=True)


@SQLITE_WORKLOAD
def test_a_short_soak_covers_every_request_without_an_error(workload, tmp_path):
    target = tmp_path / "soak.json"
    out = comptoir(
        "bench", "soak", "--name", workload, "--minutes", "0.25", "--sample", "2",
        "--users", "4", "--json", str(target), timeout=600,
    )  # fmt: skip
    document = json.loads(target.read_text())
    rows = {r["name"]: r for r in document["requests"]}
    assert set(rows) == REQUESTS, sorted(rows)
    for row in rows.values():
        assert row["n"] > 0 and row["failures"] == 0 and row["p99_ms"] >= row["median_ms"], row
    assert document["errors"] == [] and "- errors: none" in out
    assert document["checks"]["inbound"] == {
        "created": rows["mail: new request"]["n"],
        "appended": rows["mail: reply"]["n"],
    }
    assert document["checks"]["tickets"]["api"] == rows["api: create ticket"]["n"]
    assert {m["kind"] for m in document["memory"]} == set(report.KINDS)
    assert all(m["verdict"] == "no growth" and not m["grew"] for m in document["memory"])
    assert document["users"] == {"portal": 1, "console": 1, "api": 1, "mail": 1}
    assert re.search(r"^\| mail: reply \| \d+ \| 0 \| \d+ \| \d+ \| \d+ \|", out, re.M), out
    assert re.search(r"^\| gunicorn workers \| 2 \| \d+ \|", out, re.M), out
    assert "command: `comptoir bench soak --name " in out


def test_a_missing_workload_says_how_to_make_it():
    with pytest.raises(CommandError, match=r"bench seed --tickets 10000 --name no_such_soak`"):
        call_command("bench", "soak", "--name", "no_such_soak")


def test_users_are_split_one_of_each_kind_at_least():
    assert split_users(4) == {"portal": 1, "console": 1, "api": 1, "mail": 1}
    assert split_users(8) == {"portal": 3, "console": 3, "api": 1, "mail": 1}
    assert split_users(17) == {"portal": 7, "console": 6, "api": 2, "mail": 2}
    with pytest.raises(CommandError, match="at least 4"):
        split_users(3)


def _samples(values: list[float], pids=None) -> list[report.Sample]:
    return [
        report.Sample(t * 10.0, {"worker": v}, {"worker": (pids or {}).get(t, [7])})
        for t, v in enumerate(values)
    ]


def test_memory_grows_only_beyond_the_tolerance():
    flat = report.judge_memory(_samples([300, 150, 150, 152, 151, 155, 158, 160, 159]), 10)
    assert flat[0].verdict == "no growth" and (flat[0].start, flat[0].high) == (300, 300)
    leak = report.judge_memory(_samples([150, 150, 160, 170, 180, 190, 200, 210, 220]), 10)
    assert leak[0].grew and leak[0].verdict.startswith("GROWS: +60.0 MB")
    assert report.judge_memory(_samples([150, 150, 150]), 10)[0].verdict.startswith("too few")


def test_a_replaced_process_is_reported():
    found = report.restarts(_samples([150, 150, 150], pids={2: [9]}))
    assert found == ["worker: processes [7] became [9] at 20 s"]


def test_server_logs_are_read_for_errors(tmp_path):
    access = tmp_path / "stdout.log"
    access.write_text(
        '127.0.0.1 - - [06/Dec/2026:15:00:00 +0100] "GET /portal/?q=x HTTP/1.1" 200 10 "-" "l"\n'
        '127.0.0.1 - - [06/Dec/2026:15:00:01 +0100] "POST /api/v1/tickets HTTP/1.1" 500 1 "-" "l"\n'
    )
    classes, fives = report.access_statuses(access)
    assert classes == {"2xx": 1, "5xx": 1} and fives == {"POST /api/v1/tickets": 1}
    stderr = tmp_path / "stderr.log"
    stderr.write_text(
        "Internal Server Error: /console/\nTraceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n    boom()\nZeroDivisionError: division by zero\n'
        "[2026-12-06 15:00:00 +0100] [42] [CRITICAL] WORKER TIMEOUT (pid:43)\n"
        "[2026-12-06 15:00:00 +0100] [42] [INFO] Booting worker with pid: 44\n"
    )
    assert report.stderr_errors(stderr) == [
        "1 × traceback: ZeroDivisionError: division by zero",
        "1 × [CRITICAL] WORKER TIMEOUT (pid:43)",
    ]
