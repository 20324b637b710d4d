"""`comptoir bench jobs`: how many jobs per second `comptoir worker` runs.

Each round enqueues N tasks on a scratch database (scratch.py), starts W `comptoir worker
--batch` processes exactly as an operator would, waits for them to drain the queue and
exit, then checks that every task is SUCCESSFUL and ran exactly once before it counts the
time. The worker is used only through its command line, so the benchmark measures whatever
the worker command does today.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from argparse import ArgumentParser
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from comptoir.bench.machine import describe
from comptoir.bench.options import among, positive
from comptoir.bench.scratch import ROOT, Scratch, scratch_database
from comptoir.bench.tasks import KINDS

HELP = "Job throughput: N small tasks drained by W `comptoir worker --batch` processes."
STEPS = "comptoir.bench.jobs_steps"


def _counts(value: str) -> list[int]:
    return [positive(item) for item in value.split(",")]


def _kinds(value: str) -> list[str]:
    return among(value, KINDS, "job")


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--tasks", type=positive, default=2000, help="Tasks per round.")
    parser.add_argument(
        "--workers",
        type=_counts,
        default=[1],
        help="Worker counts to measure, comma-separated, one round each (e.g. 1,2,4).",
    )
    parser.add_argument(
        "--job",
        type=_kinds,
        default=["write"],
        help="write: a row written and read back in one transaction, about what delivering "
        "a notification costs; noop: the queue's own cost. Comma-separated for both.",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="A PostgreSQL server URL (postgres://user@host:port/db); a scratch database is "
        "created on it and dropped at the end. Default: a temporary SQLite file.",
    )
    parser.add_argument("--timeout", type=float, default=900, help="Seconds a round may take.")


@dataclass(frozen=True)
class Round:
    backend: str
    job: str
    workers: int
    tasks: int
    seconds: float  # from starting the workers to the last one's exit
    busy_seconds: float  # first task started to last task finished, from the queue
    per_worker: list[int]  # tasks each worker ran

    @property
    def rate(self) -> float:
        return self.tasks / self.seconds


def check(report: dict[str, Any], *, job: str, tasks: int) -> None:
    """Refuse a round whose tasks did not all succeed exactly once: its time means nothing."""
    problems = []
    if report["statuses"] != {"SUCCESSFUL": tasks}:
        problems.append(f"expected {tasks} SUCCESSFUL tasks, found {report['statuses']}")
    if report["not_once"]:
        problems.append(f"{report['not_once']} tasks ran other than exactly once")
    expected = tasks if job == "write" else 0
    if report["written"] != expected:
        problems.append(f"{report['written']} rows written, expected {expected}")
    if problems:
        raise CommandError("the round is not valid: " + "; ".join(problems))


def run_round(db: Scratch, *, job: str, workers: int, tasks: int, timeout: float) -> Round:
    db.run([sys.executable, "-m", STEPS, "enqueue", job, str(tasks)])
    with ExitStack() as files:
        errs = [files.enter_context(tempfile.TemporaryFile("w+")) for _ in range(workers)]
        start = time.perf_counter()
        procs = [
            subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
                db.argv("worker", "--batch", "--worker-id", f"bench-{i + 1}"),
                env=db.env(),
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
            for i, err in enumerate(errs)
        ]
        try:
            for proc in procs:
                proc.wait(timeout=max(0.1, start + timeout - time.perf_counter()))
        except subprocess.TimeoutExpired as exc:
            for proc in procs:
                proc.kill()
                proc.wait()
            raise CommandError(
                f"{workers} workers did not drain {tasks} tasks in {timeout:g} s"
            ) from exc
        seconds = time.perf_counter() - start
        for proc, err in zip(procs, errs, strict=True):
            if proc.returncode != 0:
                err.seek(0)
                raise CommandError(f"a worker exited with {proc.returncode}:\n{err.read()[-3000:]}")
    report = json.loads(db.run([sys.executable, "-m", STEPS, "report", job]))
    check(report, job=job, tasks=tasks)
    return Round(
        backend=db.backend,
        job=job,
        workers=workers,
        tasks=tasks,
        seconds=seconds,
        busy_seconds=report["busy_seconds"],
        per_worker=sorted(report["per_worker"].values(), reverse=True),
    )


def table(rounds: list[Round]) -> list[str]:
    """A Markdown table, to paste into docs/benchmarks.md as printed."""
    lines = [
        "| backend | job | workers | tasks | seconds | jobs/s | jobs/s per worker "
        "| busy s | tasks per worker |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in rounds:
        split = "/".join(str(n) for n in r.per_worker)
        lines.append(
            f"| {r.backend} | {r.job} | {r.workers} | {r.tasks} | {r.seconds:.2f} "
            f"| {r.rate:.1f} | {r.rate / r.workers:.1f} | {r.busy_seconds:.2f} | {split} |"
        )
    return lines


def run(options: dict[str, Any], out: OutputWrapper) -> None:
    tasks, timeout = options["tasks"], options["timeout"]
    for line in describe():
        out.write(line)
    out.write(f"date: {datetime.now().astimezone().isoformat(timespec='minutes')}")
    rounds = []
    with scratch_database(options["database_url"]) as db:
        out.write(f"database: {db.backend} {db.version} (scratch: {db.label})")
        db.migrate()
        for job in options["job"]:
            for workers in options["workers"]:
                r = run_round(db, job=job, workers=workers, tasks=tasks, timeout=timeout)
                out.write(f"round: {job}, {workers} worker(s): {tasks} tasks in {r.seconds:.2f} s")
                rounds.append(r)
    out.write(f"scratch database removed: {db.label}")
    out.write("")
    for line in table(rounds):
        out.write(line)
    out.write("")
    out.write(
        "seconds: from starting the workers to the last one's exit, start-up included; "
        "jobs/s = tasks / seconds; busy s: first task started to last task finished."
    )
