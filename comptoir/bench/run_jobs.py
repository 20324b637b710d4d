"""The work `comptoir bench run` times outside a request: mail ingest, the daily reports
of one hourly slot, the scheduler's pass over the open tickets, and a statement export
streamed to the end (with its memory peak under tracemalloc)."""

from __future__ import annotations

import secrets
import statistics
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from comptoir.bench.run_measure import Result, count_queries, peak_rss_mb, percentile
from comptoir.bench.run_ops import QUERY_CALLS, Ctx, client_for, consume

REPORT_AGENTS = 100
REPORT_HOUR = 8  # local time


def op_ingest(ctx: Ctx, messages: int) -> list[Result]:
    """Generated French mail (bench/mail_messages.py: new requests with a screenshot, and
    replies threaded by In-Reply-To) through `ingest()`, one by one. The Message-IDs carry
    the run's tag, or a second run would only find duplicates."""
    from comptoir.bench.mail_messages import generate
    from comptoir.mailin.ingest import ingest

    mail_setup()
    tag = f"<bench{ctx.tag}.".encode()  # in Message-ID, In-Reply-To, References
    raws = [m.raw.replace(b"<bench.", tag) for m in generate(messages, ["new", "reply"])]
    outcomes: dict[str, int] = {}
    times = []
    start = time.perf_counter()
    with ctx.profiler.around():
        for raw in raws:
            t0 = time.perf_counter()
            result = ingest(raw)
            times.append(time.perf_counter() - t0)
            outcomes[result.result] = outcomes.get(result.result, 0) + 1
    seconds = time.perf_counter() - start
    if set(outcomes) - {"created", "appended"}:
        raise SystemExit(f"ingest gave unexpected outcomes: {outcomes}")
    more = [m.raw.replace(b"<bench.", tag + b"q") for m in generate(QUERY_CALLS, ["new"])]
    queries = count_queries(lambda i: ingest(more[i]), list(range(len(more))))
    return [
        Result("mail ingest", "ingest", len(raws), statistics.median(times) * 1000,
               percentile(times, 95) * 1000, queries, len(raws) / seconds, peak_rss_mb(),
               extra={"outcomes": outcomes, "seconds": seconds})
    ]  # fmt: skip


def mail_setup() -> None:
    """The senders of bench/mail_messages.py, customers of an organisation of their own,
    and the mailbox they write to (itil, infrastructure/serveurs, as `bench mail`), made
    once per workload: whatever the seed holds, nothing here can collide with it."""
    from django.db import transaction

    from comptoir.accounts.models import Organisation, Role, Site, User
    from comptoir.bench.mail_messages import CUSTOMERS, MAILBOX
    from comptoir.catalog.models import Category, Desk, TicketType
    from comptoir.mailin.models import Mailbox

    if Mailbox.objects.filter(address=MAILBOX).exists():
        return
    with transaction.atomic():
        client, _ = Organisation.objects.get_or_create(
            code="bench-run-mail", defaults={"name": "Société Générale d'Études"}
        )
        site, _ = Site.objects.get_or_create(
            organisation=client, code="BRM", defaults={"name": "Siège, Besançon"}
        )
        for username, email, first, last in CUSTOMERS:
            if not User.objects.filter(username=username).exists():
                User.objects.create_user(
                    username=username, password=None, email=email, first_name=first,
                    last_name=last, role=Role.CUSTOMER, site=site, organisation=client,
                    language="fr",
                )  # fmt: skip
        desk = Desk.objects.get(slug="itil")
        Mailbox.objects.create(
            desk=desk,
            address=MAILBOX,
            ticket_type=TicketType.objects.get(desk=desk, code="incident"),
            category=Category.objects.get(service__desk=desk, slug="serveurs"),
        )


def _monday_slot(weeks: int) -> datetime:
    """A Monday at REPORT_HOUR local time, `weeks` from a fixed Monday, in UTC: every run
    picks its own, since a slot's reports are written once."""
    from django.conf import settings

    day = date(2031, 1, 6) + timedelta(weeks=weeks)
    local = datetime(day.year, day.month, day.day, REPORT_HOUR, tzinfo=ZoneInfo(settings.TIME_ZONE))
    return local.astimezone(UTC)


def _ensure_preferences() -> int:
    """Up to REPORT_AGENTS staff members get a report of their first service at
    REPORT_HOUR (through the action, as the preferences page does) unless they have one."""
    from comptoir.catalog.models import ServiceMember
    from comptoir.notifications.actions import daily_report_set
    from comptoir.notifications.models import DailyReportPreference

    members = (
        ServiceMember.objects.filter(user__is_active=True, service__is_active=True)
        .exclude(user__email="")
        .select_related("user", "service")
        .order_by("user_id", "service_id")
    )
    seen: dict[int, ServiceMember] = {}
    for m in members:
        if len(seen) >= REPORT_AGENTS:
            break
        seen.setdefault(m.user_id, m)
    has = set(
        DailyReportPreference.objects.filter(user_id__in=seen).values_list("user_id", flat=True)
    )
    for user_id, m in seen.items():
        if user_id not in has:
            daily_report_set(actor=m.user, service=m.service, scope="free", hour1=REPORT_HOUR)
    return len(seen)


