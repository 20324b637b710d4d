# covers: BIL-1, TEN-2
"""The time panel of the console's ticket page and what it posts to: logging, correcting,
deleting, the timer; refusals shown in place with what was typed; another tenant's ticket
or entry is a 404 and nothing is written; the page's query count does not grow."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.billing import actions as time
from comptoir.billing.models import TimeEntry, Timer
from comptoir.billing.tests.conftest import issue, unchanged
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db


def page(ticket) -> str:
    return reverse("console:ticket", kwargs={"key": ticket.key})


def url(name: str, *args) -> str:
    return reverse(f"billing:{name}", args=args)


def text(response) -> str:
    return html.unescape(response.content.decode())


def error_next_to(response, field_id: str) -> str:
    match = re.search(
        rf'<small class="field-error" id="{re.escape(field_id)}_error"[^>]*>([^<]+)<',
        response.content.decode(),
    )
    assert match, f"no error next to {field_id}"
    return html.unescape(match.group(1))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def taken(world, n123, clock):
    """The ticket taken by the N1 agent; the staff read the console in English."""
    for who in (world.agent, world.agent2, world.manager, world.other_agent, world.customer):
        who.language = "en"
        who.save(update_fields=["language"])
    clock(2026, 1, 20, 10)
    actions.ticket_take(actor=world.agent, ticket=n123)
    return n123


def test_the_panel_shows_totals_tasks_entries_and_the_forms_to_staff(world, taken, login):
    time.time_log(
        actor=world.agent, ticket=taken, minutes=90, worked_on=date(2026, 1, 20), note="Analyse"
    )
    time.time_log(
        actor=world.agent2, ticket=taken, minutes=45, worked_on=date(2026, 1, 19), billable=False
    )
    body = text(login(world.agent).get(page(taken)))
    panel = body[body.index('id="time"') :]
    assert "Time spent" in panel and "2 h 15" in panel
    assert f"{taken.key} - Création de l'utilisateur Fabrice - Janvier 2026" in panel
    assert "Analyse" in panel and "not billable" in panel and "of which 1 h 30 billable" in panel
    assert 'value="2026-01-20"' in panel  # the log form's date defaults to today
    assert 'name="time-consultant"' not in panel  # an agent logs their own time
    assert panel.count("Correct</summary>") == 1  # their own entry only
    assert 'src="/static/billing/timer.js"' in body
    assert "<script>" not in panel  # no inline script
    manager = text(login(world.manager).get(page(taken)))
    assert 'name="time-consultant"' in manager
    assert manager.count("Correct</summary>") == 2
    # a customer never sees time; an agent of another service following as a guest neither
    actions.ticket_invite(actor=world.agent, ticket=taken, user=world.other_agent)
    guest = text(login(world.other_agent).get(page(taken)))
    assert "Analyse" in guest and 'id="time"' not in guest  # the note is on the timeline
    portal = text(login(world.customer).get(reverse("portal:ticket", kwargs={"key": taken.key})))
    assert "Time spent" not in portal and "Analyse" not in portal


def test_logging_time_from_the_page(world, taken, login):
    c = login(world.manager)
    response = c.post(
        url("time_log", taken.key),
        {
            "time-minutes": "1h30",
            "time-worked_on": "2026-01-19",
            "time-note": "Appel",
            "time-billable": "on",
            "time-consultant": world.agent2.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == page(taken) + "#time"
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.consultant, entry.worked_on, entry.billable) == (
        90,
        world.agent2,
        date(2026, 1, 19),
        True,
    )
    after = c.get(response["Location"])
    assert f"Logged 1 h 30 on {taken.key}." in messages_of(after)
    # an agent's own, not billable (an unticked box)
    login(world.agent).post(
        url("time_log", taken.key), {"time-minutes": "20", "time-worked_on": "2026-01-20"}
    )
    assert TimeEntry.objects.get(consultant=world.agent).billable is False


@pytest.mark.parametrize(
    ("typed", "day", "field", "message"),
    [
        ("1h75", "2026-01-20", "id_time-minutes", "under 60"),
        ("", "2026-01-20", "id_time-minutes", "Enter a duration"),
        ("0", "2026-01-20", "id_time-minutes", "at least one minute"),
        ("25h", "2026-01-20", "id_time-minutes", "cannot exceed 24 hours"),
        ("deux heures", "2026-01-20", "id_time-minutes", "is not a duration"),
        ("1h", "2026-01-21", "id_time-worked_on", "cannot be in the future"),
    ],
)
def test_a_refused_entry_is_shown_in_place_with_what_was_typed(
    world, taken, login, typed, day, field, message
):
    with unchanged():
        response = login(world.agent).post(
            url("time_log", taken.key),
            {"time-minutes": typed, "time-worked_on": day, "time-note": "Mon texte"},
        )
    assert response.status_code == 400
    assert message in error_next_to(response, field)
    body = text(response)
    assert f'value="{typed}"' in body if typed else True
    assert 'value="Mon texte"' in body and f'value="{day}"' in body
    assert re.search(r'<details class="act log" open>', body)


def test_correcting_and_deleting_from_the_page(world, taken, login, clock):
    mine = time.time_log(actor=world.agent, ticket=taken, minutes=30, worked_on=date(2026, 1, 20))
    c = login(world.agent)
    prefix = f"entry-{mine.pk}"
    response = c.post(
        url("time_correct", mine.pk),
        {f"{prefix}-minutes": "0:40", f"{prefix}-worked_on": "2026-01-20", f"{prefix}-note": "x"},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.minutes, mine.note, mine.billable) == (40, "x", False)
    # refused: the error next to the field, the typed value kept, the form open
    with unchanged():
        response = c.post(
            url("time_correct", mine.pk),
            {f"{prefix}-minutes": "3 jours", f"{prefix}-worked_on": "2026-01-20"},
        )
    assert response.status_code == 400
    assert "is not a duration" in error_next_to(response, f"id_{prefix}-minutes")
    assert 'value="3 jours"' in text(response)
    # billed: the page's correction becomes an adjustment, said so
    clock(2026, 2, 2, 9)
    issue(world.org_a, date(2026, 1, 1), world.admin)
    c = login(world.agent)  # a new day, a new session
    response = c.post(url("time_correct", mine.pk), {f"{prefix}-minutes": "1h"}, follow=True)
    assert "Already billed: the correction (20 min) is counted in February 2026." in (
        messages_of(response)
    )
    assert "🔒 on statement" in text(response)
    response = c.post(url("time_delete", mine.pk), follow=True)
    assert "Already billed: its time is taken off in February 2026." in messages_of(response)
    assert sum(TimeEntry.objects.values_list("minutes", flat=True)) == 0
    other = time.time_log(actor=world.agent, ticket=taken, minutes=5, worked_on=date(2026, 2, 2))
    response = c.post(url("time_delete", other.pk), follow=True)
    assert "Time entry deleted." in messages_of(response)
    assert not TimeEntry.objects.filter(pk=other.pk).exists()


def test_someone_elses_entry_is_refused_and_nothing_written(world, taken, login):
    mine = time.time_log(actor=world.agent, ticket=taken, minutes=30, worked_on=date(2026, 1, 20))
    c = login(world.agent2)
    prefix = f"entry-{mine.pk}"
    with unchanged():
        response = c.post(
            url("time_correct", mine.pk),
            {f"{prefix}-minutes": "45", f"{prefix}-worked_on": "2026-01-20"},
        )
    assert response.status_code == 400
    assert "You may change only your own time entries." in messages_of(response)
    with unchanged():
        response = c.post(url("time_delete", mine.pk), follow=True)
    assert "You may change only your own time entries." in messages_of(response)
    # an agent's form has no consultant: one forged in is ignored, the time is theirs
    c.post(
        url("time_log", taken.key),
        {"time-minutes": "45", "time-worked_on": "2026-01-20", "time-consultant": world.agent.pk},
    )
    assert TimeEntry.objects.get(minutes=45).consultant == world.agent2
    assert TimeEntry.objects.get(minutes=30) == mine


def test_another_tenants_ticket_or_entry_is_a_404_on_every_time_page(world, taken, login):
    theirs = file_ticket(world.outsider, "ent", cat="electricite", title="Zeppelin")
    entry = time.time_log(
        actor=world.other_agent, ticket=theirs, minutes=30, worked_on=date(2026, 1, 20)
    )
    mine = time.time_log(actor=world.agent, ticket=taken, minutes=30, worked_on=date(2026, 1, 20))
    prefix = f"entry-{entry.pk}"
    foreign = [
        (url("time_log", theirs.key), {"time-minutes": "30", "time-worked_on": "2026-01-20"}),
        (url("timer_start", theirs.key), {}),
        (url("time_correct", entry.pk), {f"{prefix}-minutes": "5"}),
        (url("time_delete", entry.pk), {}),
        (url("time_log", "#999999"), {"time-minutes": "30", "time-worked_on": "2026-01-20"}),
        (url("time_correct", 10**9), {}),
        (url("time_delete", 10**9), {}),
    ]
    for who in (world.agent, world.manager):
        c = login(who)
        for target, data in foreign:
            with unchanged():
                assert c.post(target, data).status_code == 404, (who, target)
    # a customer gets a 404 from every time page, even on their own ticket
    c = login(world.customer)
    own = [
        (url("time_log", taken.key), {"time-minutes": "30", "time-worked_on": "2026-01-20"}),
        (url("timer_start", taken.key), {}),
        (url("time_correct", mine.pk), {f"entry-{mine.pk}-minutes": "5"}),
        (url("time_delete", mine.pk), {}),
        (url("timer_stop"), {}),
        (url("timer_cancel"), {}),
    ]
    for target, data in own:
        with unchanged():
            assert c.post(target, data).status_code == 404, target
    assert login(world.agent).get(url("time_log", taken.key)).status_code == 405


def test_the_timer_from_the_page_without_javascript(world, taken, login, clock):
    c = login(world.agent)
    response = c.post(url("timer_start", taken.key), follow=True)
    assert f"Timer started on {taken.key}." in messages_of(response)
    body = text(response)
    assert "Your timer is running" in body and "data-timer-since=" in body
    other = file_ticket(world.colleague, "n123", title="Autre poste")
    with unchanged():
        response = c.post(url("timer_start", other.key), follow=True)
    assert any(f"Your timer is running on {taken.key}" in m for m in messages_of(response))
    body = text(c.get(page(other)))
    assert f"Your timer is running on {taken.key} since 10:00" in body
    assert f"Stop and log it on {taken.key}" in body
    clock(2026, 1, 20, 10, 41, 30)
    c = login(world.agent)  # sessions end after 15 idle minutes
    # the compact stop button (no note, no box): billable by default, back where it was
    response = c.post(url("timer_stop"), {"next": page(other)})
    assert response["Location"] == page(other)
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.billable, entry.ticket_id) == (42, True, taken.pk)
    assert not Timer.objects.exists()
    assert "Timer stopped: 42 min logged on" in messages_of(c.get(page(other)))[0]
    # the full form: the note, and an unticked box
    c.post(url("timer_start", other.key))
    clock(2026, 1, 20, 10, 50)
    c.post(url("timer_stop"), {"timer-note": "Fini", "timer-shown": "1"})
    last = TimeEntry.objects.latest("pk")
    assert (last.note, last.billable, last.ticket_id) == ("Fini", False, other.pk)
    response = c.post(url("timer_stop"), follow=True)
    assert "No timer is running." in messages_of(response)
    c.post(url("timer_start", other.key))
    response = c.post(url("timer_cancel"), {"next": page(other)}, follow=True)
    assert "Timer cancelled: nothing was logged." in messages_of(response)
    assert TimeEntry.objects.count() == 2


def _count(client, target) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(target)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_ticket_page_costs_the_same_with_3_or_30_entries(
    world, taken, login, clock, django_assert_max_num_queries
):
    c = login(world.manager)
    time.timer_start(actor=world.manager, ticket=taken)

    def log(n: int) -> None:
        for i in range(n):
            who = (world.agent, world.agent2, world.manager)[i % 3]
            time.time_log(actor=who, ticket=taken, minutes=10 + i, worked_on=date(2026, 1, 20))

    log(3)
    few = _count(c, page(taken))
    log(24)
    clock(2026, 2, 2, 9)
    issue(world.org_a, date(2026, 1, 1), world.admin)
    c = login(world.manager)
    first = TimeEntry.objects.order_by("pk").first()
    time.time_correct(actor=world.manager, entry=first, minutes=5)
    log(2)
    assert TimeEntry.objects.count() == 30
    assert _count(c, page(taken)) == few
    with django_assert_max_num_queries(few):
        c.get(page(taken))
