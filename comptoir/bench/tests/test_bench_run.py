"""`comptoir bench run` runs for real, small: a seeded workload of a few hundred tickets,
every operation in its child, and HTTP through gunicorn and locust. Only the shape of the
output and sane counts are checked, never a time: speed goes to docs/benchmarks.md."""

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

from comptoir.bench.run import judge, table
from comptoir.bench.run_manifest import normalise
from comptoir.bench.run_steps import OPERATIONS
from comptoir.bench.scratch import drop_workload
from comptoir.bench.tests import SQLITE_WORKLOAD

ROOT = Path(__file__).resolve().parents[3]
ROW = re.compile(r"^\| (?P<op>[^|]+?) \| (?P<mode>in-process|HTTP) \| (?P<n>\d+) \|", re.M)


def comptoir(*args: str, timeout: float = 180) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "comptoir", *args], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def workload():
    name = "test_run_" + secrets.token_hex(3)
    comptoir("bench", "seed", "--tickets", "150", "--name", name)
    yield name
    drop_workload(name, None)
    (ROOT / "var" / "bench" / f"comptoir_bench_{name}.json").unlink(missing_ok=True)


@SQLITE_WORKLOAD
def test_every_operation_in_process_and_over_http(workload, tmp_path):
    out_json = tmp_path / "run.json"
    out = comptoir(
        "bench", "run", "--name", workload, "--repeat", "2", "--warmup", "1",
        "--messages", "4", "--http", "--seconds", "2", "--users", "2",
        "--profile", "queue", "--json", str(out_json), timeout=240,
    )  # fmt: skip
    rows = {(m["op"], m["mode"]): int(m["n"]) for m in ROW.finditer(out)}
    modes = {mode for _op, mode in rows}
    assert modes == {"in-process", "HTTP"}, out
    document = json.loads(out_json.read_text())
    by_op = {r["operation"]: r for r in document["rows"] if r["mode"] == "in-process"}
    http = {r["operation"]: r for r in document["rows"] if r["mode"] == "HTTP"}
    assert sorted(http) == sorted(["agent queue", "ticket page, long timeline",
                                   "my tickets (portal)", "create ticket (API)"])  # fmt: skip
    for name in ("floor: one indexed query", "agent queue", "my tickets (portal)",
                 "ticket page, long timeline", "create ticket (portal form)",
                 "create ticket (API)", "comment (console)", "mail ingest",
                 "daily reports, one slot", "scheduler pass (sla_watch + auto_close_due)",
                 "statement export (CSV, streamed)"):  # fmt: skip
        assert name in by_op, sorted(by_op)
    assert sum(1 for r in document["rows"] if r["key"] == "search") == 3
    assert any(r["operation"].startswith("transition (") for r in document["rows"])
    for r in document["rows"]:
        assert r["n"] > 0 and r["median_ms"] > 0 and r["peak_mb"] > 0, r
        if r["mode"] == "in-process":
            assert r["queries"] > 0, r
        else:
            assert r["extra"]["failures"] == 0, r
    assert by_op["floor: one indexed query"]["queries"] < by_op["agent queue"]["queries"]
    assert by_op["mail ingest"]["extra"]["outcomes"] == {"created": 2, "appended": 2}
    assert by_op["daily reports, one slot"]["extra"]["written"] > 0
    assert by_op["scheduler pass (sla_watch + auto_close_due)"]["extra"]["open_tickets"] > 0
    assert document["rows"][0]["target"] == ""  # the floor has none
    assert by_op["agent queue"]["target"].startswith("p95 ≤ 25 ms")
    assert re.search(r"^\| agent queue \| in-process \| 2 \| [\d.]+ \| [\d.]+ \| \d+ \|", out, re.M)
    profile = Path(re.search(r"^profile: (.+)$", out, re.M).group(1))
    try:
        assert profile.stat().st_size > 0
    finally:
        profile.unlink(missing_ok=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "queue,nope"], "unknown operation nope"),
        (["--profile", "nope"], "unknown operation nope"),
        (["--name", "no_such_workload_here"], "no workload 'no_such_workload_here'"),
        (["--name", "bad-name"], "letters, digits and _ only"),
        (["--repeat", "0"], "at least 1"),
    ],
)
def test_bad_options_say_what_is_wrong(args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("bench", "run", *args)


def test_profile_of_an_operation_not_run_is_refused():
    with pytest.raises(CommandError, match="not in --only"):
        call_command("bench", "run", "--only", "queue", "--profile", "export")


def test_manifest_lacking_keys_is_refused_by_name():
    with pytest.raises(CommandError, match=r"lacks agents, .*long_key"):
        normalise({"customers": ["c"], "admin": "a", "keys": {"open_sample": ["K-1"]},
                   "search": {"rare": "x"}})  # fmt: skip


def test_targets_met_and_missed_and_failures():
    base = {"n": 30, "median_ms": 5.0, "queries": 8, "rate": 400.0, "peak_mb": 100.0,
            "mode": "in-process", "extra": {}}  # fmt: skip
    fast = judge({**base, "operation": "queue", "key": "page", "p95_ms": 20.0})
    chatty = judge({**base, "operation": "q2", "key": "page", "p95_ms": 20.0, "queries": 13})
    failed = judge({**base, "operation": "api", "key": "http-create", "p95_ms": 9.0,
                    "mode": "HTTP", "queries": None, "extra": {"failures": 3}})  # fmt: skip
    assert (fast["met"], chatty["met"], failed["met"]) == (True, False, False)
    lines = table([fast, chatty, failed])
    assert lines[2].endswith("| met |") and lines[3].endswith("| MISSED |")
    assert "| api (3 failed) | HTTP |" in lines[4] and "| — |" in lines[4]
    assert set(OPERATIONS) >= {"floor", "queue", "search", "export"}
