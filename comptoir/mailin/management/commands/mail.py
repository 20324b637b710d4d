"""`comptoir mail`: the e-mail channel's entry points (MAIL-4).

`ingest [--desk SLUG] FILE…|-` takes raw messages from files or standard input (an MTA
pipe: `| comptoir mail ingest --desk spt -`) and prints one JSON line per message; its exit
status is 0 whatever the messages' outcomes, so an MTA never bounces or retries a message
Comptoir has recorded. `poll` reads the IMAP mailboxes once, `smtpd` listens for SMTP.
"""

from __future__ import annotations

import json
import sys
from importlib import import_module
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from comptoir.catalog.models import Desk
from comptoir.mailin.ingest import IngestResult, ingest


class Command(BaseCommand):
    help = "E-mail in: ingest raw messages, poll the IMAP mailboxes, or run the SMTP listener."
    stealth_options = ("stdin",)  # call_command(..., stdin=BytesIO(...)) in tests

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        one = sub.add_parser("ingest", help="Ingest raw RFC 822 messages (files, or - for stdin).")
        one.add_argument("files", nargs="+", metavar="FILE")
        one.add_argument("--desk", metavar="SLUG", help="Force the desk (a pipe per address).")
        sub.add_parser("poll", help="Read every IMAP mailbox once.")
        smtpd = sub.add_parser("smtpd", help="Receive mail over SMTP.")
        smtpd.add_argument("--host", default="127.0.0.1")
        smtpd.add_argument("--port", type=int, default=2525)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        self.stdin = options.get("stdin") or sys.stdin
        if action == "ingest":
            self.ingest(options["files"], options.get("desk"))
        elif action == "poll":
            summary = import_module("comptoir.mailin.imap").poll_all()
            self.stdout.write(json.dumps(summary, default=str))
        else:
            import_module("comptoir.mailin.smtpd").run(options["host"], options["port"])

    def ingest(self, files: list[str], slug: str | None) -> None:
        desk = None
        if slug:
            desk = Desk.objects.filter(slug=slug).first()
            if desk is None:
                raise CommandError(f"no desk {slug!r}")
        for name in files:
            try:
                raw = self.read(name)
            except OSError as exc:
                self.line(name, None, f"unreadable: {exc.strerror or exc}")
                continue
            self.line(name, ingest(raw, desk=desk, source="pipe" if name == "-" else "file"))

    def read(self, name: str) -> bytes:
        if name == "-":
            stream = self.stdin
            data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
            return data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
        with open(name, "rb") as fh:
            return fh.read()

    def line(self, name: str, result: IngestResult | None, error: str = "") -> None:
        row = {
            "file": name,
            "result": result.result if result else "error",
            "ticket": result.ticket.key if result and result.ticket else None,
            "reason": result.reason if result else error,
        }
        self.stdout.write(json.dumps(row, ensure_ascii=False))
