"""`comptoir bench run --http`: the production server on a loopback port, driven by locust.

gunicorn serves comptoir.wsgi:application with the options `comptoir serve` gives it (sync
workers, preloaded application, no control socket, an access log), on the workload's
database. This process logs in once per role through the real login form and hands the
session cookie to locust (locustfile.py), which runs each scenario headless on its own:
`locust --headless -u USERS -r USERS -t SECONDS --csv …`. Users never wait between
requests, so a scenario measures the server's throughput at that concurrency.
"""

from __future__ import annotations

import csv
import http.cookiejar
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from comptoir.bench.scratch import ROOT

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
READY_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, folder: Path) -> subprocess.Popen:
    argv = [
        sys.executable, "-m", "gunicorn", "comptoir.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--preload",
        "--no-control-socket", "--access-logfile", str(folder / "access.log"),
        "--error-logfile", str(folder / "error.log"), "--name", "comptoir-bench",
    ]  # fmt: skip
    log = (folder / "stderr.log").open("ab")  # Django's request warnings, tracebacks
    return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)  # noqa: S603


def wait_ready(
    proc: subprocess.Popen, base: str, folder: Path, seconds: float = READY_SECONDS
) -> float:
    """Seconds until /login/ answers 200; CommandError with the error log if it never does
    within `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(base + "/login/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    log = "".join(
        (folder / name).read_text(errors="replace")[-3000:]
        for name in ("error.log", "stderr.log")
        if (folder / name).exists()
    )
    raise CommandError(f"gunicorn did not answer on {base} within {seconds:g} s:\n{log}")


def stop(proc: subprocess.Popen, seconds: float = 15) -> None:
    """SIGTERM, then SIGKILL if it has not exited after `seconds`."""
    proc.terminate()
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def children_of(pid: int) -> list[int]:
    """The direct children of a process, whichever of its threads started them (Linux
    /proc; empty elsewhere or once it is gone)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(set(found))


def status_mb(pid: int, field: str) -> float | None:
    """A memory line of /proc/PID/status (VmRSS, VmHWM…) in MB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def worker_peak_mb(master: int) -> float:
    """The largest VmHWM (peak RSS) among gunicorn's workers, from /proc (Linux)."""
    peaks = [status_mb(pid, "VmHWM") for pid in children_of(master)]
    return max((p for p in peaks if p is not None), default=0.0)


def login(base: str, username: str, password: str) -> str:
    """Log in through the login form as a browser does; the Cookie header it earned."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login/", timeout=10).read().decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not found:
        raise CommandError("no CSRF token on the login page")
    form = {"csrfmiddlewaretoken": found[1], "login": username, "password": password}
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(base + "/login/", data=data)  # noqa: S310 (loopback)
    opener.open(request, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise CommandError(f"could not log in as {username} with the manifest's password")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def locust_argv(locustfile: Path, base: str, users: int, seconds: float, prefix: Path) -> list[str]:
    """locust headless on `locustfile`: all `users` started at once, for `seconds`, its
    statistics written to `prefix`_stats.csv (and _failures.csv, _exceptions.csv)."""
    return [
        sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(users),
        "-r", str(users), "-t", f"{seconds:g}s", "--host", base, "--csv", str(prefix),
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of one of locust's CSV files; none when it was not written."""
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def locust(base: str, scenario: dict[str, str], options: dict[str, Any], folder: Path) -> dict:
    prefix = folder / scenario["COMPTOIR_BENCH_NAME"].replace(" ", "_")
    argv = locust_argv(LOCUSTFILE, base, options["users"], options["seconds"], prefix)
    env = {**plain_env(), **scenario}
    done = subprocess.run(  # noqa: S603 (our interpreter, our arguments)
        argv, env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=options["seconds"] + 120, check=False,
    )  # fmt: skip
    stats = Path(f"{prefix}_stats.csv")
    if done.returncode != 0 or not stats.exists():
        raise CommandError(f"locust failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    for row in read_csv(stats):
        if row["Name"] == scenario["COMPTOIR_BENCH_NAME"]:
            return row
    raise CommandError(
        f"no request of {scenario['COMPTOIR_BENCH_NAME']} completed in {options['seconds']} s: "
        "give the scenarios more --seconds"
    )


def plain_env() -> dict[str, str]:
    """The caller's environment without a database URL: locust never needs one."""
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}


def _row(name: str, key: str, stats: dict[str, str], peak: float, users: int) -> dict:
    count, failures = int(stats["Request Count"]), int(stats["Failure Count"])
    return {
        "operation": name, "key": key, "n": count, "mode": "HTTP",
        "median_ms": float(stats["50%"] or 0), "p95_ms": float(stats["95%"] or 0),
        "queries": None, "rate": float(stats["Requests/s"] or 0), "peak_mb": peak,
        "extra": {"failures": failures, "users": users,
                  "average_ms": float(stats["Average Response Time"] or 0)},
    }  # fmt: skip


def measure_http(
    options: dict[str, Any], children, path: Path, manifest: dict[str, Any], tag: str,
    out: OutputWrapper,
) -> list[dict[str, Any]]:  # fmt: skip
    from urllib.parse import quote

    api = children.step("token", "--manifest", str(path), "--tag", tag)
    folder = children.var_dir / "http"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_gunicorn(children.env(), port, options["workers"], folder)
    try:
        ready = wait_ready(proc, base, folder)
        out.write(f"http: gunicorn, {options['workers']} sync workers on {base} (ready in "
                  f"{ready:.1f} s); locust {options['users']} users, {options['seconds']} s "
                  "per scenario")  # fmt: skip
        password = manifest["password"]
        agent = login(base, manifest["agents"][0], password)
        reader = (
            agent
            if api["reader"] == manifest["agents"][0]
            else login(base, api["reader"], password)
        )
        customer = login(base, manifest["customers"][0], password)
        key = quote(manifest["long_key"], safe="")
        body = {"desk": api["desk"], "type": api["type"],
                "category_id": int(api["category_id"]), "title": f"Bench {tag} HTTP",
                "description": "Created by comptoir bench run."}  # fmt: skip
        scenarios = [
            ("agent queue", "http-page", {"COMPTOIR_BENCH_PATH": "/console/",
                                          "COMPTOIR_BENCH_COOKIE": agent}),
            ("ticket page, long timeline", "http-page",
             {"COMPTOIR_BENCH_PATH": f"/console/t/{key}/", "COMPTOIR_BENCH_COOKIE": reader}),
            ("my tickets (portal)", "http-page", {"COMPTOIR_BENCH_PATH": "/portal/",
                                                  "COMPTOIR_BENCH_COOKIE": customer}),
            ("create ticket (API)", "http-create",
             {"COMPTOIR_BENCH_PATH": "/api/v1/tickets", "COMPTOIR_BENCH_TOKEN": api["token"],
              "COMPTOIR_BENCH_BODY": json.dumps(body)}),
        ]  # fmt: skip
        rows = []
        for name, key_, env in scenarios:
            stats = locust(base, {"COMPTOIR_BENCH_NAME": name, **env}, options, folder)
            rows.append(_row(name, key_, stats, worker_peak_mb(proc.pid), options["users"]))
    finally:
        stop(proc)
    return rows
