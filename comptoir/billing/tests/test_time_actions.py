# covers: BIL-1
"""Seed 004's time tracking through the actions: the monthly task opened on taking, time
logged by two consultants, totals, the next month's task, entries frozen by an issued
statement and corrected by adjustments, and who may do what (refusals write nothing)."""

from __future__ import annotations

from datetime import date

import pytest

from comptoir.billing import actions as time
from comptoir.billing.models import TimeEntry, TimeTask
from comptoir.billing.selectors import time_entries, time_tasks, time_totals
from comptoir.billing.tests.conftest import issue, unchanged
from comptoir.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from comptoir.tickets import actions
from comptoir.tickets.models import Event
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def kinds(ticket) -> list[str]:
    return list(
        Event.objects.filter(ticket_id=ticket.pk, kind__startswith="time_")
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def test_seed_004_assistance_taken_by_n1_then_two_consultants_log_time(world, n123, clock):
    clock(2026, 1, 12, 9, 30)
    actions.ticket_take(actor=world.agent, ticket=n123)
    n123.refresh_from_db()
    assert n123.status.code == "pris_en_charge"
    task = TimeTask.objects.get(ticket=n123)
    assert task.month == JAN
    assert task.name == f"{n123.key} - Création de l'utilisateur Fabrice - Janvier 2026"
    assert n123.key.startswith("#")

    mine = time.time_log(
        actor=world.agent, ticket=n123, minutes=90, worked_on=date(2026, 1, 12), note="Analyse"
    )
    theirs = time.time_log(actor=world.agent2, ticket=n123, minutes=45, worked_on=date(2026, 1, 12))
    # the service manager logs for the first consultant, not billable (internal follow-up)
    time.time_log(
        actor=world.manager,
        ticket=n123,
        minutes=30,
        worked_on=date(2026, 1, 11),
        consultant=world.agent,
        billable=False,
    )
    assert {e.task_id for e in TimeEntry.objects.filter(ticket=n123)} == {task.pk}
    assert (mine.consultant, mine.period, mine.created_by) == (world.agent, JAN, world.agent)
    assert theirs.consultant == world.agent2

    totals = time_totals(actor=world.manager, ticket=n123)
    assert (totals.minutes, totals.billable_minutes) == (165, 135)
    assert [(c.consultant_id, c.minutes, c.billable_minutes) for c in totals.consultants] == [
        (world.agent.pk, 120, 90),
        (world.agent2.pk, 45, 45),
    ]
    [row] = time_tasks(actor=world.agent, ticket=n123)
    assert (row.name, row.minutes, row.billable_minutes, row.entry_count) == (
        task.name,
        165,
        135,
        3,
    )
    logged = Event.objects.filter(ticket=n123, kind="time_logged").order_by("pk")
    assert [e.internal for e in logged] == [True, True, True]
    assert logged[0].data["minutes"] == 90 and logged[0].data["note"] == "Analyse"
    assert logged[2].actor == world.manager
    assert logged[2].data["consultant"]["id"] == world.agent.pk


def test_taking_twice_in_a_month_opens_one_task_and_the_next_month_its_own(world, n123, clock):
    clock(2026, 1, 30, 18)
    actions.ticket_take(actor=world.agent, ticket=n123)
    actions.ticket_release(actor=world.agent, ticket=n123)
    actions.ticket_assign(actor=world.manager, ticket=n123, assignee=world.agent2)
    assert list(TimeTask.objects.filter(ticket=n123).values_list("month", flat=True)) == [JAN]
    # logging in February, with no task for it yet, opens February's
    clock(2026, 2, 3, 9)
    entry = time.time_log(actor=world.agent2, ticket=n123, minutes=20, worked_on=date(2026, 2, 3))
    assert entry.task.month == FEB
    assert entry.task.name.endswith(" - Février 2026")
    # and a late entry for January goes on January's task
    late = time.time_log(actor=world.agent2, ticket=n123, minutes=10, worked_on=date(2026, 1, 30))
    assert (late.task.month, late.period) == (JAN, JAN)
    assert [t.month for t in time_tasks(actor=world.agent2, ticket=n123)] == [JAN, FEB]


def test_the_task_is_named_in_the_desk_language(world, clock):
    clock(2026, 3, 2, 9)
    desk = world.desks["spt"]
    desk.language = "en"
    desk.save(update_fields=["language"])
    t = file_ticket(world.customer, "spt", title="Printer down")
    actions.ticket_take(actor=world.agent, ticket=t)
    assert TimeTask.objects.get(ticket=t).name == f"{t.key} - Printer down - March 2026"


def test_an_issued_statement_freezes_entries_and_corrections_become_adjustments(world, n123, clock):
    clock(2026, 1, 20, 10)
    actions.ticket_take(actor=world.agent, ticket=n123)
    mine = time.time_log(actor=world.agent, ticket=n123, minutes=90, worked_on=date(2026, 1, 20))
    theirs = time.time_log(actor=world.agent2, ticket=n123, minutes=45, worked_on=date(2026, 1, 20))
    clock(2026, 2, 2, 9)
    statement = issue(world.org_a, JAN, world.admin)
    mine.refresh_from_db()
    assert mine.statement == statement

    adjustment = time.time_correct(actor=world.agent, entry=mine, minutes=60, note="Trop compté")
    mine.refresh_from_db()
    assert (mine.minutes, mine.statement_id) == (90, statement.pk)  # what was billed stays
    assert adjustment.adjusts == mine
    assert (adjustment.minutes, adjustment.period, adjustment.task.month) == (-30, FEB, FEB)
    assert (adjustment.worked_on, adjustment.consultant) == (date(2026, 1, 20), world.agent)
    assert adjustment.note == "Trop compté" and adjustment.statement_id is None
    event = Event.objects.get(ticket=n123, kind="time_corrected")
    assert event.internal
    assert event.data["old"] == {"minutes": 90} and event.data["new"] == {"minutes": 60}
    assert event.data["adjustment"] == adjustment.pk and event.data["period"] == "2026-02-01"

    # corrected again: from what it now counts (60), not from what was billed
    again = time.time_correct(actor=world.manager, entry=mine.pk, minutes=75)
    assert again.minutes == 15
    assert time.effective_minutes(mine) == 75

    # a billed entry's day or billable flag no longer change; an adjustment is not edited
    for change in ({"worked_on": date(2026, 1, 19)}, {"billable": False}, {"note": "autre"}):
        with unchanged(), pytest.raises(Conflict) as caught:
            time.time_correct(actor=world.agent, entry=mine, **change)
        assert caught.value.code == "frozen"
    with unchanged(), pytest.raises(Conflict) as caught:
        time.time_correct(actor=world.agent, entry=adjustment, minutes=10)
    assert caught.value.code == "adjustment"
    with unchanged(), pytest.raises(InvalidInput):
        time.time_correct(actor=world.agent, entry=mine, minutes=75)

    # deleting a billed entry takes its time off in the next open month
    cancel = time.time_delete(actor=world.agent2, entry=theirs)
    assert TimeEntry.objects.filter(pk=theirs.pk).exists()
    assert (cancel.minutes, cancel.period, cancel.adjusts_id) == (-45, FEB, theirs.pk)
    gone = Event.objects.get(ticket=n123, kind="time_deleted")
    assert gone.data["old"]["minutes"] == 45 and gone.data["adjustment"] == cancel.pk
    with unchanged(), pytest.raises(Conflict) as caught:
        time.time_delete(actor=world.agent2, entry=theirs)
    assert caught.value.code == "cancelled"

    # time logged now for a January day is billed in February, January being issued
    late = time.time_log(actor=world.agent, ticket=n123, minutes=5, worked_on=date(2026, 1, 31))
    assert (late.period, late.task.month) == (FEB, FEB)
    totals = time_totals(actor=world.agent, ticket=n123)
    assert totals.minutes == 75 + 0 + 5


def test_an_open_entry_is_corrected_in_place_and_deleted_with_its_history(world, n123, clock):
    clock(2026, 1, 20, 10)
    entry = time.time_log(actor=world.agent, ticket=n123, minutes=30, worked_on=date(2026, 1, 20))
    corrected = time.time_correct(
        actor=world.agent, entry=entry, minutes=40, note="Appel client", billable=False
    )
    assert corrected.pk == entry.pk
    entry.refresh_from_db()
    assert (entry.minutes, entry.note, entry.billable) == (40, "Appel client", False)
    event = Event.objects.get(ticket=n123, kind="time_corrected")
    assert event.data["old"] == {"minutes": 30, "note": "", "billable": True}
    assert event.data["new"] == {"minutes": 40, "note": "Appel client", "billable": False}
    # moved to a December day: December's task, December's period
    time.time_correct(actor=world.manager, entry=entry, worked_on=date(2025, 12, 31))
    entry.refresh_from_db()
    assert (entry.period, entry.task.month, entry.task.name[-13:]) == (
        date(2025, 12, 1),
        date(2025, 12, 1),
        "Décembre 2025",
    )
    with unchanged(), pytest.raises(InvalidInput):
        time.time_correct(actor=world.agent, entry=entry, minutes=40)
    assert time.time_delete(actor=world.agent, entry=entry) is None
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()
    gone = Event.objects.get(ticket=n123, kind="time_deleted")
    assert gone.internal and gone.data["old"]["minutes"] == 40
    assert gone.data["old"]["worked_on"] == "2025-12-31"
    assert kinds(n123) == ["time_logged", "time_corrected", "time_corrected", "time_deleted"]


@pytest.mark.parametrize(
    ("minutes", "field"),
    [(0, "minutes"), (-5, "minutes"), (1441, "minutes"), ("90", "minutes"), (True, "minutes")],
)
def test_bad_minutes_are_refused(world, n123, minutes, field):
    with unchanged(), pytest.raises(InvalidInput) as caught:
        time.time_log(actor=world.agent, ticket=n123, minutes=minutes, worked_on=date.today())
    assert caught.value.field == field


def test_time_is_never_logged_in_the_future(world, n123, clock):
    clock(2026, 1, 31, 23, 30)  # already 31 January in Paris, 22:30 in UTC
    time.time_log(actor=world.agent, ticket=n123, minutes=5, worked_on=date(2026, 1, 31))
    for day in (date(2026, 2, 1), None, "2026-01-01"):
        with unchanged(), pytest.raises(InvalidInput) as caught:
            time.time_log(actor=world.agent, ticket=n123, minutes=5, worked_on=day)
        assert caught.value.field == "worked_on"
    entry = TimeEntry.objects.get()
    with unchanged(), pytest.raises(InvalidInput) as caught:
        time.time_correct(actor=world.agent, entry=entry, worked_on=date(2026, 2, 1))
    assert caught.value.field == "worked_on"
    with unchanged(), pytest.raises(InvalidInput) as caught:
        time.time_log(
            actor=world.agent, ticket=n123, minutes=5, worked_on=date(2026, 1, 1), note="x" * 501
        )
    assert caught.value.field == "note"


def test_who_may_log_and_change_time(world, n123, clock):
    clock(2026, 1, 20, 10)
    day = date(2026, 1, 20)
    entry = time.time_log(actor=world.agent, ticket=n123, minutes=30, worked_on=day)
    log, correct, delete = time.time_log, time.time_correct, time.time_delete
    logs = {"ticket": n123, "minutes": 5, "worked_on": day}
    refused = [
        # a customer, even the requester: time is the provider's business
        (PermissionDenied, lambda: log(actor=world.customer, **logs)),
        (PermissionDenied, lambda: correct(actor=world.customer, entry=entry, minutes=5)),
        (PermissionDenied, lambda: delete(actor=world.customer, entry=entry)),
        # an agent of another service does not see the ticket at all
        (NotFound, lambda: log(actor=world.other_agent, **logs)),
        (NotFound, lambda: correct(actor=world.other_agent, entry=entry, minutes=5)),
        (NotFound, lambda: delete(actor=world.other_agent, entry=entry.pk)),
        # an agent of the service changes only their own entries, logs only for themself
        (PermissionDenied, lambda: correct(actor=world.agent2, entry=entry, minutes=5)),
        (PermissionDenied, lambda: delete(actor=world.agent2, entry=entry)),
        (PermissionDenied, lambda: log(actor=world.agent2, consultant=world.agent, **logs)),
        # a manager logs for an agent of the service, not for anyone
        (InvalidInput, lambda: log(actor=world.manager, consultant=world.other_agent, **logs)),
        (InvalidInput, lambda: log(actor=world.admin, consultant=world.customer, **logs)),
        (NotFound, lambda: correct(actor=world.agent, entry=10**9, minutes=5)),
    ]
    for error, call in refused:
        with unchanged(), pytest.raises(error):
            call()
    # a guest agent of another service sees the ticket, not its time
    actions.ticket_invite(actor=world.agent, ticket=n123, user=world.other_agent)
    with unchanged(), pytest.raises(PermissionDenied):
        time.time_log(actor=world.other_agent, ticket=n123, minutes=5, worked_on=day)
    with unchanged(), pytest.raises(NotFound):
        time.time_correct(actor=world.other_agent, entry=entry, minutes=5)
    assert list(time_entries(actor=world.other_agent, ticket=n123)) == []
    assert list(time_entries(actor=world.customer, ticket=n123)) == []
    # the manager and an administrator change anyone's; the admin logs without membership
    time.time_correct(actor=world.manager, entry=entry, minutes=35)
    time.time_correct(actor=world.admin, entry=entry, minutes=40)
    own = time.time_log(actor=world.admin, ticket=n123, minutes=5, worked_on=day)
    assert own.consultant == world.admin
    time.time_delete(actor=world.admin, entry=entry)
    assert list(time_entries(actor=world.agent, ticket=n123)) == [own]


def test_another_tenants_ticket_and_entry_are_not_found(world, clock):
    clock(2026, 1, 20, 10)
    theirs = file_ticket(world.outsider, "ent", cat="electricite", title="Zeppelin")
    entry = time.time_log(
        actor=world.other_agent, ticket=theirs, minutes=30, worked_on=date(2026, 1, 20)
    )
    for who in (world.agent, world.manager):
        with unchanged(), pytest.raises(NotFound):
            time.time_log(actor=who, ticket=theirs, minutes=5, worked_on=date(2026, 1, 20))
        # the same words as for an entry that does not exist: no existence oracle
        with unchanged(), pytest.raises(NotFound, match="Cette saisie de temps est introuvable"):
            time.time_correct(actor=who, entry=entry, minutes=5)
        with unchanged(), pytest.raises(NotFound, match="Cette saisie de temps est introuvable"):
            time.time_delete(actor=who, entry=entry)
        with unchanged(), pytest.raises(NotFound, match="Cette saisie de temps est introuvable"):
            time.time_delete(actor=who, entry=10**9)
