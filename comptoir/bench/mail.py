"""`comptoir bench mail`: how many messages per second come in through `ingest()` and go
out through the outbox's delivery.

On a scratch database (scratch.py) with a scratch folder for the attachments and raw
messages, child processes migrate, load the presets with `comptoir preset load`, create a
desk's customers, agents and mailbox (mail_steps.py), then:

1. ingest N generated messages (mail_messages.py: new requests with a screenshot, replies
   threaded by In-Reply-To, in French, with an HTML alternative) through `ingest()` one by
   one, timed per kind, refusing the run unless each gave the expected outcome;
2. deliver the outbox rows those ingests wrote (each new request tells its requester and
   the service's two agents: 1.5 rows per message with the default mix) by calling the
   `deliver_outbox` task until nothing is due, over SMTP to an aiosmtpd sink on a free
   loopback port run by this process, refusing the run unless every row was sent once and
   the sink received exactly those messages.
"""

from __future__ import annotations

import json
import shutil
import socket
import sys
import tempfile
import threading
from argparse import ArgumentParser, ArgumentTypeError
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from comptoir.bench.machine import describe
from comptoir.bench.mail_messages import KINDS
from comptoir.bench.options import among, positive
from comptoir.bench.scratch import PREFIX, Scratch, run_child, scratch_database

HELP = "Mail throughput: N generated messages through ingest(), then the outbox over SMTP."
STEPS = "comptoir.bench.mail_steps"
PRESETS = ("spt", "ent", "itil", "n123")
# Settings a caller's shell may hold that would send the children's files or mail
# elsewhere than the scratch folder and the sink.
UNSET = (
    "COMPTOIR_MEDIA_ROOT",
    "COMPTOIR_EMAIL_BACKEND",
    "COMPTOIR_SMTP_USER",
    "COMPTOIR_SMTP_PASSWORD",
    "COMPTOIR_S3_BUCKET",
)


def _mix(value: str) -> list[str]:
    kinds = among(value, KINDS, "kind")
    if "new" not in kinds:
        raise ArgumentTypeError("a reply needs a request to answer: the mix must include new")
    return kinds


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--messages",
        type=positive,
        default=1000,
        help="Messages to ingest; the outbox rows they write are then delivered.",
    )
    parser.add_argument(
        "--mix",
        type=_mix,
        default=["new", "reply"],
        help="new: requests from known customers with a screenshot attached; reply: answers "
        "to them threaded by In-Reply-To (half the messages). Comma-separated.",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="A PostgreSQL server URL (postgres://user@host:port/db); a scratch database is "
        "created on it and dropped at the end. Default: a temporary SQLite file.",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="Seconds a step may take.")


