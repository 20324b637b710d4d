"""The requests `comptoir bench run` times in-process: pages, searches and writes through
django.test.Client, logged in with force_login (no password hashing in the loop), with
DEBUG off and the whole middleware stack, as gunicorn would run them minus the socket.

Each operation returns rows (`Result`); `run_steps.py` runs one per child process so
each row's peak memory is its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode

from comptoir.bench.run_measure import Profiler, Result, count_queries, peak_rss_mb, timed

QUERY_CALLS = 3  # calls whose queries are counted, after the timed ones


@dataclass
class Ctx:
    manifest: dict[str, Any]
    repeat: int
    warmup: int
    profiler: Profiler
    tag: str  # unique per run: titles, message ids, report slots


def user(username: str):
    from comptoir.accounts.models import User

    return User.objects.get(username=username)


def client_for(username: str):
    from django.test import Client

    client = Client()
    client.force_login(user(username))
    return client


def consume(response) -> int:
    """Read the whole body (a streamed one too): the time includes producing it."""
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _check(response, expected: int, what: str) -> None:
    if response.status_code != expected:
        raise SystemExit(f"{what}: HTTP {response.status_code}, expected {expected}")


def measure_get(ctx: Ctx, operation: str, key: str, username: str, url: str) -> Result:
    client = client_for(username)
    sizes: list[int] = []

    def call(_i: int) -> None:
        response = client.get(url)
        _check(response, 200, f"GET {url} as {username}")
        sizes.append(consume(response))

    timing = timed(call, warmup=ctx.warmup, repeat=ctx.repeat, profiler=ctx.profiler)
    queries = count_queries(call, list(range(QUERY_CALLS)))
    return Result(
        operation, key, len(timing.times), timing.median_ms, timing.p95_ms, queries,
        timing.rate, peak_rss_mb(), extra={"url": url, "user": username, "bytes": sizes[-1]},
    )  # fmt: skip


def ticket_url(key: str) -> str:
    return f"/console/t/{quote(key, safe='')}/"


def op_floor(ctx: Ctx) -> list[Result]:
    """A bare view doing one indexed query through the same middleware: the floor the
    pages are compared with."""
    from django.test import override_settings

    from comptoir.tickets.models import Ticket

    pk = Ticket.objects.get(key=ctx.manifest["long_key"]).pk
    with override_settings(ROOT_URLCONF="comptoir.bench.floor_urls"):
        row = measure_get(ctx, "floor: one indexed query", "floor", ctx.manifest["agents"][0],
                          f"/bench/floor/{pk}/")  # fmt: skip
    return [row]


def op_queue(ctx: Ctx) -> list[Result]:
    return [measure_get(ctx, "agent queue", "page", ctx.manifest["agents"][0], "/console/")]


def op_my_tickets(ctx: Ctx) -> list[Result]:
    return [measure_get(ctx, "my tickets (portal)", "page", ctx.manifest["customers"][0],
                        "/portal/")]  # fmt: skip


def ticket_reader(manifest: dict[str, Any]) -> str:
    """The first sample agent who sees the long-timeline ticket; else the administrator."""
    from comptoir.tickets.selectors import visible_tickets

    for username in manifest["agents"]:
        if visible_tickets(user(username)).filter(key=manifest["long_key"]).exists():
            return username
    return manifest["admin"]


def op_ticket(ctx: Ctx) -> list[Result]:
    from comptoir.tickets.models import Event

    key = ctx.manifest["long_key"]
    row = measure_get(ctx, "ticket page, long timeline", "page", ticket_reader(ctx.manifest),
                      ticket_url(key))  # fmt: skip
    row.extra["events"] = Event.objects.filter(ticket__key=key).count()
    return [row]


def op_search(ctx: Ctx) -> list[Result]:
    m = ctx.manifest
    agent, customer = m["agents"][0], m["customers"][0]
    common = m["common_word"] or m["rare_word"]
    return [
        measure_get(ctx, f"search console, rare word ({m['rare_word']})", "search", agent,
                    "/console/?" + urlencode({"queue": "all", "q": m["rare_word"]})),
        measure_get(ctx, f"search console, common word ({common})", "search", agent,
                    "/console/?" + urlencode({"queue": "all", "q": common})),
        measure_get(ctx, f"search portal ({common})", "search", customer,
                    "/portal/?" + urlencode({"q": common})),
    ]  # fmt: skip


def _filing(username: str) -> SimpleNamespace:
    """What a customer files: the desk, type and category of the latest ticket they
    reported of a type customers may create; else the first such type and a category of
    its desk."""
    from django.db.models import Q

    from comptoir.catalog.models import Category, TicketType
    from comptoir.tickets.models import Ticket

    ticket = (
        Ticket.objects.filter(Q(reporter__username=username) | Q(affected__username=username))
        .filter(type__customer_may_create=True, category__isnull=False)
        .select_related("desk", "type")
        .order_by("-pk")
        .first()
    )
    if ticket is not None:
        return SimpleNamespace(desk=ticket.desk, type=ticket.type, category_id=ticket.category_id)
    for type_ in TicketType.objects.filter(customer_may_create=True).select_related("desk"):
        category = Category.objects.filter(
            service__desk=type_.desk, is_active=True, service__is_active=True
        ).first()
        if category is not None:
            return SimpleNamespace(desk=type_.desk, type=type_, category_id=category.pk)
    raise SystemExit("no ticket type customers may create, with a category")


def _writes(ctx: Ctx, operation: str, key: str, call, extra: dict[str, Any]) -> Result:
    timing = timed(call, warmup=ctx.warmup, repeat=ctx.repeat, profiler=ctx.profiler)
    start = ctx.warmup + ctx.repeat
    queries = count_queries(call, list(range(start, start + QUERY_CALLS)))
    return Result(operation, key, len(timing.times), timing.median_ms, timing.p95_ms, queries,
                  timing.rate, peak_rss_mb(), extra=extra)  # fmt: skip


def op_create(ctx: Ctx) -> list[Result]:
    """A ticket filed through the portal's form, then through the API with a token."""
    from comptoir.api.actions import token_create

    username = ctx.manifest["customers"][0]
    sample = _filing(username)
    client = client_for(username)
    url = f"/portal/new/{sample.desk.slug}/{sample.type.code}/"

    def portal(i: int) -> None:
        data = {"category": sample.category_id, "title": f"Bench {ctx.tag} portail {i}",
                "description": "Créé par comptoir bench run depuis le portail."}  # fmt: skip
        _check(client.post(url, data), 302, f"POST {url}")

    rows = [_writes(ctx, "create ticket (portal form)", "create", portal, {"url": url})]
    _token, secret = token_create(actor=user(username), name=f"bench run {ctx.tag}")
    api = client_for(username)
    headers = {"Authorization": f"Bearer {secret}"}

    def through_api(i: int) -> None:
        body = {"desk": sample.desk.slug, "type": sample.type.code,
                "category_id": sample.category_id, "title": f"Bench {ctx.tag} API {i}",
                "description": "Created by comptoir bench run through the API."}  # fmt: skip
        response = api.post("/api/v1/tickets", json.dumps(body), content_type="application/json",
                            headers=headers)  # fmt: skip
        _check(response, 201, "POST /api/v1/tickets")

    rows.append(_writes(ctx, "create ticket (API)", "create", through_api,
                        {"url": "/api/v1/tickets"}))  # fmt: skip
    return rows


