"""Workload W's bulk loader, run as a child process whose DATABASE_URL names the workload
database (`comptoir bench seed`, seed.py) after `migrate` and `comptoir preset load`:

    python -m comptoir.bench.seed_steps load --tickets N --seed S

It writes the people and catalogue around the presets (seed_people.py), then the tickets
and everything that hangs off them in batches, each batch one transaction, and prints the
manifest's data as JSON on its last line (progress goes to stderr).

This module writes ticket and billing rows directly, not through the actions: a million
tickets through `ticket_create` would take hours, and the point is a realistic database,
not a replay. The one-write-path checks (tickets/tests/test_write_path.py,
billing/tests/test_time_write_path.py) name it as the one allowed bulk writer. It refuses
a database that is not a workload (`require_scratch`). On PostgreSQL the rows go in with
COPY and the foreign-key triggers off for the session (`session_replication_role`; every
id is made here, from rows this process wrote or read); on SQLite with `executemany` and
foreign keys off for the connection. Desk counters and id sequences are set afterwards,
so tickets created through the actions later follow on.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import queue
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

BATCH = 2000  # tickets per transaction (about 25,000 rows)
LONG_COMMENTS = 200  # the ticket page benchmark's long timeline: 200 comments, 203 events


class Progress:
    """A one-line progress bar on stderr (no dependency): done, rate, time left."""

    def __init__(self, total: int, what: str) -> None:
        self.total, self.what, self.start, self.shown = total, what, time.perf_counter(), 0.0

    def update(self, done: int) -> None:
        now = time.perf_counter()
        if now - self.shown < 0.5 and done < self.total:
            return
        self.shown = now
        rate = done / max(now - self.start, 1e-9)
        left = (self.total - done) / rate if rate else 0
        bar = "#" * int(30 * done / max(self.total, 1))
        sys.stderr.write(
            f"\r{self.what} [{bar:<30}] {done:,}/{self.total:,} {rate:,.0f}/s, {left:,.0f} s left "
        )
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


class Writer:
    """Rows as tuples in a table's column order, written the fastest way each backend has."""

    def __init__(self) -> None:
        from django.db import connection

        from comptoir.bench.seed_gen import COLUMNS
        from comptoir.billing.models import TimeEntry, TimeTask
        from comptoir.tickets.models import Attachment, Comment, Event, Ticket

        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        models = {
            "ticket": Ticket,
            "comment": Comment,
            "attachment": Attachment,
            "event": Event,
            "timetask": TimeTask,
            "timeentry": TimeEntry,
        }
        self.sql: dict[str, str] = {}
        self.oids: dict[str, list[int]] = {}
        if self.pg:
            connection.ensure_connection()
            connection.connection.adapters.register_dumper(None, _jsonb_text_dumper())
        for name, model in models.items():
            columns = [model._meta.get_field(f.removesuffix("_id")).column for f in COLUMNS[name]]
            missing = [
                f.name
                for f in model._meta.concrete_fields
                if not f.null and f.column not in columns
            ]
            if missing:  # a new column the generator does not fill: say so, do not guess
                raise SystemExit(f"seed_gen.COLUMNS[{name!r}] misses {', '.join(missing)}")
            table, cols = model._meta.db_table, ", ".join(columns)
            marks = ", ".join(["%s"] * len(columns))
            if self.pg:
                self.oids[name] = self._oids(table, columns)
            self.sql[name] = (
                f"COPY {table} ({cols}) FROM STDIN (FORMAT binary)"
                if self.pg
                else f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608 (model names)
            )
        self.models = models

    def _oids(self, table: str, columns: list[str]) -> list[int]:
        """Each column's type, for binary COPY (psycopg then converts in C)."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0",
                [table],
            )
            types = dict(cursor.fetchall())
        return [types[c] for c in columns]

    def ts(self):
        """How a timestamp (epoch seconds) is passed: an aware datetime to psycopg, the
        text Django's SQLite backend stores (naive UTC) to sqlite3."""
        if self.pg:
            return lambda s: datetime.fromtimestamp(s, UTC)
        return lambda s: time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s))

    def secondary_indexes(self) -> list[tuple[str, str]]:
        """(name, definition) of the plain indexes of the tables written here: they are
        dropped for the load and built again after it, which sorts once instead of
        updating ~45 b-trees per ticket row by row. Primary keys and unique indexes stay,
        so a duplicate key still fails the load."""
        tables = [m._meta.db_table for m in self.models.values()]
        with self.connection.cursor() as cursor:
            if self.pg:
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                    "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                    "WHERE c.relname = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary "
                    "ORDER BY 1",
                    [tables],
                )
                return list(cursor.fetchall())
            marks = ", ".join(["%s"] * len(tables))
            query = (
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
                f"AND tbl_name IN ({marks}) AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY 1"
            )
            cursor.execute(query, tables)
            return list(cursor.fetchall())

    def drop_indexes(self, indexes: list[tuple[str, str]]) -> None:
        with self.connection.cursor() as cursor:
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")

    def create_indexes(self, indexes: list[tuple[str, str]], progress: Progress) -> None:
        with self.connection.cursor() as cursor:
            if self.pg:
                cursor.execute("SET maintenance_work_mem = '256MB'")
            for done, (_name, sql) in enumerate(indexes, 1):
                cursor.execute(sql)
                progress.update(done)

    def begin(self) -> None:
        with self.connection.cursor() as cursor:
            if self.pg:
                cursor.execute("SET synchronous_commit = off")
                cursor.execute("SHOW is_superuser")
                if cursor.fetchone()[0] == "on":
                    cursor.execute("SET session_replication_role = replica")
            else:
                self.connection.disable_constraint_checking()
                cursor.execute("PRAGMA synchronous = OFF")

    def end(self) -> None:
        with self.connection.cursor() as cursor:
            if self.pg:
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                self.connection.enable_constraint_checking()
                cursor.execute("PRAGMA synchronous = NORMAL")

    def write(self, tables: dict[str, list[tuple]]) -> None:
        from django.db import transaction

        with transaction.atomic(), self.connection.cursor() as cursor:
            for name, rows in tables.items():
                if not rows:
                    continue
                if self.pg:
                    with cursor.cursor.copy(self.sql[name]) as copy:
                        copy.set_types(self.oids[name])
                        for row in rows:
                            copy.write_row(row)
                else:
                    if name.startswith("time"):
                        rows = [tuple(_plain(v) for v in row) for row in rows]
                    cursor.executemany(self.sql[name], rows)


