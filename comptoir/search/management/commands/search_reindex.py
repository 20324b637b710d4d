"""`comptoir search_reindex [KEY…]`: write the search text of tickets again, set-based.

The ticket actions keep the text current; this is for a backfill (an import that wrote
tickets in bulk, a restored dump, a change of what is indexed). Each chunk of ticket ids is
its own transaction, so it can be stopped and run again.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from comptoir.search import index
from comptoir.tickets.models import Ticket


class Command(BaseCommand):
    help = "Rebuild the full-text search index of tickets (all, or the keys given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("keys", nargs="*", metavar="KEY", help="only these tickets")
        parser.add_argument(
            "--chunk", type=int, default=index.CHUNK, help="ticket ids per transaction"
        )

    def handle(self, *args: Any, keys: list[str], chunk: int, **options: Any) -> None:
        if chunk < 1:
            raise CommandError("--chunk must be a positive number.")
        ids = None
        if keys:
            found = dict(Ticket.objects.filter(key__in=keys).values_list("key", "pk"))
            missing = sorted(set(keys) - set(found))
            if missing:
                raise CommandError("Unknown ticket keys: " + ", ".join(missing))
            ids = list(found.values())
        started = time.monotonic()

        def progress(done: int) -> None:
            if self.verbosity > 1:
                self.stdout.write(f"{done} tickets…")

        done = index.rebuild(ids, chunk=chunk, progress=progress)
        took = time.monotonic() - started
        self.stdout.write(f"Indexed {done} tickets in {took:.1f} s.")
