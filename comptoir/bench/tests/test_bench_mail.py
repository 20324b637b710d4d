"""`comptoir bench mail` runs for real, small: real ingests and a real SMTP sink on a
scratch database and folder that it removes, never the configured ones. Only the shape of
the output is checked, never a time: speed is recorded in docs/benchmarks.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from comptoir.bench.mail import Sink, check_delivery, check_ingest
from comptoir.bench.mail_messages import CUSTOMERS, MAILBOX, generate
from comptoir.bench.scratch import PREFIX
from comptoir.bench.tests import SQLITE_WORKLOAD
from comptoir.bench.tests.test_bench_jobs import _server_url
from comptoir.conftest import pg_only

ROOT = Path(__file__).resolve().parents[3]
ROW = re.compile(
    r"^\| (?P<backend>\w+) \| (?P<step>[^|]+?) \| (?P<messages>\d+) \| (?P<seconds>[\d.]+) "
    r"\| (?P<rate>[\d.]+) \|$",
    re.M,
)


def bench(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "comptoir", "bench", "mail", *args],
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def removed(output: str, what: str) -> str:
    return re.search(rf"^scratch {what} removed: (.+)$", output, re.M).group(1)


@SQLITE_WORKLOAD
def test_sqlite_run_prints_machine_and_table_and_leaves_nothing_behind(tmp_path):
    configured = tmp_path / "configured.sqlite3"
    var_dir = tmp_path / "var"
    out = bench(
        "--messages", "20",
        env={"DATABASE_URL": f"sqlite:///{configured}", "COMPTOIR_VAR_DIR": str(var_dir)},
    )  # fmt: skip
    assert re.search(r"^machine: \d+ CPUs", out, re.M)
    assert re.search(r"^load average at start: [\d.]+ ", out, re.M)
    assert re.search(r"^database: SQLite 3\.", out, re.M)
    assert "ingest: 20 messages" in out
    # 10 requests, each told to its requester and the service's two agents; the replies
    # tell nobody (the agents' default watch level).
    assert re.search(r"^deliver: 30 outbox rows sent once each .* received 30 messages", out, re.M)
    rows = [m.groupdict() for m in ROW.finditer(out)]
    assert [(r["backend"], r["step"], r["messages"]) for r in rows] == [
        ("SQLite", "ingest: new", "10"),
        ("SQLite", "ingest: reply", "10"),
        ("SQLite", "ingest: all", "20"),
        ("SQLite", "parse only (no database)", "20"),
        ("SQLite", "deliver (SMTP)", "30"),
    ]
    for r in rows:  # the arithmetic of the table, whatever the times (seconds to 0.01 s)
        rate, seconds = float(r["rate"]), float(r["seconds"])
        assert rate * seconds == pytest.approx(int(r["messages"]), abs=rate * 0.005 + 0.1)
    scratch = Path(removed(out, "database"))
    assert scratch.parent.name.startswith(PREFIX) and not scratch.parent.exists()
    files = Path(removed(out, "files"))
    assert files.name.startswith(PREFIX) and not files.exists()
    assert not configured.exists()  # the configured database was never opened
    assert not (var_dir / "media").exists()  # nor the configured attachments folder


@SQLITE_WORKLOAD
def test_new_requests_alone():
    out = bench("--messages", "10", "--mix", "new")
    rows = [m.groupdict() for m in ROW.finditer(out)]
    assert [(r["step"], r["messages"]) for r in rows] == [
        ("ingest: new", "10"),
        ("parse only (no database)", "10"),
        ("deliver (SMTP)", "30"),
    ]


@pg_only("needs a PostgreSQL server to create the scratch database on")
@pytest.mark.postgres
def test_postgresql_run_and_the_scratch_database_is_dropped():
    out = bench("--messages", "10", "--database-url", _server_url())
    assert re.search(r"^database: PostgreSQL \d+", out, re.M)
    rows = [m.groupdict() for m in ROW.finditer(out)]
    assert [(r["backend"], r["messages"]) for r in rows] == [("PostgreSQL", "5")] * 2 + [
        ("PostgreSQL", "10"),
        ("PostgreSQL", "10"),
        ("PostgreSQL", "15"),
    ]
    name = removed(out, "database").split(" ")[0]
    assert name.startswith(PREFIX)
    with psycopg.connect(_server_url()) as admin:
        left = admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
        assert left.fetchone()[0] == 0


def test_the_messages_are_what_a_french_desk_receives():
    messages = generate(5, ["new", "reply"])
    assert [m.kind for m in messages] == ["new"] * 3 + ["reply"] * 2
    assert len({m.raw for m in messages}) == 5  # distinct: none is a duplicate
    first = message_from_bytes(messages[0].raw, policy=policy.default)
    assert first["To"].addresses[0].addr_spec == MAILBOX
    assert first["From"].addresses[0].display_name == f"{CUSTOMERS[0][2]} {CUSTOMERS[0][3]}"
    assert "étage" in str(first["Subject"])
    assert first.get_body(("html",)) is not None and first.get_body(("plain",)) is not None
    (shot,) = first.iter_attachments()
    assert shot.get_content_type() == "image/png"
    assert shot.get_content().startswith(b"\x89PNG")
    answer = message_from_bytes(messages[3].raw, policy=policy.default)
    assert answer["In-Reply-To"] == f"<{messages[0].message_id}>"
    assert messages[3].parent_id == messages[0].message_id
    assert all(addr.isascii() for _u, addr, _f, _l in CUSTOMERS)  # SMTP without SMTPUTF8


def test_a_run_with_a_wrong_outcome_or_a_lost_message_is_refused():
    check_ingest({"problems": [], "messages": 4}, messages=4)
    with pytest.raises(CommandError, match="expected created"):
        check_ingest({"problems": ["<x>: refused (unknown_sender), expected created"],
                      "messages": 4}, messages=4)  # fmt: skip
    good = {
        "rows": 2,
        "states": {"sent": 2},
        "totals": {"sent": 2, "retry": 0, "failed": 0},
        "message_ids": ["<a@x>", "<b@x>"],
        "errors": [],
    }
    sink = Sink(message_ids=["<b@x>", "<a@x>"], recipients=2)
    check_delivery(good, sink)
    with pytest.raises(CommandError, match=r"expected 2 rows sent, found .*failed"):
        check_delivery({**good, "states": {"sent": 1, "failed": 1}}, sink)
    with pytest.raises(CommandError, match="received more than once"):
        check_delivery(good, Sink(message_ids=["<a@x>", "<a@x>", "<b@x>"], recipients=2))
    with pytest.raises(CommandError, match="the sink received 1 messages"):
        check_delivery(good, Sink(message_ids=["<a@x>"], recipients=2))
    with pytest.raises(CommandError, match="no outbox rows"):
        nothing = {**good, "rows": 0, "states": {}, "message_ids": []}
        check_delivery({**nothing, "totals": {"sent": 0, "retry": 0, "failed": 0}}, Sink())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("mail", "--messages", "0"), "at least 1"),
        (("mail", "--mix", "new,forward"), "unknown kind forward"),
        (("mail", "--mix", "reply"), "must include new"),
        (("mail", "--database-url", "mysql://u@h/db"), "PostgreSQL server URL"),
    ],
)
def test_bad_options_are_refused_before_any_work(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("bench", *args, stdout=open(os.devnull, "w"))  # noqa: SIM115


def test_the_steps_refuse_a_database_that_is_not_a_scratch_one(tmp_path):
    real = tmp_path / "real.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "comptoir.bench.mail_steps", "setup"],
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
