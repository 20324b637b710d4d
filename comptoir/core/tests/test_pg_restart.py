# covers: X-5, NOT-7, TIC-1, TIC-8
"""PostgreSQL stopped and started again under load: the instance rides it out by itself.

A private cluster (pgcluster.py) gets a copy of the suite's migrated database; the
instance runs on it as `comptoir serve` runs it (gunicorn with two workers, plus the
background worker and the scheduler, restarted by serve's watcher should they die), with
persistent connections and health checks as in production. Three customers file tickets
and comment on them through the API while the cluster is stopped (`pg_ctl stop -m fast`),
kept down for a moment, and started again. Then:

- every request answered, none hung: those during the outage got a 5xx, those after it
  succeeded, on the same gunicorn workers (nothing was restarted to recover);
- no ticket is half-written: each has its creation event first, its search text, its
  initial status, its notifications, a version counting its changes, and the key numbers
  have no gap; every ticket and comment the API confirmed is there exactly once;
- mail about the tickets filed after the restart leaves, and no outbox row failed.

It runs in the PostgreSQL pass only, where the suite's database can be dumped into the
cluster in a second (`comptoir migrate` would take twenty).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg.rows import dict_row

from comptoir.conftest import pg_only
from comptoir.core.tests import pgcluster
from comptoir.notifications.models import Outbox
from comptoir.search.fts import TABLE as TEXT_TABLE
from comptoir.tickets.models import Comment, Event, Ticket
from comptoir.web.errors import RETRY_AFTER
from comptoir.workflows.presets import PRESET_NAMES as PRESETS

pytestmark = [
    pg_only(
        "runs in the PostgreSQL pass: it copies the suite's migrated PostgreSQL database into "
        "a private cluster that it stops and starts"
    ),
    pytest.mark.django_db,  # the suite's test database must exist: it is what gets copied
]

ROOT = Path(__file__).resolve().parents[3]
CUSTOMERS = 3
OUTAGE = 1.5  # seconds the server stays down
AFTER = 4.0  # seconds of load once it is back
TIMEOUT = 15.0  # a client gives up on a request after this long: "hung"
SLOW = 10.0  # no answer may take longer than this

SETUP = """
from comptoir.accounts.models import Organisation, Role, Site, User
from comptoir.api.actions import token_create
from comptoir.catalog.models import Category, Desk, ServiceMember
provider = Organisation.objects.create(name="Provider", code="provider", is_provider=True)
org = Organisation.objects.create(name="Alpha SA", code="alpha")
site = Site.objects.create(organisation=org, name="Alpha Lyon", code="ALY")
make = User.objects.create_user
agent = make("agent", "agent@example.test", "pw", role=Role.AGENT, organisation=provider)
ServiceMember.objects.create(service=Desk.objects.get(slug="ent").services.get(slug="dsi"),
                             user=agent)
tokens = []
for i in range(CUSTOMERS):
    u = make(f"client{i}", f"client{i}@example.test", "pw", role=Role.CUSTOMER, site=site,
             organisation=org)
    tokens.append(token_create(actor=u, name="load")[1])
