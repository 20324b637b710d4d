"""`comptoir bench seed` builds workload W for real, small (300 tickets), on a SQLite
workload under a temporary var/bench; then the app itself reads it: an agent's queues, a
customer's scope, a ticket created through the actions after the bulk load. Times are
never asserted (docs/benchmarks.md records them)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from comptoir.bench import scratch
from comptoir.bench.seed import default_name, manifest_path
from comptoir.bench.seed_text import COMMON, RARE
from comptoir.bench.tests import POSTGRESQL_WORKLOAD, SQLITE_WORKLOAD

ROOT = Path(__file__).resolve().parents[3]
TICKETS = 300


def seed(name: str, *args: str) -> dict:
    call_command(
        "bench", "seed", "--tickets", str(TICKETS), "--name", name, "--timeout", "300", *args,
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )  # fmt: skip
    return json.loads(manifest_path(name).read_text())


def rows(path: str, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


@pytest.fixture(scope="module")
def workload(tmp_path_factory):
    """One seeding (a migration and the presets cost most of it), dropped at the end."""
    folder = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scratch, "WORKLOADS", folder)
        yield seed("t1", "--seed", "5"), folder
        call_command("bench", "drop", "--name", "t1", stdout=open(os.devnull, "w"))  # noqa: SIM115
        assert not (folder / "comptoir_bench_t1").exists()
        assert not (folder / "comptoir_bench_t1.json").exists()


@SQLITE_WORKLOAD
def test_the_workload_has_the_promised_shape(workload):
    m, _ = workload
    db = m["label"]
    counts = m["counts"]
    assert counts["tickets.Ticket"] == TICKETS + 1  # and the long timeline
    assert counts["accounts.Organisation"] == 51 and counts["accounts.Site"] == 200
    assert counts["accounts.User"] == 5101  # 5,000 customers, 100 agents, an administrator
    assert counts["catalog.Service"] == 20 and counts["catalog.Category"] == 100
    assert 3 * TICKETS < counts["tickets.Comment"] < 6 * TICKETS
    assert counts["tickets.Event"] > TICKETS + counts["tickets.Comment"]
    assert counts["billing.TimeEntry"] > 0 and counts["billing.Rate"] == 5
    assert counts["tickets.Attachment"] > 0
    states = Counter(dict(rows(db, "SELECT state, count(*) FROM tickets_ticket GROUP BY 1")))
    assert 0.15 < states["open"] / TICKETS < 0.35 and 0.5 < states["closed"] / TICKETS < 0.8
    # Every status is one of the ticket type's workflow, of the ticket's state.
    assert rows(
        db,
        "SELECT count(*) FROM tickets_ticket t JOIN workflows_status s ON s.id = t.status_id "
        "JOIN catalog_tickettype y ON y.id = t.type_id "
        "WHERE s.workflow_id != y.workflow_id OR s.state != t.state",
    ) == [(0,)]
    # One comment event per comment; keys follow each desk's prefix and counter.
    assert rows(db, "SELECT count(*) FROM tickets_event WHERE kind = 'comment'") == [
        (counts["tickets.Comment"],)
    ]
    for prefix, next_number, top, n in rows(
        db,
        "SELECT d.key_prefix, d.next_number, max(t.number), count(*) FROM catalog_desk d "
        "JOIN tickets_ticket t ON t.desk_id = d.id GROUP BY d.id",
    ):
        assert next_number == top + 1 == n + 1
        assert rows(
            db, f"SELECT key FROM tickets_ticket WHERE number = {top} AND key LIKE '{prefix}%'"
        )
    long_events = rows(
        db,
        "SELECT count(*) FROM tickets_event e JOIN tickets_ticket t ON t.id = e.ticket_id "
        f"WHERE t.key = '{m['keys']['long_timeline']}'",
    )[0][0]
    assert long_events >= 200
    assert m["search"] == {"rare": RARE, "common": COMMON}
    assert len(m["keys"]["open_sample"]) > 0 and m["rate_organisation"]["id"]
    assert Path(m["attachment_file"]).exists()


def regenerate(m: dict, seed: int) -> list[tuple[str, str]]:
    """The tickets' keys and titles the generator makes again from the seeded reference
    rows: the same seed must give the rows in the database."""
    import random

    from comptoir.bench import seed_people
    from comptoir.bench.seed_gen import COLUMNS, Generator
    from comptoir.bench.seed_text import TextPools

    world = seed_people.world({"sample_agent": m["agent"]["id"]})
    for desk in world.desks.values():
        desk["next"] = 1
    texts = TextPools(random.Random(seed)).build()
    gen = Generator(
        world, seed=seed, total=m["tickets"], ids=dict.fromkeys(COLUMNS, 1), ts=int, texts=texts
    )
    return [(row[3], row[12]) for row in gen.batch(m["tickets"]).tables["ticket"]]


def verify() -> None:
    """Run in a child whose DATABASE_URL names the workload: the app's own selectors and
    actions on the seeded rows; prints what it found as JSON."""
    from comptoir.accounts.models import User
    from comptoir.catalog.models import Category, Desk, TicketType
    from comptoir.console.selectors import queue_queryset
    from comptoir.tickets.actions import ticket_create
    from comptoir.tickets.models import Ticket
    from comptoir.tickets.selectors import ticket_get, timeline, visible_tickets

    m = json.loads(Path(os.environ["SEED_MANIFEST"]).read_text())
    seeded = list(Ticket.objects.order_by("pk").values_list("key", "title")[: m["tickets"]])
    agent = User.objects.get(username=m["agent"]["username"])
    queues = {q: list(queue_queryset(agent, q)[:200]) for q in ("free", "mine")}
    sample = [ticket_get(actor=agent, key=k) for k in m["keys"]["open_sample"]]
    long = ticket_get(actor=agent, key=m["keys"]["long_timeline"])
    customer = User.objects.get(username=m["sample_customers_with_open_tickets"][0]["username"])
    seen = visible_tickets(customer)
    manager = User.objects.get(username=m["customer_manager"]["username"])
    desk = Desk.objects.get(slug="spt")
    expected = f"{desk.key_prefix}{desk.next_number}"
    created = ticket_create(
        actor=customer, desk=desk, type=TicketType.objects.get(desk=desk, code="support"),
        category=Category.objects.filter(service__desk=desk).first(),
        title="Après le chargement", description="Le numéro suivant.",
    )  # fmt: skip
    out = {
        "free": len(queues["free"]),
        "mine": len(queues["mine"]),
        "queue_services": sorted({t.service_id for q in queues.values() for t in q}),
        "agent_services": m["agent"]["services"],
        "sample_open": sorted({t.state for t in sample}),
        "timeline": timeline(actor=agent, ticket=long).count(),
        "customer_seen": seen.count(),
        "customer_orgs": sorted(set(seen.values_list("organisation_id", flat=True))),
        "customer_org": customer.organisation_id,
        "manager_sites": sorted(set(visible_tickets(manager).values_list("site_id", flat=True))),
        "manager_site": manager.site_id,
        "created": created.key,
        "expected": expected,
        "same_seed": regenerate(m, m["seed"]) == seeded,
        "other_seed": regenerate(m, m["seed"] + 1) == seeded,
    }
    print(json.dumps(out))


@SQLITE_WORKLOAD
def test_the_app_reads_and_writes_the_seeded_rows(workload):
    m, folder = workload
    code = (
        "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'comptoir.settings');"
        "django.setup(); from comptoir.bench.tests.test_bench_seed import verify; verify()"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{m['label']}"}
    env["SEED_MANIFEST"] = str(folder / "comptoir_bench_t1.json")
    env["COMPTOIR_MEDIA_ROOT"] = m["media_root"]
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["mine"] > 0 and got["free"] >= 0
    assert set(got["queue_services"]) <= set(got["agent_services"])
    assert got["sample_open"] == ["open"]
    assert got["timeline"] >= 200
    assert got["customer_seen"] > 0 and got["customer_orgs"] == [got["customer_org"]]
    assert got["manager_sites"] == [got["manager_site"]]
    assert got["created"] == got["expected"]
    assert got["same_seed"] and not got["other_seed"]


def test_default_names_follow_the_size():
    assert [default_name(n) for n in (10_000, 100_000, 1_000_000, 2500)] == [
        "w10k",
        "w100k",
        "w1m",
        "w2500",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("seed", "--tickets", "0"), "at least 1"),
        (("seed", "--tickets", "lots"), "at least 1"),
        (("seed", "--tickets", "30000000"), "at most"),
        (("seed", "--name", "w-10k!"), "letters, digits and _ only"),
        (("seed", "--seed", "x"), "invalid int value"),
        (("seed", "--database-url", "mysql://u@h/db"), "PostgreSQL server URL"),
        (("drop",), "--name"),
        (("drop", "--name", "nosuch"), "no workload 'nosuch'"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(args, message, tmp_path, monkeypatch):
    monkeypatch.setattr(scratch, "WORKLOADS", tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("bench", *args, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert list(tmp_path.iterdir()) == []


def test_the_loader_refuses_a_database_that_is_not_a_workload(tmp_path):
    real = tmp_path / "real.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "comptoir.bench.seed_steps", "load", "--tickets", "1"],
        env={**os.environ, "DATABASE_URL": f"sqlite:///{real}"}, cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0 and "is not a scratch database" in done.stderr


@pytest.mark.postgres
@POSTGRESQL_WORKLOAD
def test_postgresql_seed_and_drop():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs a PostgreSQL server to create the workload database on")
    from comptoir.bench.tests.test_bench_jobs import _server_url

    url = _server_url()
    name = f"seedtest{os.getpid()}"
    try:
        call_command(
            "bench", "seed", "--tickets", "200", "--name", name, "--database-url", url,
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )  # fmt: skip
        m = json.loads(manifest_path(name).read_text())
        assert m["backend"] == "PostgreSQL" and m["counts"]["tickets.Ticket"] == 201
    finally:
        call_command("bench", "drop", "--name", name, "--database-url", url,
                     stdout=open(os.devnull, "w"))  # noqa: SIM115  # fmt: skip
    assert not manifest_path(name).exists()
