# covers: AG-8, AG-1, AG-2, TIC-8, WF-1
"""Sixteen people hammering the same three tickets for a few seconds, through the actions.

test_race.py releases a handful of threads at one instant on one action; this one mixes
every kind of write a desk sees at once — takes and releases, public and internal comments,
the ENT workflow's moves, a customer answering and approving — for a bounded time, each
thread on its own database connection, and then reads the tickets back as a whole:

- every comment a caller was told was written exists exactly once, with one event, and the
  search text holds exactly those comments in order (no lost or doubled append);
- each ticket has one holder, the one whose take is the last change of holder, and the one
  thread that believes it holds the ticket;
- the timeline is one chain: events in id order are in time order, every status event
  starts where the previous one ended and the last ends at the ticket's status;
- one event per successful action (and none for a refused one), and the version counts
  every save;
- nothing but the domain's refusals (`DomainError`) reached a caller: no deadlock, no
  serialization failure, no OperationalError.

PostgreSQL only: SQLite runs one writer at a time, which proves nothing about row locks.
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import pytest
from django.db import close_old_connections, connection

from comptoir.accounts.models import Role, User
from comptoir.conftest import ensure_presets, make_user, member, pg_only
from comptoir.core.errors import DomainError
from comptoir.search.models import TicketText
from comptoir.tickets import actions
from comptoir.tickets.models import Comment, Event, Ticket
from comptoir.workflows import engine

from .helpers import file_ticket

pytestmark = [
    pg_only("needs PostgreSQL: SQLite serialises whole transactions, so no row lock is tested"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 16  # fifteen agents of ENT/DSI and the customer who filed the tickets
TICKETS = 3
SECONDS = 3.0
JOIN_TIMEOUT = 60.0

# The ENT moves an agent may fire, with the data each requires (docs/workflows.md).
AGENT_MOVES = {
    "request_info": {"comment": "Pouvez-vous préciser ?"},
    "answer": {"comment": "Voici la précision."},
    "postpone": {"reason": "Attente fournisseur"},
    "resume": {},
    "close": {},
    "refuse": {"reason": "Hors périmètre"},
    "reopen": {},
}
CUSTOMER_MOVES = {"answer": {"comment": "Voici la précision."}, "approve": {}, "reopen": {}}
HOLDER_KINDS = ("taken", "released")
DIRECT = ("Message ", "Note ")  # how a plain comment's body starts (a move's does not)


@pytest.fixture(scope="module", autouse=True)
def _presets_back_after_the_flush(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        ensure_presets()


@dataclass
class Log:
    """What one thread was told: successes it may rely on, refusals, anything else."""

    done: list[tuple[int, str, str]] = field(default_factory=list)  # (ticket, op, code)
    comments: list[tuple[int, str, bool]] = field(default_factory=list)  # (ticket, body, int.)
    held: set[int] = field(default_factory=set)
    refused: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)


def _act(person: User, i: int, ticket_ids: list[int], log: Log, rnd: random.Random, n: int):
    """One random action by `person`, recorded in `log` when it succeeds."""
    pk = rnd.choice(ticket_ids)
    tag = f"[t{i}-{n}]"
    staff = person.role != Role.CUSTOMER
    roll = rnd.random()
    if staff and log.held and roll < 0.15:
        pk = rnd.choice(sorted(log.held))
        actions.ticket_release(actor=person, ticket=pk)
        log.held.discard(pk)
        log.done.append((pk, "release", ""))
    elif staff and roll < 0.25:
        actions.ticket_take(actor=person, ticket=pk)
        log.held.add(pk)
        log.done.append((pk, "take", ""))
    elif roll < 0.65:
        internal = staff and rnd.random() < 0.4
        body = f"{'Note' if internal else 'Message'} {tag}"
        actions.ticket_comment(actor=person, ticket=pk, body=body, internal=internal)
        log.comments.append((pk, body, internal))
        log.done.append((pk, "comment", ""))
    else:
        # As a page would: read the status, offer its moves, and race whoever read it too.
        moves = AGENT_MOVES if staff else CUSTOMER_MOVES
        status = Ticket.objects.select_related("status").get(pk=pk).status
        offered = sorted(t.code for t in engine.transitions_from(status) if t.code in moves)
        code = rnd.choice(offered or sorted(moves))
        data = dict(moves[code])
        if "comment" in data:
            data["comment"] = f"{data['comment']} {tag}"
        actions.ticket_transition(actor=person, ticket=pk, code=code, data=data)
        if "comment" in data:
            log.comments.append((pk, data["comment"], False))
        log.done.append((pk, "move", code))


Act = Callable[[User, int, list[int], Log, random.Random, int], None]


def hammer(people: list[User], ticket_ids: list[int], act: Act, seconds: float) -> list[Log]:
    """Each person in a thread of their own, acting at random until `seconds` are over."""
    logs = [Log() for _ in people]
    barrier = threading.Barrier(len(people))
    deadline: list[float] = []

    def run(i: int) -> None:
        rnd = random.Random(1000 + i)  # a reproducible mix per thread
        log = logs[i]
        try:
            barrier.wait(timeout=20)
            if i == 0:
                deadline.append(time.monotonic() + seconds)
            while not deadline:
                time.sleep(0.001)
            n = 0
            while time.monotonic() < deadline[0]:
                n += 1
                try:
                    act(people[i], i, ticket_ids, log, rnd, n)
                except DomainError as exc:  # the domain said no: expected, nothing written
                    log.refused[exc.code] += 1
                except Exception:
                    log.unexpected.append(traceback.format_exc())
        except Exception:
            log.unexpected.append(traceback.format_exc())
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(people))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return logs


def crowd(world, agents: int, tickets: int) -> tuple[list[User], list[int], dict[int, int]]:
    """The customer and `agents` agents of ENT/DSI, and `tickets` tickets she filed there."""
    ensure_presets()
    people = [world.customer]
    for i in range(agents):
        agent = make_user(f"busy{i}", Role.AGENT, organisation=world.provider, last_name=f"N{i}")
        member(agent, "ent", "dsi")
        people.append(agent)
    filed = [file_ticket(world.customer, "ent", cat="messagerie") for _ in range(tickets)]
    ids = [t.pk for t in filed]
    return people, ids, dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "version"))


def test_sixteen_people_on_three_tickets_lose_nothing(world):
    people, ids, start_version = crowd(world, THREADS - 1, TICKETS)
    started = time.monotonic()
    logs = hammer(people, ids, _act, SECONDS)
    assert_whole(people, logs, ids, start_version, time.monotonic() - started)


def assert_whole(
    people: list[User],
    logs: list[Log],
    ids: list[int],
    start_version: dict[int, int],
    elapsed: float,
) -> None:
    """Only refusals reached the callers, and each ticket reads back whole."""
    unexpected = [text for log in logs for text in log.unexpected]
    assert not unexpected, "\n".join(unexpected[:3])
    done = [(pk, op, code, people[i].pk) for i, log in enumerate(logs) for pk, op, code in log.done]
    refused = sum((log.refused for log in logs), Counter())
    ops = Counter(op for _pk, op, _c, _a in done)
    print(  # shown with -s: how much really ran at once
        f"{len(done)} actions done {dict(ops)}, "
        f"{sum(refused.values())} refused {dict(refused)} in {elapsed:.1f} s"
    )
    assert ops["take"] and ops["comment"] and ops["move"], ops  # every kind took part

    _comments_once(logs, ids)
    for pk in ids:
        ticket = Ticket.objects.select_related("status").get(pk=pk)
        evs = list(Event.objects.filter(ticket_id=pk).select_related("comment").order_by("id"))
        _one_holder(ticket, evs, people, logs)
        _one_chain(ticket, evs)
        _one_event_per_action(ticket, evs, [d for d in done if d[0] == pk], start_version[pk])


def _comments_once(logs: list[Log], ids: list[int]) -> None:
    told = [c for log in logs for c in log.comments]
    rows = list(
        Comment.objects.filter(ticket_id__in=ids).values_list("ticket_id", "body", "internal")
    )
    assert Counter(rows) == Counter(told)  # each once, on its ticket, none from a refusal
    for pk in ids:
        comments = list(Comment.objects.filter(ticket_id=pk).order_by("pk"))
        events = Counter(
            Event.objects.filter(ticket_id=pk, kind="comment").values_list("comment_id", "internal")
        )
        assert events == Counter((c.pk, c.internal) for c in comments)
        text = TicketText.objects.get(ticket_id=pk)
        ticket = Ticket.objects.get(pk=pk)
        assert text.body == ticket.description + "".join(
            "\n" + c.body for c in comments if not c.internal
        )
        assert text.internal == "".join("\n" + c.body for c in comments if c.internal)


def _one_holder(ticket: Ticket, evs: list[Event], people: list[User], logs: list[Log]) -> None:
    changes = [e for e in evs if e.kind in HOLDER_KINDS]
    last = changes[-1] if changes else None
    expected = last.actor_id if last is not None and last.kind == "taken" else None
    assert ticket.assignee_id == expected
    believers = [people[i].pk for i, log in enumerate(logs) if ticket.pk in log.held]
    assert believers == ([expected] if expected else [])
    for before, after in pairwise(changes):
        # Taken, then released by its holder, then taken again: never two takes in a row.
        assert before.kind != after.kind, (before, after)
        if after.kind == "released":
            assert after.data["old"]["id"] == before.actor_id


def _one_chain(ticket: Ticket, evs: list[Event]) -> None:
    assert evs[0].kind == "created"
    assert [e.created_at for e in evs] == sorted(e.created_at for e in evs)
    status = evs[0].data["status"]["id"]
    for e in evs:
        if e.kind == "status":
            assert e.data["old"]["id"] == status, (ticket.key, e.data)
            status = e.data["new"]["id"]
    assert status == ticket.status_id
    assert ticket.state == ticket.status.state


def _one_event_per_action(
    ticket: Ticket, evs: list[Event], done: list[tuple], start_version: int
) -> None:
    kinds = Counter(e.kind for e in evs)
    assert set(kinds) <= {"created", "taken", "released", "status", "comment"}, kinds
    assert kinds["created"] == 1
    per_actor = Counter((op, code, actor) for _pk, op, code, actor in done)
    seen = Counter()
    for prev, e in pairwise(evs):
        if e.kind in ("taken", "released"):
            seen[("take" if e.kind == "taken" else "release", "", e.actor_id)] += 1
        elif e.kind == "status" and e.data["transition"] in ("take", "release"):
            # The move a take or release implies, in the same transaction, right after it.
            assert prev.kind == {"take": "taken", "release": "released"}[e.data["transition"]]
            assert prev.actor_id == e.actor_id
        elif e.kind == "status":
            seen[("move", e.data["transition"], e.actor_id)] += 1
        elif e.kind == "comment" and e.comment.body.startswith(DIRECT):
            seen[("comment", "", e.actor_id)] += 1
        elif e.kind == "comment":  # the comment a move carries, written right after it
            assert prev.kind == "status" and prev.actor_id == e.actor_id, (prev, e)
            assert prev.data["transition"] in ("request_info", "answer")
    assert seen == per_actor
    direct_comments = sum(1 for _pk, op, _c, _a in done if op == "comment")
    saves = kinds["taken"] + kinds["released"] + kinds["status"] + direct_comments
    assert ticket.version == start_version + saves
