# covers: AG-8, AG-1, TIC-8
"""The same crowd as test_concurrency.py, through the REST API on a live server.

Eight people for a few seconds on two tickets, each request answered by a server thread
with its own database connection: the API adds its own reads around the action (the
ticket by key, If-Match's lock, the fresh ticket and timeline it answers with), and none
of them may turn contention into a 500. A refusal must come back as a 4xx problem
document; what the API confirmed must be in the database exactly once, and the tickets
read back whole (the checks of test_concurrency.py).
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request

import pytest

from comptoir.accounts.models import Role, User
from comptoir.api.actions import token_create
from comptoir.conftest import pg_only
from comptoir.tickets.models import Ticket

from .test_concurrency import (
    AGENT_MOVES,
    CUSTOMER_MOVES,
    Log,
    _presets_back_after_the_flush,  # noqa: F401 (the module's presets come back after it)
    assert_whole,
    crowd,
    hammer,
)

pytestmark = [
    pg_only("needs PostgreSQL: SQLite serialises whole transactions, so no row lock is tested"),
    pytest.mark.django_db(transaction=True),
]

AGENTS = 7
TICKETS = 2
SECONDS = 3.0
REFUSALS = {400, 403, 404, 409, 412, 422}


class Refused(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"{status} {code}")
        self.status, self.code = status, code


class Api:
    """One person's calls: JSON in and out, a 4xx raised as Refused, anything else as is."""

    def __init__(self, base: str, secret: str) -> None:
        self.base, self.secret = base, secret

    def call(self, method: str, path: str, payload: dict | None = None) -> object:
        request = urllib.request.Request(
            f"{self.base}/api/v1{path}",
            data=None if payload is None else json.dumps(payload).encode(),
            headers={"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"},
            method=method,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            body = exc.read()
            if exc.code in REFUSALS:
                raise Refused(exc.code, json.loads(body).get("code", "")) from None
            raise AssertionError(f"{exc.code} on {method} {path}: {body[:500]!r}") from None


def _act_http(apis: dict[int, Api], keys: dict[int, str]):
    def act(person: User, i: int, ids: list[int], log: Log, rnd: random.Random, n: int) -> None:
        api, pk = apis[person.pk], rnd.choice(ids)
        tag = f"[t{i}-{n}]"
        staff = person.role != Role.CUSTOMER
        roll = rnd.random()
        try:
            if staff and log.held and roll < 0.15:
                pk = rnd.choice(sorted(log.held))
                api.call("POST", f"/tickets/{keys[pk]}/release")
                log.held.discard(pk)
                log.done.append((pk, "release", ""))
            elif staff and roll < 0.25:
                api.call("POST", f"/tickets/{keys[pk]}/take", {})
                log.held.add(pk)
                log.done.append((pk, "take", ""))
            elif roll < 0.65:
                internal = staff and rnd.random() < 0.4
                body = f"{'Note' if internal else 'Message'} {tag}"
                api.call(
                    "POST", f"/tickets/{keys[pk]}/comments", {"body": body, "internal": internal}
                )
                log.comments.append((pk, body, internal))
                log.done.append((pk, "comment", ""))
            else:
                # What a client would do: ask which moves it may make now, then race for one.
                moves = AGENT_MOVES if staff else CUSTOMER_MOVES
                offered = api.call("GET", f"/tickets/{keys[pk]}/transitions")
                codes = sorted(t["code"] for t in offered if t["code"] in moves)
                code = rnd.choice(codes or sorted(moves))
                data = dict(moves[code])
                if "comment" in data:
                    data["comment"] = f"{data['comment']} {tag}"
                api.call("POST", f"/tickets/{keys[pk]}/transitions/{code}", data)
                if "comment" in data:
                    log.comments.append((pk, data["comment"], False))
                log.done.append((pk, "move", code))
        except Refused as exc:
            log.refused[f"{exc.status} {exc.code}"] += 1

    return act


def test_eight_people_through_the_api_lose_nothing(world, live_server, settings):
    settings.COMPTOIR_API_RATE = None  # the throttle is tested elsewhere
    people, ids, start_version = crowd(world, AGENTS, TICKETS)
    apis = {p.pk: Api(live_server.url, token_create(actor=p, name="crowd")[1]) for p in people}
    keys = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "key"))
    for api in apis.values():  # warm up (URL, schema and template loading) outside the clock
        api.call("GET", f"/tickets/{keys[ids[0]]}/transitions")
    started = time.monotonic()
    logs = hammer(people, ids, _act_http(apis, keys), SECONDS)
    assert_whole(people, logs, ids, start_version, time.monotonic() - started)
