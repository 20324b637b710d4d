# covers: AG-8, AG-1, TIC-8
"""Two agents (here eight) acting on one ticket at the same instant, on real row locks:
exactly one take wins, and concurrent comments are all kept (no lost update).

PostgreSQL only: SQLite serialises whole transactions, which proves nothing about locks.
Transactional tests commit for real, so each thread sees the others' work; the database is
flushed afterwards, and the presets are loaded back once the module is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from comptoir.accounts.models import Role
from comptoir.conftest import ensure_presets, make_user, member, pg_only
from comptoir.core.errors import Conflict
from comptoir.tickets import actions
from comptoir.tickets.models import Comment, Ticket

from .helpers import events, file_ticket

pytestmark = [pg_only(), pytest.mark.django_db(transaction=True)]

N = 8


@pytest.fixture(scope="module", autouse=True)
def _presets_back_after_the_flush(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        ensure_presets()


def at_once(n: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Run work(0…n-1) in n threads released together; ("ok", result) or ("error", exc)."""
    barrier = threading.Barrier(n)
    results: list[tuple[str, Any]] = [("missing", None)] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", work(i))
        except Exception as exc:  # collected, then asserted by the test
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return results


def agents(world, n: int):
    people = []
    for i in range(n):
        a = make_user(
            f"agent{i}",
            Role.AGENT,
            organisation=world.provider,
            first_name="Agent",
            last_name=f"Numéro{i}",
        )
        member(a, "ent", "dsi")
        people.append(a)
    return people


def test_exactly_one_take_wins(world):
    ensure_presets()
    team = agents(world, N)
    t = file_ticket(world.customer, "ent")

    results = at_once(N, lambda i: actions.ticket_take(actor=team[i], ticket=t))

    wins = [i for i, (state, _r) in enumerate(results) if state == "ok"]
    assert len(wins) == 1, results
    winner = team[wins[0]]
    losers = [r for state, r in results if state == "error"]
    assert len(losers) == N - 1
    for exc in losers:
        assert isinstance(exc, Conflict), exc
        assert exc.code == "already_taken"
        assert str(winner) in str(exc)  # "Agent Numéro3 took this ticket first."
    t = Ticket.objects.get(pk=t.pk)
    assert t.assignee == winner and t.status.code == "en_cours"
    assert len(events(t, "taken")) == 1
    assert [e.data["transition"] for e in events(t, "status")] == ["take"]
    assert t.version == 1 + 2  # the take, and its move to "En cours"


def test_concurrent_comments_are_all_kept(world):
    ensure_presets()
    team = agents(world, N)
    t = file_ticket(world.customer, "ent")
    version = Ticket.objects.get(pk=t.pk).version

    results = at_once(
        N, lambda i: actions.ticket_comment(actor=team[i], ticket=t, body=f"Commentaire {i}")
    )

    assert [state for state, _r in results] == ["ok"] * N, results
    assert sorted(Comment.objects.filter(ticket=t).values_list("body", flat=True)) == [
        f"Commentaire {i}" for i in range(N)
    ]
    assert len(events(t, "comment")) == N
    assert Ticket.objects.get(pk=t.pk).version == version + N


def test_comments_waiting_behind_a_status_change_are_kept(world):
    """A take moves the ticket to another status while the others wait on its row lock:
    their comments must land, not fail as if the ticket had vanished."""
    ensure_presets()
    team = agents(world, N)
    t = file_ticket(world.customer, "ent")

    def work(i: int):
        if i == 0:
            return actions.ticket_take(
                actor=team[0], ticket=t, then="postpone", data={"reason": "Attente fournisseur"}
            )
        return actions.ticket_comment(actor=team[i], ticket=t, body=f"Commentaire {i}")

    results = at_once(N, work)

    assert [state for state, _r in results] == ["ok"] * N, results
    t = Ticket.objects.get(pk=t.pk)
    assert (t.status.code, t.assignee) == ("reporte", team[0])
    assert Comment.objects.filter(ticket=t).count() == N - 1
