"""`comptoir bench soak`: the production server under a steady mixed load for a while, to
see that nothing fails, nothing leaks and nothing slows down.

It starts `comptoir serve` on loopback ports exactly as production runs it (gunicorn with
`--workers`, the background worker, the scheduler and, through COMPTOIR_SMTPD, the SMTP
receiver) on a seeded workload, logs the simulated people in through the login form, and
runs locust once for the whole duration with customers on the portal, agents in the
console, an API client and a mail client (soak_locustfile.py), while this process samples
the resident memory of every server process. Then it reads what went wrong, if anything:
locust's failures, 5xx in the access log, tracebacks on the server's stderr, companions
started again, incoming mail not created or appended, failed tasks and outbox rows
(soak_steps.py `check`). It prints Markdown and writes JSON, and fails (exit status 1)
after printing when there was an error or a process kind whose memory grew.
"""

from __future__ import annotations

import json
import math
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from argparse import ArgumentParser, ArgumentTypeError
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.management.base import CommandError, OutputWrapper

from comptoir.bench import soak_report as report
from comptoir.bench.machine import describe
from comptoir.bench.options import add_workload_arguments, positive
from comptoir.bench.run import Children
from comptoir.bench.run_http import (
    free_port,
    locust_argv,
    login,
    plain_env,
    stop,
    wait_ready,
)
from comptoir.bench.run_manifest import load, manifest_path
from comptoir.bench.scratch import PREFIX, ROOT, WORKLOADS, workload_database

HELP = "The production server under a mixed load for a while: errors, memory, latency."
STEPS = "comptoir.bench.soak_steps"
LOCUSTFILE = Path(__file__).with_name("soak_locustfile.py")
STOP_SECONDS = 30  # locust lets a user finish its task in hand, up to this
KINDS = ("portal", "console", "api", "mail")
# `comptoir serve` collects and compresses the static files before gunicorn starts.
READY_SECONDS = 300
STOP_SERVER_SECONDS = 60  # gunicorn's graceful stop, then the companions' own