category = Category.objects.get(service__desk__slug="ent", slug="messagerie").pk
print(json.dumps({"tokens": tokens, "category": category}))
"""

INSTANCE = (
    "import django; django.setup()\n"
    "from comptoir.core.management.commands.serve import run_instance\n"
    "run_instance('127.0.0.1', %d, 2)\n"
)


@dataclass
class Call:
    kind: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all
    error: str
    sent: str  # the title or comment body sent
    key: str  # the ticket's key, when known
    retry_after: str = ""


class Load:
    """Customers filing a ticket and commenting on it, over and over, until stopped."""

    def __init__(self, base: str, tokens: list[str], category: int) -> None:
        self.base, self.tokens, self.category = base, tokens, category
        self.calls: list[Call] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(len(tokens))]

    def _post(self, kind: str, path: str, token: str, payload: dict, sent: str, key: str) -> Call:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(payload).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        started = time.monotonic()
        status, error, body, retry_after = None, "", b"", ""
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, error = exc.code, exc.read()[:4000].decode(errors="replace")
            retry_after = exc.headers.get("Retry-After", "")
        except OSError as exc:  # refused, reset, timed out: no HTTP answer
            error = repr(exc)
        if status == 201 and kind == "create":
            key = json.loads(body)["key"]
        call = Call(kind, started, time.monotonic(), status, error, sent, key, retry_after)
        self.calls.append(call)
        return call

    def _run(self, i: int) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            title = f"Charge {i}-{n}"
            payload = {
                "desk": "ent",
                "type": "ticket",
                "category_id": self.category,
                "title": title,
                "description": f"Description {i}-{n}",
            }
            made = self._post("create", "/api/v1/tickets", self.tokens[i], payload, title, "")
            if made.status == 201:
                body = f"Suite {i}-{n}"
                path = f"/api/v1/tickets/{made.key}/comments"
                self._post("comment", path, self.tokens[i], {"body": body}, body, made.key)
            else:
                time.sleep(0.05)  # the server is down: try again soon, without spinning

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=TIMEOUT + 5)
        assert not any(t.is_alive() for t in self.threads), "a client is stuck"

    def created(self, since: float = 0.0) -> list[Call]:
        return [
            c for c in self.calls if c.kind == "create" and c.status == 201 and c.started > since
        ]


def _env(pg: pgcluster.Cluster, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "comptoir.settings",
        "DATABASE_URL": pg.url(),
        "COMPTOIR_CONN_MAX_AGE": "60",  # production's: persistent, with health checks
        "COMPTOIR_VAR_DIR": str(var),
        # As in production; also, processes starting together would race to write the
        # var directory's generated key.
        "COMPTOIR_SECRET_KEY": secrets.token_urlsafe(50),
        "COMPTOIR_API_RATE": "100000/min",
        "COMPTOIR_LOG_LEVEL": "WARNING",
    }


def _django(script: str, env: dict[str, str]) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", "import json, django; django.setup()\n" + script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _children(pid: int) -> dict[int, str]:
    """The processes `pid` started, with their command lines."""
    out = {}
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in path.read_text().split():
            try:
                cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            out[int(child)] = cmd.decode(errors="replace")
    return out


def _web_workers(pid: int) -> set[int]:
    return {child for child, cmd in _children(pid).items() if "-m comptoir" not in cmd}


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def _instance(env: dict[str, str], folder: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`comptoir serve`'s instance (run_instance: gunicorn, worker, scheduler, watcher),
    without collectstatic (WhiteNoise serves from the finders); stopped with SIGTERM."""
    port = pgcluster.free_port()
    log = (folder / "instance.log").open("wb")
    instance = subprocess.Popen(
        [sys.executable, "-c", INSTANCE % port],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}", instance
    finally:
        instance.send_signal(signal.SIGTERM)
        try:
            instance.wait(timeout=40)
        except subprocess.TimeoutExpired:
            instance.kill()
            instance.wait()
        log.close()
        # Shown when the test fails: what the instance said last.
        print((folder / "instance.log").read_text(errors="replace")[-3000:])