def _pool(ctx: Ctx, agent) -> list:
    """Fresh tickets held by `agent`, filed on behalf of a customer of one of its
    services (not timed): each timed write gets its own."""
    from comptoir.tickets import actions
    from comptoir.tickets.models import Ticket

    sample = (
        Ticket.objects.filter(service__members__user=agent, reporter__role="customer")
        .exclude(category=None)
        .select_related("desk", "type", "category", "reporter")
        .order_by("-pk")
        .first()
    )
    if sample is None:
        raise SystemExit(f"{agent.username} serves no service with a customer's ticket")
    count = ctx.warmup + ctx.repeat + QUERY_CALLS
    pool = []
    for i in range(count):
        ticket = actions.ticket_create(
            actor=agent, desk=sample.desk, type=sample.type, category=sample.category,
            reporter=sample.reporter, title=f"Bench {ctx.tag} {i}",
            description="Filed by comptoir bench run.", channel="phone",
        )  # fmt: skip
        pool.append(actions.ticket_take(actor=agent, ticket=ticket))
    return pool


def op_transition(ctx: Ctx) -> list[Result]:
    from comptoir.tickets.selectors import ticket_moves

    agent = user(ctx.manifest["agents"][0])
    pool = _pool(ctx, agent)
    moves = [t for t in ticket_moves(actor=agent, ticket=pool[0]) if not t.requires]
    if not moves:
        raise SystemExit(f"no move without required data for {pool[0].key} after taking it")
    code = moves[0].code
    client = client_for(agent.username)

    def call(i: int) -> None:
        url = f"{ticket_url(pool[i].key)}move/{code}/"
        _check(client.post(url, {"version": pool[i].version}), 302, f"POST {url}")

    extra = {"transition": code, "to": moves[0].to_status.code}
    return [_writes(ctx, f"transition ({code})", "write", call, extra)]


def op_comment(ctx: Ctx) -> list[Result]:
    agent = user(ctx.manifest["agents"][0])
    pool = _pool(ctx, agent)
    client = client_for(agent.username)

    def call(i: int) -> None:
        url = f"{ticket_url(pool[i].key)}comment/"
        body = {"comment-comment": "Bonjour, nous regardons votre demande (bench run)."}
        _check(client.post(url, body), 302, f"POST {url}")

    return [_writes(ctx, "comment (console)", "write", call, {})]
