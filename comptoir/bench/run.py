"""`comptoir bench run`: the pages and operations of a seeded workload, timed.

Reads the workload's manifest (`comptoir bench seed` writes it beside the database), then
measures each operation in a child process of its own (`python -m
comptoir.bench.run_steps OP`, django.test.Client in-process, DEBUG off), and with `--http`
the main pages and ticket creation through gunicorn on a loopback port, driven by locust
(run_http.py). Prints a Markdown table with each row's target from the issue and writes
the same rows as JSON. Writes (creations, transitions, comments, mail) land in the
workload: a run adds a few hundred tickets to it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import tempfile
from argparse import ArgumentParser, ArgumentTypeError, BooleanOptionalAction
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from comptoir.bench.machine import describe
from comptoir.bench.options import add_workload_arguments, among, positive
from comptoir.bench.run_manifest import load, manifest_path
from comptoir.bench.run_steps import OPERATIONS
from comptoir.bench.scratch import PREFIX, WORKLOADS, Scratch, run_child, workload_database

HELP = "Pages and operations of a seeded workload: in-process, and over HTTP with gunicorn."
STEPS = "comptoir.bench.run_steps"

# key of a row → (target as printed, test of a row as a dict); from the targets.
TARGETS: dict[str, tuple[str, Any]] = {
    "page": ("p95 ≤ 25 ms, ≤ 12 queries", lambda r: r["p95_ms"] <= 25 and r["queries"] <= 12),
    "search": ("p95 ≤ 50 ms, ≤ 12 queries", lambda r: r["p95_ms"] <= 50 and r["queries"] <= 12),
    "http-create": ("≥ 300/s", lambda r: r["rate"] >= 300 and not r["extra"].get("failures")),
    "ingest": ("≥ 200 msg/s", lambda r: r["rate"] >= 200),
    "scheduler": ("≤ 5 s", lambda r: r["median_ms"] <= 5000),
    "export": ("constant memory", None),  # judged across workloads: the peak must not grow
}


def _only(value: str) -> list[str]:
    return among(value, OPERATIONS, "operation")


def _profile(value: str) -> str:
    if value not in OPERATIONS:
        raise ArgumentTypeError(f"unknown operation {value}; choose among {', '.join(OPERATIONS)}")
    return value


def add_arguments(parser: ArgumentParser) -> None:
    add_workload_arguments(parser)
    parser.add_argument(
        "--only",
        type=_only,
        default=list(OPERATIONS),
        help="Comma-separated operations: " + ", ".join(OPERATIONS) + " (default: all).",
    )
    parser.add_argument("--repeat", type=positive, default=30, help="Timed calls per operation.")
    parser.add_argument("--warmup", type=positive, default=5, help="Untimed calls before them.")
    parser.add_argument("--messages", type=positive, default=300, help="Messages to ingest.")
    parser.add_argument(
        "--http",
        action=BooleanOptionalAction,
        default=True,
        help="Also measure over HTTP: gunicorn on a loopback port, driven by locust.",
    )
    parser.add_argument("--workers", type=positive, default=2, help="gunicorn sync workers.")
    parser.add_argument("--users", type=positive, default=16, help="locust concurrent users.")
    parser.add_argument(
        "--seconds", type=positive, default=20, help="Duration of each HTTP scenario."
    )
    parser.add_argument("--json", default=None, help="Where to write the rows as JSON.")
    parser.add_argument(
        "--profile",
        type=_profile,
        default=None,
        metavar="OP",
        help="Profile OP's timed calls (pyinstrument HTML, or cProfile without it).",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="Seconds a step may take.")


class Children:
    """Steps run against the workload, with their files in a scratch folder."""

    def __init__(self, db: Scratch, manifest: dict[str, Any], var_dir: Path, timeout: float):
        self.db, self.var_dir, self.timeout = db, var_dir, timeout
        self.extra = {
            "COMPTOIR_VAR_DIR": str(var_dir),
            "COMPTOIR_TASKS_BACKEND": "db",  # the queue in the workload, not Redis
            "COMPTOIR_API_RATE": "",  # unlimited: the load is the point
            "COMPTOIR_SECRET_KEY": secrets.token_urlsafe(40),
        }
        if manifest.get("media_root") and Path(manifest["media_root"]).is_dir():
            self.extra["COMPTOIR_MEDIA_ROOT"] = manifest["media_root"]

    def env(self) -> dict[str, str]:
        env = {**self.db.env(), **self.extra}
        for name in ("COMPTOIR_DEBUG", "COMPTOIR_EMAIL_BACKEND", "COMPTOIR_S3_BUCKET"):
            env.pop(name, None)
        return env

    def run(self, argv: list[str]) -> str:
        return run_child(argv, env=self.env(), timeout=self.timeout)

    def step(self, *args: str, module: str = STEPS) -> Any:
        """A child step (run_steps.py, or another benchmark's `module`); the JSON it prints
        on its last line."""
        return json.loads(self.run([sys.executable, "-m", module, *args]).strip().splitlines()[-1])


def judge(row: dict[str, Any]) -> dict[str, Any]:
    """The row's target and whether it was met; failed HTTP requests miss any target."""
    text, test = TARGETS.get(row["key"], ("", None))
    row["target"] = text
    row["met"] = None if test is None else bool(test(row))
    failures = row["extra"].get("failures")
    if failures:
        row["operation"] += f" ({failures} failed)"
        row["met"] = False
    return row


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| operation | mode | n | median ms | p95 ms | queries | rate/s | peak MB | target "
        "| met? |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|---|",
    ]
    for r in rows:
        met = "—" if r["met"] is None else ("met" if r["met"] else "MISSED")
        queries = r["queries"] if r["queries"] is None else f"{r['queries']:g}"
        lines.append(
            f"| {r['operation']} | {r['mode']} | {r['n']} | {_num(r['median_ms'])} | "
            f"{_num(r['p95_ms'])} | {queries or '—'} | {_num(r['rate'])} | "
            f"{_num(r['peak_mb'])} | {r['target'] or '—'} | {met} |"
        )
    return lines