def _fill(pg: pgcluster.Cluster, env: dict[str, str]) -> float:
    """The suite's database copied into the cluster; migrated there if pg_dump cannot read
    the suite's server (a newer major version than these binaries, say): slower, as good."""
    try:
        return pgcluster.copy_database(connection.settings_dict, pg.url())
    except RuntimeError as exc:
        print(f"copying failed, migrating instead: {exc}")
    started = time.monotonic()
    pg.psql(f"DROP DATABASE {pgcluster.DATABASE}")  # what the failed copy left
    pg.psql(f"CREATE DATABASE {pgcluster.DATABASE}")
    for argv in (("migrate", "--noinput"), ("createcachetable",), ("preset", "load", *PRESETS)):
        done = subprocess.run(
            [sys.executable, "-m", "comptoir", *argv],
            env=env,
            cwd=ROOT,
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()[-3000:]
    return time.monotonic() - started


def test_postgresql_restarted_under_load(tmp_path):
    reason = pgcluster.missing()
    if reason:
        pytest.skip(reason)
    times: dict[str, float] = {}
    t0 = time.monotonic()
    with pgcluster.private_cluster() as pg:
        times["cluster"] = time.monotonic() - t0
        env = _env(pg, tmp_path / "var")
        times["copy"] = _fill(pg, env)
        started = time.monotonic()
        with _instance(env, tmp_path) as (base, instance):
            # The people are written while the instance boots: both take seconds.
            people = _django(f"CUSTOMERS = {CUSTOMERS}\n" + SETUP, env)
            _wait(lambda: _answers(base + "/login/"), 60, "the instance to answer")
            times["ready"] = time.monotonic() - started
            workers = _web_workers(instance.pid)
            load = Load(base, people["tokens"], people["category"])
            load.start()
            try:
                _wait(lambda: len(load.created()) >= 3, 30, "tickets before the restart")
                down = time.monotonic()
                pg.stop("fast")
                time.sleep(OUTAGE)
                pg.start()
                up = time.monotonic()
                time.sleep(AFTER)
            finally:
                load.finish()
            times["outage"] = up - down
            assert _web_workers(instance.pid) == workers  # no gunicorn worker was replaced
            _answered_and_recovered(load, down, up)
            with psycopg.connect(pg.url(), autocommit=True, row_factory=dict_row) as db:
                _nothing_half_written(db, load)
                waited = time.monotonic()
                _wait(lambda: _mail_left(db, load, up), 45, "the mail of the new tickets")
                times["mail"] = time.monotonic() - waited
    times["total"] = time.monotonic() - t0
    print(  # shown with -s
        f"{len(load.calls)} calls, {len(load.created())} tickets; "
        + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
    )


def _answered_and_recovered(load: Load, down: float, up: float) -> None:
    calls = load.calls
    assert all(c.status is not None for c in calls), [c.error for c in calls if c.status is None]
    assert max(c.ended - c.started for c in calls) < SLOW
    assert {c.status for c in calls} <= {201, 503}, {(c.status, c.error) for c in calls}
    failed = [c for c in calls if c.status == 503]
    assert failed, "no request met the outage"
    assert all(c.ended > down and c.started < up + 1 for c in failed), "a failure out of it"
    for c in failed:  # the database's trouble, said as such, and when to try again
        assert c.retry_after == str(RETRY_AFTER) and json.loads(c.error)["code"] == "unavailable", c
    after = [c for c in calls if c.started > up]
    assert len(after) >= 5 and all(c.status == 201 for c in after)
    assert load.created(since=up)


def _nothing_half_written(db: psycopg.Connection, load: Load) -> None:
    t, e, c = Ticket._meta.db_table, Event._meta.db_table, Comment._meta.db_table
    tickets = {
        r["id"]: r
        for r in db.execute(
            f"SELECT t.id, t.key, t.number, t.title, t.description, t.version, t.state, "
            f"s.is_initial, s.state AS status_state FROM {t} t "
            f"JOIN workflows_status s ON s.id = t.status_id"
        )
    }
    by_key = {r["key"]: r for r in tickets.values()}
    for call in load.created():  # every confirmed ticket, with what was sent
        assert by_key[call.key]["title"] == call.sent
    numbers = sorted(r["number"] for r in tickets.values())
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # no gap, no double
    events: dict[int, list[tuple[str, int | None]]] = {pk: [] for pk in tickets}
    for r in db.execute(f"SELECT ticket_id, kind, comment_id FROM {e} ORDER BY id"):
        events[r["ticket_id"]].append((r["kind"], r["comment_id"]))
    comments: dict[int, list[tuple[int, str]]] = {pk: [] for pk in tickets}
    for r in db.execute(f"SELECT id, ticket_id, body FROM {c} ORDER BY id"):
        comments[r["ticket_id"]].append((r["id"], r["body"]))
    texts = {r["ticket_id"]: r for r in db.execute(f"SELECT * FROM {TEXT_TABLE}")}
    notified = {
        r["ticket_id"]: r["n"]
        for r in db.execute(
            f"SELECT ticket_id, count(*) AS n FROM {Outbox._meta.db_table} "
            "WHERE kind = 'created' GROUP BY ticket_id"
        )
    }
    for pk, row in tickets.items():
        said = comments[pk]
        assert events[pk] == [("created", None)] + [("comment", cid) for cid, _b in said], row
        assert row["is_initial"] and row["state"] == row["status_state"] == "open"
        assert row["version"] == 1 + len(said)
        text = texts[pk]
        assert row["key"] in text["head"] and row["title"] in text["head"]
        assert text["body"] == row["description"] + "".join("\n" + b for _c, b in said)
    assert len(set(notified.values())) == 1 and set(notified) == set(tickets), notified
    bodies = [b for said in comments.values() for _c, b in said]
    confirmed = [call.sent for call in load.calls if call.kind == "comment" and call.status == 201]
    assert all(bodies.count(b) == 1 for b in confirmed)
    assert len(bodies) == len(set(bodies))  # a failed request never wrote twice


def _mail_left(db: psycopg.Connection, load: Load, up: float) -> bool:
    """Every notification of a ticket filed after the restart is sent; none failed."""
    o, t = Outbox._meta.db_table, Ticket._meta.db_table
    rows = db.execute(
        f"SELECT t.key, o.state FROM {o} o JOIN {t} t ON t.id = o.ticket_id"
    ).fetchall()
    assert "failed" not in {r["state"] for r in rows}
    after = {call.key for call in load.created(since=up)}
    return all(r["state"] == "sent" for r in rows if r["key"] in after)