def minutes(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0 or math.isinf(number):
        raise ArgumentTypeError(f"expected a number of minutes above 0, not {value!r}")
    return number


def add_arguments(parser: ArgumentParser) -> None:
    add_workload_arguments(parser)
    parser.add_argument("--minutes", type=minutes, default=10.0, help="Duration of the load.")
    parser.add_argument(
        "--users",
        type=positive,
        default=8,
        help="Simulated people at once (at least 4): an eighth sending mail, an eighth on "
        "the API, the rest half customers on the portal, half agents in the console.",
    )
    parser.add_argument("--workers", type=positive, default=2, help="gunicorn workers.")
    parser.add_argument(
        "--sample", type=positive, default=15, help="Seconds between two memory samples."
    )
    parser.add_argument("--json", default=None, help="Where to write the results as JSON.")


def split_users(users: int) -> dict[str, int]:
    """How many simulated people of each kind: one of each at least."""
    if users < len(KINDS):
        raise CommandError(f"--users must be at least {len(KINDS)} (one of each kind)")
    mail = api = max(1, users // 8)
    portal = math.ceil((users - mail - api) / 2)
    return {"portal": portal, "console": users - mail - api - portal, "api": api, "mail": mail}


def _seed_hint(options: dict[str, Any]) -> str:
    command = "comptoir bench seed --tickets 10000"
    if options["name"] != "w10k":
        command += f" --name {options['name']}"
    if options["database_url"]:
        command += f" --database-url {options['database_url']}"
    return command


def _open_workload(options: dict[str, Any]):
    """The workload's database, manifest path and manifest; a missing one stops the run
    with the command that makes it."""
    try:
        db = workload_database(options["name"], options["database_url"], create=False)
        path = manifest_path(options["name"])
        return db, path, load(path)
    except CommandError as exc:
        what, sep, _rest = str(exc).partition(": run `comptoir bench seed`")
        if not sep:
            raise
        raise CommandError(f"{what}: make it first with `{_seed_hint(options)}`") from exc


def _wait_smtp(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise CommandError(f"the SMTP receiver did not listen on 127.0.0.1:{port} in {seconds:g} s")


def _cookie_value(cookie: str, name: str) -> str:
    for part in cookie.split("; "):
        key, _sep, value = part.partition("=")
        if key == name:
            return value
    raise CommandError(f"no {name} cookie after logging in")


def _sessions(base: str, people: list[dict[str, Any]], password: str) -> list[dict[str, Any]]:
    out = []
    for person in people:
        cookie = login(base, person["username"], password)
        out.append({**person, "cookie": cookie, "csrf": _cookie_value(cookie, "csrftoken")})
    return out


def _serve(children: Children, options: dict[str, Any], folder: Path, port: int, smtp: int):
    env = {**children.env(), "COMPTOIR_SMTPD": f"127.0.0.1:{smtp}"}
    for name in ("COMPTOIR_SMTP_HOST", "COMPTOIR_STATIC_ROOT"):  # mail to .eml, static in var
        env.pop(name, None)
    argv = [sys.executable, "-m", "comptoir", "serve", "--host", "127.0.0.1", "--port",
            str(port), "--workers", str(options["workers"])]  # fmt: skip
    with (folder / "stdout.log").open("ab") as out, (folder / "stderr.log").open("ab") as err:
        return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=err)  # noqa: S603


def _load(base: str, plan_path: Path, options: dict[str, Any], users: int, server, folder: Path):
    """locust for the whole duration, the server's memory sampled meanwhile."""
    seconds = options["minutes"] * 60
    argv = locust_argv(LOCUSTFILE, base, users, seconds, folder / "soak")
    argv += ["--stop-timeout", str(STOP_SECONDS)]
    results = folder / "results.json"
    env = {**plain_env(), "COMPTOIR_SOAK_PLAN": str(plan_path),
           "COMPTOIR_SOAK_RESULTS": str(results)}  # fmt: skip
    samples: list[report.Sample] = []
    with (folder / "locust.log").open("w") as log:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603
        start = time.monotonic()
        try:
            while True:
                now = time.monotonic() - start
                if server.poll() is None:
                    samples.append(report.sample(server.pid, now))
                if now > seconds + STOP_SECONDS + 120:
                    raise CommandError("locust did not stop after its duration")
                try:
                    proc.wait(
                        timeout=max(0.1, options["sample"] - (time.monotonic() - start - now))
                    )
                    break
                except subprocess.TimeoutExpired:
                    continue
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    elapsed = time.monotonic() - start
    if proc.returncode != 0 or not results.exists():
        tail = (folder / "locust.log").read_text(errors="replace")[-3000:]
        raise CommandError(f"locust failed (exit {proc.returncode}):\n{tail}")
    return json.loads(results.read_text()), samples, elapsed


def errors_of(results: dict[str, Any], checks, samples, folder: Path) -> list[str]:
    """Everything that went wrong, each with how often."""
    errors = [f"{f['occurrences']} × {f['method']} {f['name']}: {f['error']}"
              for f in results["failures"]]  # fmt: skip
    errors += [f"{x['count']} × locust: {x['message']}" for x in results["exceptions"]]
    _classes, fives = report.access_statuses(folder / "stdout.log")
    errors += [f"{n} × HTTP 5xx on {what} (access log)" for what, n in fives.most_common()]
    errors += [f"server stderr: {line}" for line in report.stderr_errors(folder / "stderr.log")]
    errors += [f"process replaced: {line}" for line in report.restarts(samples)]
    errors += [f"after the run: {p}" for p in checks["problems"]]
    ok = {r["name"]: r["n"] - r["failures"] for r in results["rows"]}
    for name, outcome in (("mail: new request", "created"), ("mail: reply", "appended")):
        if ok.get(name, 0) != checks["inbound"].get(outcome, 0):
            errors.append(f"{ok.get(name, 0)} messages accepted as {name}, but "
                          f"{checks['inbound'].get(outcome, 0)} recorded {outcome}")  # fmt: skip
    return errors


def _counts(found: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(found.items())) or "none"


def _shown_url(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return " --database-url " + urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))


def _drive(children: Children, options: dict[str, Any], path: Path, manifest: dict[str, Any],
           tag: str, out: OutputWrapper) -> dict[str, Any]:  # fmt: skip
    """Prepare, start the server, log the people in, run the load, stop, check."""
    counts, timings = split_users(options["users"]), {}
    t0 = time.monotonic()
    plan = children.step("prepare", "--manifest", str(path), "--customers",
                         str(counts["portal"]), "--agents", str(counts["console"]),
                         "--tag", tag, module=STEPS)  # fmt: skip
    timings["prepare_s"] = time.monotonic() - t0
    folder = children.var_dir / "soak"
    folder.mkdir()
    port, smtp = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(children, options, folder, port, smtp)
    try:
        timings["ready_s"] = wait_ready(server, base, folder, READY_SECONDS)
        _wait_smtp(smtp, server)
        t0 = time.monotonic()
        plan["customers"] = _sessions(base, plan["customers"], manifest["password"])
        plan["agents"] = _sessions(base, plan["agents"], manifest["password"])
        timings["logins_s"] = time.monotonic() - t0
        out.write(f"server: comptoir serve on {base}, {options['workers']} gunicorn workers, "
                  f"worker, scheduler, SMTP receiver on 127.0.0.1:{smtp} (ready in "
                  f"{timings['ready_s']:.1f} s)")  # fmt: skip
        out.write("load: " + ", ".join(f"{n} {k}" for k, n in counts.items())
                  + f" for {options['minutes']:g} min")  # fmt: skip
        plan.update(counts=counts, tag=tag, mail={**plan["mail"], "host": "127.0.0.1",
                                                  "port": smtp})  # fmt: skip
        (folder / "plan.json").write_text(json.dumps(plan))
        results, samples, timings["load_s"] = _load(
            base, folder / "plan.json", options, options["users"], server, folder
        )
    finally:
        t0 = time.monotonic()
        stop(server, STOP_SERVER_SECONDS)
        timings["stop_s"] = time.monotonic() - t0
    checks = children.step("check", "--mark", json.dumps(plan["mark"]), module=STEPS)
    warmup = min(report.WARMUP_SECONDS, options["minutes"] * 60 / 4)
    return {
        "users": counts, "timings": timings, "results": results, "samples": samples,
        "checks": checks, "errors": errors_of(results, checks, samples, folder),
        "warmup": warmup, "memory": report.judge_memory(samples, warmup),
        "access_log": report.access_statuses(folder / "stdout.log")[0], "folder": folder,
    }  # fmt: skip


def markdown(soak: dict[str, Any], options: dict[str, Any]) -> list[str]:
    """The report after the header lines: requests, what was written, memory, verdict."""
    checks, memory, errors = soak["checks"], soak["memory"], soak["errors"]
    grew = [m.kind for m in memory if m.grew]
    return [
        "", "### Requests", "",
        *report.latency_table(soak["results"]["rows"], options["minutes"] * 60), "",
        f"Access log: {_counts(soak['access_log'])}. Written during the run: tickets by "
        f"channel: {_counts(checks['tickets'])}; {checks['comments']} comments; incoming mail: "
        f"{_counts(checks['inbound'])}; outbox rows: {_counts(checks['outbox'])}; background "
        f"tasks: {_counts(checks['tasks'])}.",
        "", "### Memory (VmRSS)", "", *report.memory_table(memory), "",
        *report.series_table(memory), "",
        f"Judged after a warm-up of {soak['warmup']:.0f} s on {len(soak['samples'])} samples "
        f"every {options['sample']} s: growth is the late median (last third) over the early "
        f"median (first third), allowed up to {report.TOLERANCE_PCT:g} % and "
        f"{report.TOLERANCE_MB:g} MB.",
        "", "### Verdict", "",
        *([f"- ERROR {e}" for e in errors] or ["- errors: none"]),
        f"- memory: {'growth in ' + ', '.join(grew) if grew else 'no growth'}",
        f"- timings: {', '.join(f'{k[:-2]} {v:.1f} s' for k, v in soak['timings'].items())}",
    ]  # fmt: skip


def run(options: dict[str, Any], out: OutputWrapper) -> None:
    db, path, manifest = _open_workload(options)
    split_users(options["users"])  # refused before anything starts
    started = datetime.now().astimezone()
    tag = started.strftime("%Y%m%d%H%M%S")
    command = (f"comptoir bench soak --name {options['name']}{_shown_url(options['database_url'])}"
               f" --minutes {options['minutes']:g} --users {options['users']} --workers "
               f"{options['workers']} --sample {options['sample']}")  # fmt: skip
    head = [f"command: `{command}`", *describe(), f"date: {started.isoformat(timespec='minutes')}",
            f"database: {db.backend} {db.version} (workload: {db.label}, "
            f"{manifest['tickets'] or '?'} tickets seeded)"]  # fmt: skip
    for line in head:
        out.write(line)
    var_dir = Path(tempfile.mkdtemp(prefix=PREFIX + "soak_"))
    kept = None
    try:
        soak = _drive(Children(db, manifest, var_dir, timeout=600), options, path, manifest,
                      tag, out)  # fmt: skip
        if soak["errors"]:
            kept = WORKLOADS / f"{PREFIX}{options['name']}-soak-{tag}-logs"
            shutil.copytree(soak["folder"], kept, ignore=shutil.ignore_patterns("plan.json"))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    for line in markdown(soak, options):
        out.write(line)
    target = Path(options["json"] or WORKLOADS / f"{PREFIX}{options['name']}-soak-{tag}.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    results, memory = soak["results"], soak["memory"]
    document = {
        "command": command, "workload": options["name"],
        "database": {"backend": db.backend, "version": db.version},
        "date": started.isoformat(timespec="seconds"), "machine": describe(),
        "options": {k: options[k] for k in ("minutes", "users", "workers", "sample")},
        "users": soak["users"], "timings": soak["timings"], "requests": results["rows"],
        "failures": results["failures"], "exceptions": results["exceptions"],
        "checks": soak["checks"], "access_log": dict(soak["access_log"]),
        "errors": soak["errors"], "memory": [{**m.__dict__, "grew": m.grew} for m in memory],
        "samples": [s.__dict__ for s in soak["samples"]],
    }  # fmt: skip
    target.write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
    out.write(f"json: {target}")
    if kept:
        out.write(f"server logs kept: {kept}")
    grew = [m.kind for m in memory if m.grew]
    if soak["errors"] or grew:
        raise CommandError(
            f"soak failed: {len(soak['errors'])} error(s)"
            + (f", memory growth in {', '.join(grew)}" if grew else "")
        )