def _jsonb_text_dumper():
    """Binary COPY of a jsonb column from JSON text made by the generator: the format's
    version byte, then the text, instead of parsing and dumping it again."""
    import psycopg
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class JsonbText(Dumper):
        format = Format.BINARY
        oid = psycopg.adapters.types["jsonb"].oid

        def dump(self, obj: str) -> bytes:
            return b"\x01" + obj.encode()

    return JsonbText


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def first_ids(writer: Writer) -> dict[str, int]:
    """The next free id of each table the generator fills (empty after a fresh setup)."""
    return {
        name: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        for name, model in writer.models.items()
    }


def rates(organisation_ids: list[int], valid_from) -> None:
    """An hourly rate for a few customers, so their statements have amounts."""
    from decimal import Decimal

    from comptoir.billing.models import Rate

    Rate.objects.bulk_create(
        Rate(organisation_id=org, hourly_rate=Decimal(85 + 5 * i), valid_from=valid_from)
        for i, org in enumerate(organisation_ids)
    )


def rebuild_search(*, parallel: int) -> None:
    """`comptoir.search.index.rebuild()` over the tickets' ids, split in `parallel`
    ranges each rebuilt by its own thread and connection: the work is the database's
    (text vectors), so on PostgreSQL two connections use two cores. SQLite has one
    writer: one range."""
    from django.db import connections
    from django.db.models import Max, Min

    from comptoir.search import index
    from comptoir.tickets.models import Ticket

    bounds = Ticket.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    low, high = bounds["low"], bounds["high"] + 1
    step = -(-(high - low) // parallel)
    bar, done, lock = (
        Progress(Ticket.objects.count(), "search index"),
        [0] * parallel,
        threading.Lock(),
    )
    errors: list[BaseException] = []

    def part(n: int) -> None:
        def tell(count: int) -> None:
            with lock:
                done[n] = count
                bar.update(sum(done))

        try:
            ids = range(low + n * step, min(low + (n + 1) * step, high))
            index.rebuild(ids if parallel > 1 else None, progress=tell)
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=part, args=(n,)) for n in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    bar.update(bar.total)


