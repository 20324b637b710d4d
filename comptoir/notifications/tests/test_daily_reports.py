# covers: NOT-3, TEN-2, NOT-7
"""Daily reports: which tickets each scope lists, only those the reader may see, grouped or
one per service, what moved since the previous report, once per slot whatever the runs,
in a bounded number of queries."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from comptoir.conftest import category, make_user, member, pg_only
from comptoir.notifications.models import Outbox
from comptoir.notifications.reports import report_key, write_reports
from comptoir.notifications.tasks import daily_reports
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

from .reporting import WINTER_8, at, listed, only_report, pref, reports, service

DAY = timedelta(days=1)


@pytest.fixture
def dsi_tickets(world):
    """ENT/DSI: t1 free (e-mail), t2 network held by gaston, t3 e-mail held by marc,
    t4 in General services, t5 refused long ago; filed the week before the slot."""
    with at(WINTER_8 - 7 * DAY):
        t1 = file_ticket(world.customer, "ent", title="Boîte pleine")
        t2 = file_ticket(world.customer, "ent", cat="reseau", title="Wi-Fi lent")
        t3 = file_ticket(world.colleague, "ent", title="Alias perdu")
        t4 = file_ticket(world.customer, "ent", cat="electricite", title="Prise morte")
        t5 = file_ticket(world.customer, "ent", title="Doublon")
        actions.ticket_take(actor=world.agent, ticket=t2)
        actions.ticket_take(actor=world.manager, ticket=t3)
        actions.ticket_transition(
            actor=world.agent, ticket=t5, code="refuse", data={"reason": "Doublon"}
        )
    return t1, t2, t3, t4, t5


def test_each_scope_lists_its_tickets(world, dsi_tickets):
    t1, t2, t3, _t4, _t5 = dsi_tickets
    member_gisele = world.agent2.memberships.get(service=service())
    member_gisele.categories.add(category("ent", "messagerie"))
    pref(world.agent, scope="free")
    pref(world.agent2, scope="categories")
    pref(world.manager, scope="mine")

    result = write_reports(WINTER_8)

    assert result == {"due": 3, "written": 3, "existing": 0, "empty": 0}
    assert listed(only_report(world.agent)) == {
        t1.key: "free",
        t2.key: "in_progress",
        t3.key: "in_progress",
    }
    assert listed(only_report(world.agent2)) == {t1.key: "free", t3.key: "in_progress"}
    assert listed(only_report(world.manager)) == {t3.key: "in_progress"}


def test_the_snapshot_is_language_neutral_data(world, dsi_tickets):
    _t1, t2, *_ = dsi_tickets
    world.agent.language = "en"
    world.agent.save(update_fields=["language"])
    p = pref(world.agent, scope="mine")

    write_reports(WINTER_8)

    row = only_report(world.agent)
    t2.refresh_from_db()
    assert (row.kind, row.language, row.email, row.ticket_id) == (
        "daily_report",
        "en",
        "gaston@example.test",
        None,
    )
    assert row.key == f"daily_report:{world.agent.pk}:{p.service_id}:2026-03-02:08"
    (section,) = row.context["services"]
    assert section["service_id"] == p.service_id and section["scope"] == "mine"
    assert section["tickets"] == [
        {
            "id": t2.pk,
            "key": t2.key,
            "title": "Wi-Fi lent",
            "bucket": "in_progress",
            "status_id": t2.status_id,
            "status": "en_cours",
            "state": "open",
            "priority_id": t2.priority_id,
            "priority": t2.priority.code,
            "holder_id": world.agent.pk,
            "updated_at": t2.updated_at.isoformat(),
            "status_changed_at": t2.status_changed_at.isoformat(),
        }
    ]
    assert row.context["counts"]["in_progress"] == 1
    assert row.context["local_date"] == "2026-03-02" and row.context["local_hour"] == 8


def test_a_report_lists_only_what_its_reader_may_see(world):
    """A customer manager who manages a service sees their own site's tickets in it, never
    another organisation's nor another site's; an agent of the service sees them all."""
    member(world.customer_manager, "ent", "dsi")
    with at(WINTER_8 - DAY):
        mine = file_ticket(world.customer, "ent", title="Site de Lyon")
        other_site = file_ticket(world.other_site, "ent", title="Site de Lille")
        other_org = file_ticket(world.outsider, "ent", title="Beta")
    pref(world.customer_manager, scope="free")
    pref(world.agent, scope="free")

    write_reports(WINTER_8)

    assert set(listed(only_report(world.customer_manager))) == {mine.key}
    assert set(listed(only_report(world.agent))) == {mine.key, other_site.key, other_org.key}


def test_suspended_none_inactive_and_former_members_get_nothing(world, dsi_tickets):
    pref(world.agent, suspended=True)
    pref(world.agent2, scope="none")
    pref(world.manager)
    world.manager.memberships.all().delete()  # no longer an agent of the service
    olga = pref(world.other_agent, service("ent", "services-generaux"))
    world.other_agent.is_active = False
    world.other_agent.save(update_fields=["is_active"])

    assert write_reports(WINTER_8)["due"] == 0
    assert not Outbox.objects.filter(kind="daily_report").exists()
    olga.refresh_from_db()
    assert olga.last_report_slot is None


def test_a_person_without_address_gets_nothing_and_nothing_to_list_writes_nothing(
    world, dsi_tickets
):
    nobody = make_user("nadia", "agent", organisation=world.provider)
    nobody.email = ""
    nobody.save(update_fields=["email"])
    member(nobody, "ent", "dsi")
    pref(nobody)
    pref(world.agent2, scope="mine")  # holds nothing

    assert write_reports(WINTER_8) == {"due": 1, "written": 0, "existing": 0, "empty": 1}
    assert reports(world.agent2) == [] and reports(nobody) == []


def test_group_all_writes_one_row_for_the_due_services(world, dsi_tickets):
    t1, t2, t3, *_ = dsi_tickets
    with at(WINTER_8 - DAY):
        spt = file_ticket(world.customer, "spt", title="ERP")
    pref(world.agent, group_all=True)
    pref(world.agent, service("spt", "customer-services"), group_all=True)
    pref(world.agent2)
    pref(world.agent2, service("spt", "customer-services"))

    write_reports(WINTER_8)

    grouped = only_report(world.agent)
    assert grouped.key == report_key(world.agent.pk, None, WINTER_8)
    assert len(grouped.context["services"]) == 2
    assert set(listed(grouped)) == {t1.key, t2.key, t3.key, spt.key}
    assert grouped.context["counts"]["free"] == 2
    separate = reports(world.agent2)
    assert {frozenset(listed(r)) for r in separate} == {
        frozenset({t1.key, t2.key, t3.key}),
        frozenset({spt.key}),
    }


def test_include_closed_shows_what_moved_since_the_previous_report(world, dsi_tickets):
    t1, t2, t3, *_ = dsi_tickets  # t5 was refused a week ago: before any window
    p = pref(world.agent, include_closed=True)
    pref(world.agent2)  # the same tickets, without the moved ones
    with at(WINTER_8 - 5 * DAY):  # Wednesday: before the first report's window
        early = file_ticket(world.customer, "ent", title="Ancien")
        actions.ticket_transition(actor=world.agent, ticket=early, code="close")
    with at(WINTER_8 - 2 * DAY):  # Saturday: since Friday's 8:00, the slot last due
        weekend = file_ticket(world.customer, "ent", title="Samedi")
        actions.ticket_transition(actor=world.agent, ticket=weekend, code="close")

    write_reports(WINTER_8)

    first = only_report(world.agent)
    assert first.context["services"][0]["since"] == (WINTER_8 - 3 * DAY).isoformat()
    assert listed(first, "moved") == {weekend.key: "closed"}
    p.refresh_from_db()
    assert p.last_report_slot == WINTER_8

    with at(WINTER_8 + timedelta(hours=3)):
        actions.ticket_transition(actor=world.agent, ticket=t1, code="close")
        actions.ticket_transition(
            actor=world.agent, ticket=t2, code="refuse", data={"reason": "Hors périmètre"}
        )
        actions.ticket_transition(
            actor=world.manager, ticket=t3, code="postpone", data={"reason": "Congés"}
        )
    write_reports(WINTER_8 + DAY)

    second = reports(world.agent)[1]
    (section,) = second.context["services"]
    assert section["since"] == WINTER_8.isoformat()
    assert listed(second, "moved") == {t1.key: "closed", t2.key: "refused", t3.key: "postponed"}
    assert listed(second) == {}  # nothing free or in progress is left
    assert section["counts"] == {
        "free": 0,
        "in_progress": 0,
        "closed": 1,
        "refused": 1,
        "postponed": 1,
    }
    assert reports(world.agent2)[0].context["services"][0]["moved"] == []
    assert len(reports(world.agent2)) == 1  # its second report had nothing to list


def test_a_suspension_keeps_since_at_the_last_report_written(world, dsi_tickets):
    t1, *_ = dsi_tickets
    p = pref(world.agent, scope="mine", include_closed=True)
    write_reports(WINTER_8)
    pref(world.agent, scope="mine", include_closed=True, suspended=True)
    with at(WINTER_8 + DAY + timedelta(hours=1)):
        actions.ticket_take(actor=world.agent, ticket=t1)
        actions.ticket_transition(actor=world.agent, ticket=t1, code="close")
    assert write_reports(WINTER_8 + DAY)["due"] == 0
    pref(world.agent, scope="mine", include_closed=True)

    write_reports(WINTER_8 + 2 * DAY)

    latest = reports(world.agent)[-1]
    assert latest.context["services"][0]["since"] == WINTER_8.isoformat()
    assert listed(latest, "moved") == {t1.key: "closed"}
    p.refresh_from_db()
    assert p.last_report_slot == WINTER_8 + 2 * DAY


def test_running_a_slot_twice_writes_each_report_once(world, dsi_tickets):
    pref(world.agent)
    pref(world.agent2, group_all=True)
    slot = WINTER_8.isoformat()

    first = daily_reports.call(slot)
    again = daily_reports.call(slot.replace("+00:00", "Z"))

    assert first == {"due": 2, "written": 2, "existing": 0, "empty": 0}
    assert again == {"due": 2, "written": 0, "existing": 2, "empty": 0}
    assert Outbox.objects.filter(kind="daily_report").count() == 2


@pg_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_write_each_report_once(world, dsi_tickets):
    """Two schedulers' runs of one slot overlap: the second one's insert waits on the
    first one's uncommitted keys, then skips them."""
    pref(world.agent)
    pref(world.agent2, group_all=True)
    failures: list[BaseException] = []

    def other_run() -> None:
        try:
            write_reports(WINTER_8)
        except BaseException as exc:  # surfaced below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        write_reports(WINTER_8)
        other = threading.Thread(target=other_run)
        other.start()
        other.join(timeout=1)
    other.join(timeout=30)

    assert not other.is_alive() and failures == []
    assert Outbox.objects.filter(kind="daily_report").count() == 2