def op_reports(ctx: Ctx) -> list[Result]:
    from comptoir.notifications.reports import write_reports

    agents = _ensure_preferences()
    week = secrets.randbelow(50_000)
    slot = _monday_slot(week)
    start = time.perf_counter()
    with ctx.profiler.around():
        result = write_reports(slot)
    seconds = time.perf_counter() - start
    queries = count_queries(lambda _i: write_reports(_monday_slot(week + 1)), [0])
    return [
        Result("daily reports, one slot", "reports", 1, seconds * 1000, seconds * 1000,
               queries, result["written"] / seconds if seconds else 0.0, peak_rss_mb(),
               extra={"agents": agents, "slot": slot.isoformat(), **result})
    ]  # fmt: skip


def op_scheduler(ctx: Ctx) -> list[Result]:
    """One pass of each job the scheduler runs over open tickets, called directly; queries
    are counted during the pass (a second pass would find nothing to do)."""
    from django.db import connection

    from comptoir.bench.run_measure import QueryCounter
    from comptoir.jobs.tasks import auto_close_due
    from comptoir.sla.tasks import sla_watch
    from comptoir.tickets.models import Ticket

    open_tickets = Ticket.objects.filter(state="open").count()
    counter = QueryCounter()
    results = {}
    start = time.perf_counter()
    with ctx.profiler.around(), connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        results["sla_watch"] = sla_watch.call()
        results["sla_watch_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        results["auto_close_due"] = auto_close_due.call()
        results["auto_close_due_s"] = time.perf_counter() - t0
    seconds = time.perf_counter() - start
    return [
        Result("scheduler pass (sla_watch + auto_close_due)", "scheduler", 1, seconds * 1000,
               seconds * 1000, counter.count, open_tickets / seconds if seconds else 0.0,
               peak_rss_mb(), extra={"open_tickets": open_tickets, **results})
    ]  # fmt: skip


def _organisation(value: str):
    from django.db.models import Q

    from comptoir.accounts.models import Organisation

    match = Q(code=value) | Q(name=value) | (Q(pk=int(value)) if value.isdigit() else Q())
    found = Organisation.objects.filter(match, is_provider=False).first()
    if found is None:
        raise SystemExit(f"no customer organisation {value!r} for the statement export")
    return found


def op_export(ctx: Ctx) -> list[Result]:
    """The statement CSV of the rate organisation's busiest month, streamed to the end;
    then once more under tracemalloc: its peak says whether memory grows with the rows."""
    from django.db.models import Count

    from comptoir.billing.models import TimeEntry

    org = _organisation(ctx.manifest["rate_organisation"] or "")
    busiest = (
        TimeEntry.objects.filter(organisation=org)
        .values("period")
        .annotate(n=Count("pk"))
        .order_by("-n", "-period")
        .first()
    )
    if busiest is None:
        raise SystemExit(f"{org} has no time entries to export")
    month = busiest["period"].strftime("%Y-%m")
    url = f"/console/billing/statements/{org.pk}/{month}/export.csv"
    client = client_for(ctx.manifest["admin"])
    sizes: list[int] = []

    def call(_i: int) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: HTTP {response.status_code}")
        sizes.append(consume(response))

    from comptoir.bench.run_measure import timed

    timing = timed(call, warmup=ctx.warmup, repeat=ctx.repeat, profiler=ctx.profiler)
    queries = count_queries(call, [0])
    tracemalloc.start()
    call(0)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    extra = {"url": url, "entries": busiest["n"], "bytes": sizes[-1], "rss_mb": peak_rss_mb(),
             "peak": "tracemalloc peak of one streamed export"}  # fmt: skip
    return [
        Result("statement export (CSV, streamed)", "export", len(timing.times),
               timing.median_ms, timing.p95_ms, queries, timing.rate, peak / 2**20, extra=extra)
    ]  # fmt: skip


def op_token(ctx: Ctx) -> dict[str, str]:
    """For the HTTP run: an API token of the sample customer and what it files."""
    from comptoir.api.actions import token_create
    from comptoir.bench.run_ops import _filing, ticket_reader, user

    username = ctx.manifest["customers"][0]
    sample = _filing(username)
    _token, secret = token_create(actor=user(username), name=f"bench http {ctx.tag}")
    return {
        "token": secret,
        "desk": sample.desk.slug,
        "type": sample.type.code,
        "category_id": str(sample.category_id),
        "reader": ticket_reader(ctx.manifest),
    }
