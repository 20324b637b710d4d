"""WF-4: automatic transitions after N days, driven by time travel (time-machine)."""

# covers: WF-4, WF-5

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from comptoir.jobs.tasks import auto_close_due
from comptoir.tickets import actions
from comptoir.tickets.models import Confirmation, Event, Ticket
from comptoir.tickets.tests.helpers import events, file_ticket, outbox, outbox_mark
from comptoir.workflows.models import State, Transition

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def clock():
    """Time travel: `clock(moment)` moves the frozen clock there."""
    traveller = None

    def go(moment: datetime) -> None:
        nonlocal traveller
        if traveller is not None:
            traveller.stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()

    yield go
    if traveller is not None:
        traveller.stop()


def run() -> dict[str, int]:
    return auto_close_due.call()


def reload(t: Ticket) -> Ticket:
    t.refresh_from_db()
    return t


def solved_itil(world) -> Ticket:
    t = file_ticket(world.customer, "itil")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="solve", data={"solution": "Disque remplacé"}
    )
    return reload(t)


def test_itil_solved_closes_at_exactly_14_days_not_before(world, clock):
    clock(T)
    t = solved_itil(world)
    assert (t.status.code, t.status_changed_at) == ("solved", T)
    mark = outbox_mark()

    clock(T + 14 * DAY - timedelta(minutes=1))
    assert run()["moved"] == 0
    assert reload(t).status.code == "solved"

    clock(T + 14 * DAY)
    assert run() == {"moved": 1, "skipped": 0}
    t = reload(t)
    assert (t.status.code, t.state, t.closed_at) == ("closed", State.CLOSED, T + 14 * DAY)
    last = events(t, "status")[-1]
    assert last.actor_id is None
    assert last.data["transition"] == "close"
    assert last.created_at == T + 14 * DAY
    # The move writes the outbox rows any move writes (here: the agent in charge is told;
    # "Closed" does not mail the requester).
    assert outbox(t, since=mark) == {("gaston", "status")}


def test_a_customer_comment_restarts_the_delay(world, clock):
    clock(T)
    t = solved_itil(world)
    clock(T + 10 * DAY)
    actions.ticket_comment(actor=world.customer, ticket=t, body="Ça recommence parfois.")

    clock(T + 14 * DAY)
    run()
    assert reload(t).status.code == "solved"
    clock(T + 24 * DAY - timedelta(seconds=1))
    run()
    assert reload(t).status.code == "solved"
    clock(T + 24 * DAY)
    run()
    assert reload(t).status.code == "closed"


def test_an_internal_or_staff_comment_does_not_restart_the_delay(world, clock):
    clock(T)
    t = solved_itil(world)
    clock(T + 10 * DAY)
    actions.ticket_comment(actor=world.agent, ticket=t, body="Note interne", internal=True)
    actions.ticket_comment(actor=world.agent, ticket=t, body="Tout va bien ?")
    clock(T + 14 * DAY)
    run()
    assert reload(t).status.code == "closed"


def test_a_ticket_reopened_in_between_is_not_closed(world, clock):
    clock(T)
    t = solved_itil(world)
    clock(T + 5 * DAY)
    actions.ticket_transition(
        actor=world.customer, ticket=t, code="reopen", data={"comment": "Toujours en panne"}
    )
    clock(T + 30 * DAY)
    assert run()["moved"] == 0
    assert reload(t).status.code == "in_progress"


def test_n123_answer_sent_with_pending_confirmation_closes_after_10_days(world, clock):
    clock(T)
    t = file_ticket(world.customer, "n123")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="answer", data={"solution": "Paramètre corrigé"}
    )
    t = reload(t)
    assert (t.status.code, t.confirmation) == ("reponse_envoyee", Confirmation.PENDING)
    clock(T + 10 * DAY - timedelta(minutes=1))
    run()
    assert reload(t).status.code == "reponse_envoyee"
    clock(T + 10 * DAY)
    run()
    t = reload(t)
    assert (t.status.code, t.state) == ("ferme", State.CLOSED)
    assert events(t, "status")[-1].actor_id is None


def test_spt_waiting_for_information_is_not_closed_and_the_batch_goes_on(world, clock):
    clock(T)
    asked = file_ticket(world.customer, "spt")
    actions.ticket_transition(actor=world.agent, ticket=asked, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=asked, code="ask_customer", data={"comment": "Quelle version ?"}
    )
    resolved = file_ticket(world.customer, "spt")
    actions.ticket_transition(actor=world.agent, ticket=resolved, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=resolved, code="resolve", data={"solution": "Correctif 12.3"}
    )
    asked, resolved = reload(asked), reload(resolved)
    assert asked.status_id == resolved.status_id
    assert asked.confirmation == Confirmation.NONE
    before = Event.objects.filter(ticket=asked).count()

    clock(T + 11 * DAY)
    # The closing transition needs a confirmation that was never asked for: the ticket is
    # not even tried (it would be refused at every run, forever).
    assert run() == {"moved": 1, "skipped": 0}
    assert reload(asked).status.code == "attente_client"
    assert Event.objects.filter(ticket=asked).count() == before
    assert reload(resolved).status.code == "ferme"


def test_a_steady_state_logs_nothing(world, clock, caplog):
    clock(T)
    asked = file_ticket(world.customer, "spt")
    actions.ticket_transition(actor=world.agent, ticket=asked, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=asked, code="ask_customer", data={"comment": "Quelle version ?"}
    )
    clock(T + 30 * DAY)
    with caplog.at_level(logging.DEBUG, logger="comptoir.jobs"):
        for _ in range(3):  # every five minutes, the same unanswered question
            assert run() == {"moved": 0, "skipped": 0}
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []
    assert reload(asked).status.code == "attente_client"


def test_a_refused_ticket_is_counted_quietly_and_the_batch_goes_on(world, clock, caplog):
    clock(T)
    refused = solved_itil(world)
    # A desk whose closing move wants a comment: the scheduler has none to give.
    Transition.objects.filter(workflow=refused.type.workflow, code="close").update(
        requires=["comment"]
    )
    other = file_ticket(world.customer, "n123")
    actions.ticket_take(actor=world.agent, ticket=other)
    actions.ticket_transition(actor=world.agent, ticket=other, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=other, code="answer", data={"solution": "Paramètre corrigé"}
    )
    clock(T + 30 * DAY)
    with caplog.at_level(logging.DEBUG, logger="comptoir.jobs"):
        assert run() == {"moved": 1, "skipped": 1}
        assert run() == {"moved": 0, "skipped": 1}
    assert reload(refused).status.code == "solved"
    assert reload(other).status.code == "ferme"
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert loud == ["auto-close: 1 moved, 1 skipped"]  # the run that moved something
    quiet = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert sum(f"skipped ticket {refused.pk} " in m for m in quiet) == 2


def test_running_twice_changes_nothing_the_second_time(world, clock):
    clock(T)
    t = solved_itil(world)
    clock(T + 15 * DAY)
    assert run()["moved"] == 1
    snapshot = (Event.objects.count(), outbox_mark(), reload(t).version)
    assert run() == {"moved": 0, "skipped": 0}
    assert (Event.objects.count(), outbox_mark(), reload(t).version) == snapshot


def test_batches_cover_more_tickets_than_one_batch(world, clock, monkeypatch):
    from comptoir.jobs import tasks

    monkeypatch.setattr(tasks, "BATCH", 2)
    clock(T)
    tickets = [solved_itil(world) for _ in range(5)]
    clock(T + 14 * DAY)
    assert run() == {"moved": 5, "skipped": 0}
    assert {reload(t).status.code for t in tickets} == {"closed"}