def test_the_key_is_unique_but_empty_keys_are_not(world):
    Outbox.objects.create(kind="x", email="a@example.test")
    Outbox.objects.create(kind="x", email="a@example.test")  # rules' rows: no key
    Outbox.objects.create(kind="daily_report", key="daily_report:1:all:2026-03-02:08")
    with pytest.raises(IntegrityError), transaction.atomic():
        Outbox.objects.create(kind="daily_report", key="daily_report:1:all:2026-03-02:08")
    written = Outbox.objects.bulk_create(
        [Outbox(kind="daily_report", key="daily_report:1:all:2026-03-02:08")],
        ignore_conflicts=True,
    )
    assert len(written) == 1  # the conflict is ignored, not raised
    assert Outbox.objects.filter(key="daily_report:1:all:2026-03-02:08").count() == 1


def test_queries_grow_with_recipients_not_with_tickets_or_services(world, dsi_tickets):
    def queries(slot) -> int:
        with CaptureQueriesContext(connection) as ctx:
            write_reports(slot)
        return len(ctx.captured_queries)

    pref(world.agent, include_closed=True)
    one = queries(WINTER_8)
    for person in (world.agent2, world.manager):
        pref(person, include_closed=True)
        pref(person, service("spt", "customer-services"), scope="categories")
    member(world.customer_manager, "ent", "dsi")
    pref(world.customer_manager)  # a customer: one more query for their visibility grants
    with at(WINTER_8):
        for n in range(12):
            file_ticket(world.customer, "ent", title=f"Ticket {n}")
    four = queries(WINTER_8 + DAY)

    assert Outbox.objects.filter(kind="daily_report").count() == 1 + 4
    # Two ticket queries per recipient (bucket counts, listed rows), plus one for the
    # customer's visibility grants; the rest (preferences, workflows, keys, insert,
    # bookkeeping) is paid once per batch.
    assert one <= 9
    assert four - one <= 2 * 3 + 1