def finish(writer: Writer) -> dict[str, float]:
    """Counters and statistics after the bulk load, each timed."""
    from django.core.management.color import no_style
    from django.db import connection
    from django.db.models import Max

    from comptoir.catalog.models import Desk
    from comptoir.tickets.models import Ticket

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    for desk_id, top in Ticket.objects.values_list("desk_id").annotate(top=Max("number")):
        Desk.objects.filter(pk=desk_id, next_number__lte=top).update(next_number=top + 1)
    if writer.pg:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), writer.models.values()):
                cursor.execute(sql)
    seconds["counters"] = time.perf_counter() - start
    start = time.perf_counter()
    if importlib.util.find_spec("comptoir.search.index") is None:
        print("search index: comptoir.search.index is absent, not rebuilt", file=sys.stderr)
    else:
        rebuild_search(parallel=2 if writer.pg else 1)
        seconds["search"] = time.perf_counter() - start
    start = time.perf_counter()
    with connection.cursor() as cursor:
        if writer.pg:
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA optimize")
    seconds["analyze"] = time.perf_counter() - start
    return seconds


def load(tickets: int, seed: int) -> dict[str, Any]:
    from django.conf import settings

    from comptoir.bench import seed_people
    from comptoir.bench.seed_gen import Generator
    from comptoir.bench.seed_text import COMMON, RARE, TextPools

    phases: dict[str, float] = {}
    start = time.perf_counter()
    people = seed_people.setup(seed)
    rates(people["rated"], people["rates_from"])
    media = seed_people.sample_file(settings.MEDIA_ROOT)
    phases["people"] = time.perf_counter() - start

    start = time.perf_counter()
    world = seed_people.world(people)
    writer = Writer()
    texts = TextPools(__import__("random").Random(seed)).build()
    gen = Generator(
        world, seed=seed, total=tickets, ids=first_ids(writer), ts=writer.ts(), texts=texts,
        zone=settings.TIME_ZONE,
    )  # fmt: skip
    phases["pools"] = time.perf_counter() - start

    start = time.perf_counter()
    indexes = writer.secondary_indexes()
    writer.drop_indexes(indexes)
    writer.begin()
    progress = Progress(tickets, "tickets")
    batches: queue.Queue = queue.Queue(maxsize=2)
    keys: list[str] = []

    def produce() -> None:
        """Makes the next batches while this thread waits for the database."""
        try:
            done = 0
            while done < tickets:
                n = min(BATCH, tickets - done)
                rows = gen.batch(n)
                if done + n >= tickets:  # the long timeline goes with the last batch
                    keys.append(
                        gen.ticket(rows, comments=LONG_COMMENTS, long_for=world.sample_agent)
                    )
                done += n
                batches.put((done, rows))
        finally:
            batches.put(None)

    producer = threading.Thread(target=produce, daemon=True)
    try:
        producer.start()
        while (item := batches.get()) is not None:
            writer.write(item[1].tables)
            progress.update(item[0])
        producer.join()
        if not keys:
            raise SystemExit("the generator stopped early; see the error above")
        long_key = keys[0]
    finally:
        writer.end()
        phases["tickets"] = time.perf_counter() - start
        start = time.perf_counter()
        writer.create_indexes(indexes, Progress(len(indexes), "indexes"))
        phases["indexes"] = time.perf_counter() - start
    phases.update(finish(writer))
    counts = seed_people.counts()
    return {
        **people["manifest"],
        "tickets": tickets,
        "seed": seed,
        "media_root": str(settings.MEDIA_ROOT),
        "attachment_file": media,
        "keys": {"open_sample": list(gen.open_keys), "long_timeline": long_key},
        "sample_customers_with_open_tickets": seed_people.usernames(gen.open_affected),
        "search": {"rare": RARE, "common": COMMON},
        "rate_organisation": seed_people.rate_organisation(gen.time_orgs),
        "counts": counts,
        "seconds": phases,
        # Rows and the indexes built again after them: what a seeding of N tickets costs.
        "tickets_per_second": tickets / (phases["tickets"] + phases["indexes"]),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m comptoir.bench.seed_steps")
    parser.add_argument("step", choices=["load"])
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    import django

    django.setup()
    from comptoir.bench.scratch import require_scratch

    require_scratch()
    print(json.dumps(load(args.tickets, args.seed), default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