@dataclass
class Sink:
    """The aiosmtpd handler: accepts every recipient and keeps each message's Message-ID."""

    message_ids: list[str] = field(default_factory=list)
    recipients: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        headers = BytesHeaderParser().parsebytes(bytes(envelope.original_content))
        with self.lock:
            self.message_ids.append(str(headers.get("Message-ID", "")).strip())
            self.recipients += len(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Row:
    backend: str
    step: str
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


class Children:
    """Runs the steps against the scratch database with the scratch folder as var dir."""

    def __init__(self, db: Scratch, var_dir: Path, timeout: float) -> None:
        self.db, self.var_dir, self.timeout = db, var_dir, timeout

    def run(self, argv: list[str], **extra: str) -> str:
        env = {**self.db.env(), "COMPTOIR_VAR_DIR": str(self.var_dir)}
        env["COMPTOIR_TASKS_BACKEND"] = "db"  # the queue in the scratch database, not Redis
        for name in UNSET:
            env.pop(name, None)
        env.update(extra)
        return run_child(argv, env=env, timeout=self.timeout)

    def step(self, *args: str, **extra: str) -> dict[str, Any]:
        out = self.run([sys.executable, "-m", STEPS, *args], **extra)
        return json.loads(out.strip().splitlines()[-1])


def check_ingest(report: dict[str, Any], *, messages: int) -> None:
    """Refuse a run whose messages did not all give the expected outcome."""
    if report["problems"]:
        raise CommandError("the ingest is not valid: " + "; ".join(report["problems"]))
    if report["messages"] != messages:
        raise CommandError(f"{report['messages']} messages generated, expected {messages}")


def check_delivery(report: dict[str, Any], sink: Sink) -> None:
    """Refuse a delivery unless every row was sent, once, and the sink received exactly
    those messages."""
    rows, problems = report["rows"], []
    if report["states"] != {"sent": rows}:
        problems.append(f"expected {rows} rows sent, found {report['states']}")
    if report["totals"]["sent"] != rows or report["totals"]["retry"] or report["totals"]["failed"]:
        problems.append(f"delivery counted {report['totals']} for {rows} rows")
    received = Counter(sink.message_ids)
    if twice := [mid for mid, n in received.items() if n > 1]:
        problems.append(f"{len(twice)} messages received more than once")
    if sorted(received) != sorted(report["message_ids"]):
        problems.append(
            f"the sink received {len(sink.message_ids)} messages, not the {rows} rows' own"
        )
    if sink.recipients != rows:
        problems.append(f"the sink received {sink.recipients} recipients for {rows} rows")
    if not rows:
        problems.append("the ingests wrote no outbox rows to deliver")
    if problems:
        errors = "".join(f"\n  {e}" for e in report["errors"])
        raise CommandError("the delivery is not valid: " + "; ".join(problems) + errors)


def deliver(children: Children) -> tuple[dict[str, Any], Sink]:
    from aiosmtpd.controller import Controller

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = children.step(
            "deliver",
            COMPTOIR_SMTP_HOST="127.0.0.1",
            COMPTOIR_SMTP_PORT=str(port),
            COMPTOIR_SMTP_SECURITY="none",
        )
    finally:
        controller.stop()
    return report, sink


def table(rows: list[Row]) -> list[str]:
    """A Markdown table, to paste into docs/benchmarks.md as printed."""
    lines = ["| backend | step | messages | seconds | messages/s |", "|---|---|--:|--:|--:|"]
    for r in rows:
        lines.append(f"| {r.backend} | {r.step} | {r.messages} | {r.seconds:.2f} | {r.rate:.1f} |")
    return lines


def run(options: dict[str, Any], out: OutputWrapper) -> None:
    n, mix = options["messages"], options["mix"]
    for line in describe():
        out.write(line)
    out.write(f"date: {datetime.now().astimezone().isoformat(timespec='minutes')}")
    var_dir = Path(tempfile.mkdtemp(prefix=PREFIX + "files_"))
    try:
        with scratch_database(options["database_url"]) as db:
            out.write(f"database: {db.backend} {db.version} (scratch: {db.label})")
            children = Children(db, var_dir, options["timeout"])
            children.run(db.argv("migrate", "--noinput", "--verbosity", "0"))
            children.run(db.argv("preset", "load", *PRESETS))
            children.step("setup")
            ingested = children.step("ingest", str(n), ",".join(mix))
            check_ingest(ingested, messages=n)
            out.write(
                f"ingest: {n} messages ({ingested['bytes'] / n / 1024:.1f} KiB each on "
                f"average), every one created or appended as expected"
            )
            delivered, sink = deliver(children)
            check_delivery(delivered, sink)
            out.write(
                f"deliver: {delivered['rows']} outbox rows sent once each in "
                f"{delivered['calls']} task calls; the sink received {len(sink.message_ids)} "
                "messages"
            )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    out.write(f"scratch database removed: {db.label}")
    out.write(f"scratch files removed: {var_dir}")
    rows = [Row(db.backend, s["step"], s["messages"], s["seconds"]) for s in ingested["steps"]]
    if len(rows) > 1:
        rows.append(Row(db.backend, "ingest: all", n, sum(r.seconds for r in rows)))
    rows.append(Row(db.backend, "parse only (no database)", n, ingested["parse_seconds"]))
    rows.append(Row(db.backend, "deliver (SMTP)", delivered["rows"], delivered["seconds"]))
    out.write("")
    for line in table(rows):
        out.write(line)
    out.write("")
    out.write(
        "seconds: the loop alone, in one process (ingest() per message; deliver_outbox until "
        "nothing is due); start-up, setup and checks excluded. parse only: the same "
        "messages parsed again (headers, text, attachments) without the database."
    )