def test_a_long_section_lists_the_first_tickets_and_counts_them_all(
    world, dsi_tickets, monkeypatch
):
    """Each section is cut at MAX_LISTED in the report's order (priority, then the latest
    update first); the counts stay exact and `truncated` says so."""
    t1, t2, t3, _t4, _t5 = dsi_tickets
    monkeypatch.setattr("comptoir.notifications.reports.MAX_LISTED", 2)
    p = pref(world.agent, include_closed=True)
    with at(WINTER_8 - 2 * DAY):
        for title in ("Un", "Deux", "Trois"):
            closed = file_ticket(world.customer, "ent", title=title)
            actions.ticket_transition(actor=world.agent, ticket=closed, code="close")

    write_reports(WINTER_8)

    (section,) = only_report(world.agent).context["services"]
    assert section["counts"] == {
        "free": 1,
        "in_progress": 2,
        "closed": 3,
        "refused": 0,
        "postponed": 0,
    }
    assert section["truncated"] is True
    assert len(section["tickets"]) == len(section["moved"]) == 2
    assert {e["bucket"] for e in section["moved"]} == {"closed"}
    every = [t1, t2, t3]
    for t in every:
        t.refresh_from_db()
    expected = sorted(every, key=lambda t: (t.priority.rank, -t.updated_at.timestamp(), -t.pk))
    assert [e["key"] for e in section["tickets"]] == [t.key for t in expected[:2]]
    p.refresh_from_db()
    assert p.last_report_slot == WINTER_8
