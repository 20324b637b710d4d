"""`comptoir bench seed`: build workload W, a kept database of N tickets for `bench run`.

Workload W: 50 customer organisations, 200 sites, the four presets, 20 services of 5
categories, 100 agents, 5,000 customers, N tickets over two years (about 25 % open, 10 %
resolved, 65 % closed) with about 4 comments each, their timelines, a few attachments and
time entries, hourly rates for a few customers, French and English text; one ticket with a
long timeline. Reproducible: the same --seed gives the same keys, titles and people.

The database is `comptoir_bench_<name>` (scratch.workload_database: a SQLite file under
var/bench/, or a database on the PostgreSQL server of --database-url), made afresh. As for
every benchmark, this process opens no Django connection; children migrate it, load the
presets (`comptoir preset load`, as an operator would) and bulk-load the rest
(seed_steps.py). The manifest `var/bench/comptoir_bench_<name>.json` tells `bench run`
who to log in as, which keys to open and which words to search.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from argparse import ArgumentParser
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from comptoir.bench import scratch
from comptoir.bench.options import positive
from comptoir.bench.scratch import ROOT, Scratch, workload_database, workload_name

HELP = "Build workload W (N tickets, kept) for `comptoir bench run`; see docs/benchmarks.md."
PRESETS = ("spt", "ent", "itil", "n123")
UNSET = ("COMPTOIR_MEDIA_ROOT", "COMPTOIR_S3_BUCKET", "COMPTOIR_EMAIL_BACKEND")
MAX_TICKETS = 20_000_000


def default_name(tickets: int) -> str:
    """10000 → w10k, 1000000 → w1m, 2500 → w2500."""
    for size, suffix in ((1_000_000, "m"), (1_000, "k")):
        if tickets % size == 0:
            return f"w{tickets // size}{suffix}"
    return f"w{tickets}"


def manifest_path(name: str) -> Path:
    return scratch.WORKLOADS / f"{workload_name(name)}.json"


def media_root(name: str) -> Path:
    return scratch.WORKLOADS / workload_name(name) / "media"


def read_manifest(name: str) -> dict[str, Any]:
    """The manifest of a seeded workload (for `bench run`), or a CommandError saying how to
    make one."""
    path = manifest_path(name)
    if not path.exists():
        raise CommandError(f"no manifest {path}: run `comptoir bench seed --name {name}` first")
    return json.loads(path.read_text())


def _tickets(value: str) -> int:
    n = positive(value)
    if n > MAX_TICKETS:
        from argparse import ArgumentTypeError

        raise ArgumentTypeError(f"at most {MAX_TICKETS:,} tickets, not {value}")
    return n


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--tickets", type=_tickets, default=10_000, help="Tickets to create (default 10000)."
    )
    parser.add_argument(
        "--name",
        default=None,
        help="Workload name (letters, digits, _): database comptoir_bench_<name>. Default: "
        "from --tickets (w10k, w100k, w1m).",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="A PostgreSQL server URL (postgres://user@host:port/db); the workload database "
        "is created on it and kept. Default: a SQLite file under var/bench/.",
    )
    parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
    parser.add_argument("--timeout", type=float, default=7200, help="Seconds a step may take.")


def _env(db: Scratch, media: Path) -> dict[str, str]:
    env = db.env()
    for name in UNSET:
        env.pop(name, None)
    env["COMPTOIR_MEDIA_ROOT"] = str(media)
    return env


def _child(db: Scratch, media: Path, args: list[str], timeout: float, *, progress=False) -> str:
    what = " ".join(args[2:])
    try:
        done = subprocess.run(  # noqa: S603 (our interpreter, our arguments)
            args, env=_env(db, media), cwd=ROOT, stdout=subprocess.PIPE,
            stderr=None if progress else subprocess.PIPE, text=True, timeout=timeout,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise CommandError(f"{what} took more than {timeout:g} s") from exc
    if done.returncode != 0:
        tail = (done.stderr or "(its error is printed above)")[-3000:]
        raise CommandError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def run(options: dict[str, Any], out: OutputWrapper) -> None:
    tickets, seed = options["tickets"], options["seed"]
    name = options["name"] or default_name(tickets)
    workload_name(name)  # refuses a bad name before anything is created
    started = time.perf_counter()
    db = workload_database(name, options["database_url"], create=True)
    manifest_path(name).unlink(missing_ok=True)
    media = media_root(name)
    shutil.rmtree(media, ignore_errors=True)
    media.mkdir(parents=True)
    out.write(f"workload {name}: {db.backend} {db.version} ({db.label}), {tickets:,} tickets")
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    _child(db, media, db.argv("migrate", "--noinput", "--verbosity", "0"), options["timeout"])
    seconds["migrate"] = time.perf_counter() - t
    t = time.perf_counter()
    _child(db, media, db.argv("preset", "load", *PRESETS), options["timeout"])
    seconds["presets"] = time.perf_counter() - t
    argv = [sys.executable, "-m", "comptoir.bench.seed_steps", "load"]
    argv += ["--tickets", str(tickets), "--seed", str(seed)]
    loaded = json.loads(
        _child(db, media, argv, options["timeout"], progress=True).strip().splitlines()[-1]
    )
    seconds.update({f"load: {k}": v for k, v in loaded.pop("seconds").items()})
    seconds["total"] = time.perf_counter() - started
    manifest = {
        "name": name,
        "database": workload_name(name),
        "backend": db.backend,
        "version": db.version,
        "label": db.label,
        "created": datetime.now().astimezone().isoformat(timespec="seconds"),
        **loaded,
        "seconds": seconds,
    }
    manifest_path(name).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    counts = manifest["counts"]
    out.write("rows: " + ", ".join(f"{k.split('.')[-1]} {v:,}" for k, v in counts.items()))
    out.write(
        f"tickets with comments, events, attachments and time: "
        f"{manifest['tickets_per_second']:,.0f} tickets/s "
        f"(rows {seconds['load: tickets']:.1f} s, indexes {seconds['load: indexes']:.1f} s); "
        f"total {seconds['total']:.1f} s"
    )
    out.write(f"manifest: {manifest_path(name)}")


def drop(options: dict[str, Any], out: OutputWrapper) -> None:
    name = options["name"]
    label = workload_database(name, options["database_url"], create=False).label
    scratch.drop_workload(name, options["database_url"])
    shutil.rmtree(scratch.WORKLOADS / workload_name(name), ignore_errors=True)
    manifest_path(name).unlink(missing_ok=True)
    out.write(f"workload {name} removed: {label}")