def measure(options: dict[str, Any], children: Children, path: Path, tag: str) -> list[dict]:
    rows: list[dict[str, Any]] = []
    for op in options["only"]:
        args = [op, "--manifest", str(path), "--tag", tag, "--repeat", str(options["repeat"])]
        args += ["--warmup", str(options["warmup"]), "--messages", str(options["messages"])]
        if options["profile"] == op:
            args += ["--profile", str(profile_path(options["name"], op, tag))]
        rows += children.step(*args)
    return rows


def profile_path(name: str, op: str, tag: str) -> Path:
    try:
        import pyinstrument  # noqa: F401

        ext = "html"
    except ImportError:
        ext = "prof"
    return WORKLOADS / f"{PREFIX}{name}-profile-{op}-{tag}.{ext}"


def run(options: dict[str, Any], out: OutputWrapper) -> None:
    if options["profile"] and options["profile"] not in options["only"]:
        raise CommandError(f"--profile {options['profile']}: that operation is not in --only")
    db = workload_database(options["name"], options["database_url"], create=False)
    path = manifest_path(options["name"])
    manifest = load(path)
    started = datetime.now().astimezone()
    tag = started.strftime("%Y%m%d%H%M%S")
    for line in describe():
        out.write(line)
    out.write(f"date: {started.isoformat(timespec='minutes')}")
    out.write(f"database: {db.backend} {db.version} (workload: {db.label})")
    out.write(f"workload: {manifest['tickets'] or '?'} tickets seeded (seed {manifest['seed']})")
    var_dir = Path(tempfile.mkdtemp(prefix=PREFIX + "run_"))
    try:
        children = Children(db, manifest, var_dir, options["timeout"])
        children.run(db.argv("createcachetable", "--verbosity", "0"))
        rows = measure(options, children, path, tag)
        if options["http"]:
            from comptoir.bench.run_http import measure_http

            rows += measure_http(options, children, path, manifest, tag, out)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    rows = [judge(r) for r in rows]
    out.write("")
    for line in table(rows):
        out.write(line)
    out.write("")
    out.write(
        "n: timed calls (after warm-up); queries: median per call, counted in calls of "
        "their own; rate/s: calls (messages, open tickets, HTTP requests) per second; "
        "peak MB: the measuring process's peak RSS (export: tracemalloc peak of one export; "
        "HTTP: the largest gunicorn worker's)."
    )
    if options["profile"]:
        out.write(f"profile: {profile_path(options['name'], options['profile'], tag)}")
    target = Path(options["json"] or WORKLOADS / f"{PREFIX}{options['name']}-run-{tag}.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "workload": options["name"],
        "database": {"backend": db.backend, "version": db.version},
        "manifest": {k: manifest[k] for k in ("tickets", "seed")},
        "date": started.isoformat(timespec="seconds"),
        "machine": describe(),
        "options": {
            k: options[k]
            for k in ("repeat", "warmup", "messages", "http", "workers", "users", "seconds")
        },
        "cpus": os.cpu_count(),
        "rows": rows,
    }
    target.write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
    out.write(f"json: {target}")
