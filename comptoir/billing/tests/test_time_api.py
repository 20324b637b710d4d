# covers: BIL-1, X-2, TEN-2
"""Time through the API: read a ticket's entries and totals, log, correct, delete; the
refusals as problem details on the field concerned; billed entries corrected by
adjustments; another tenant's ticket or entry a 404 with nothing written. (Every role
on every operation is in comptoir/api/tests/matrix_billing_time.py.)"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import quote

import pytest

from comptoir.api.tests.helpers import api_client
from comptoir.billing import actions as time
from comptoir.billing.models import TimeEntry
from comptoir.billing.tests.conftest import issue, unchanged
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.COMPTOIR_API_RATE = ""


@pytest.fixture
def taken(world, n123, clock):
    clock(2026, 1, 20, 10)
    actions.ticket_take(actor=world.agent, ticket=n123)
    return n123


def time_url(ticket) -> str:
    return f"{API}/tickets/{quote(ticket.key, safe='')}/time"


def post(client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client, url: str, body: dict):
    return client.patch(url, json.dumps(body), content_type="application/json")


def test_log_then_read_the_entries_tasks_and_totals(world, taken):
    agent = api_client(world.agent)
    made = post(agent, time_url(taken), {"duration": "1h30", "note": "Analyse"})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["minutes"] == 90 and body["duration"] == "1 h 30"
    assert body["worked_on"] == "2026-01-20" and body["period"] == "2026-01-01"
    assert body["task"] == f"{taken.key} - Création de l'utilisateur Fabrice - Janvier 2026"
    assert body["consultant"] == "gaston" and body["on_statement"] is False
    manager = api_client(world.manager)
    made = post(
        manager,
        time_url(taken),
        {
            "minutes": 45,
            "worked_on": "2026-01-19",
            "billable": False,
            "consultant_id": world.agent2.pk,
        },
    )
    assert made.status_code == 201, made.content
    read = agent.get(time_url(taken))
    assert read.status_code == 200
    data = read.json()
    assert (data["minutes"], data["billable_minutes"]) == (135, 90)
    assert [(c["name"], c["minutes"]) for c in data["consultants"]] == [
        ("gaston", 90),
        ("gisele", 45),
    ]
    assert [(t["month"], t["minutes"]) for t in data["tasks"]] == [("2026-01-01", 135)]
    assert [(e["worked_on"], e["consultant"]) for e in data["entries"]] == [
        ("2026-01-19", "gisele"),
        ("2026-01-20", "gaston"),
    ]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"duration": "1h75"}, "duration", "invalid"),
        ({"duration": "n'importe quoi"}, "duration", "invalid"),
        ({"duration": ""}, "duration", "invalid"),
        ({}, "minutes", "invalid"),
        ({"minutes": 30, "duration": "30"}, "duration", "invalid"),
        ({"minutes": 30, "worked_on": "2026-01-21"}, "worked_on", "invalid"),
        ({"minutes": 30, "consultant_id": 2**31 - 1}, "consultant_id", "invalid"),
    ],
)
def test_refusals_name_their_field_and_write_nothing(world, taken, body, field, code):
    with unchanged():
        response = post(api_client(world.agent), time_url(taken), body)
    assert response.status_code == 400, response.content
    problem = response.json()
    assert (problem["field"], problem["code"]) == (field, code)
    assert response["Content-Type"] == "application/problem+json"


def test_out_of_range_minutes_are_422(world, taken):
    for minutes in (0, 1441, -3):
        with unchanged():
            response = post(api_client(world.agent), time_url(taken), {"minutes": minutes})
        assert response.status_code == 422


def test_an_agent_logs_only_for_themself_and_a_customer_reads_nothing(world, taken):
    with unchanged():
        response = post(
            api_client(world.agent2),
            time_url(taken),
            {"minutes": 5, "consultant_id": world.agent.pk},
        )
    assert response.status_code == 403 and response.json()["code"] == "not_manager"
    # a person of another tenant is refused like a missing one: no name in the answer
    with unchanged():
        response = post(
            api_client(world.manager),
            time_url(taken),
            {"minutes": 5, "consultant_id": world.outsider.pk},
        )
    assert response.status_code == 400 and "bob" not in response.content.decode()
    customer = api_client(world.customer)
    assert customer.get(time_url(taken)).status_code == 403


def test_correct_and_delete_and_billed_entries_become_adjustments(world, taken, clock):
    entry = time.time_log(actor=world.agent, ticket=taken, minutes=30, worked_on=date(2026, 1, 20))
    agent = api_client(world.agent)
    url = f"{API}/time-entries/{entry.pk}"
    response = patch(agent, url, {"duration": "40 min", "note": "Appel", "billable": False})
    assert response.status_code == 200, response.content
    assert (response.json()["minutes"], response.json()["billable"]) == (40, False)
    with unchanged():
        assert patch(api_client(world.agent2), url, {"minutes": 5}).status_code == 403
    clock(2026, 2, 2, 9)
    issue(world.org_a, date(2026, 1, 1), world.admin)
    agent = api_client(world.agent)
    response = patch(agent, url, {"minutes": 60})
    assert response.status_code == 200
    adjustment = response.json()
    assert (adjustment["adjusts_id"], adjustment["minutes"], adjustment["period"]) == (
        entry.pk,
        20,
        "2026-02-01",
    )
    with unchanged():
        response = patch(agent, url, {"worked_on": "2026-01-19"})
    assert response.status_code == 409 and response.json()["code"] == "frozen"
    response = agent.delete(url)
    assert response.status_code == 200
    assert response.json()["deleted"] is False
    assert response.json()["adjustment"]["minutes"] == -60
    fresh = time.time_log(actor=world.agent, ticket=taken, minutes=5, worked_on=date(2026, 2, 2))
    response = agent.delete(f"{API}/time-entries/{fresh.pk}")
    assert response.json() == {"id": fresh.pk, "deleted": True, "adjustment": None}
    assert not TimeEntry.objects.filter(pk=fresh.pk).exists()


def test_another_tenants_ticket_and_entry_are_404_on_every_operation(world, taken):
    theirs = file_ticket(world.outsider, "ent", cat="electricite", title="Zeppelin")
    entry = time.time_log(
        actor=world.other_agent,
        ticket=theirs,
        minutes=30,
        worked_on=date(2026, 1, 20),
        note="Kessel",
    )
    mine = time.time_log(actor=world.agent, ticket=taken, minutes=30, worked_on=date(2026, 1, 20))
    for who in (world.agent, world.manager, world.customer):
        client = api_client(who)
        calls = [
            lambda c=client: c.get(time_url(theirs)),
            lambda c=client: post(c, time_url(theirs), {"minutes": 5}),
            lambda c=client: patch(c, f"{API}/time-entries/{entry.pk}", {"minutes": 5}),
            lambda c=client: c.delete(f"{API}/time-entries/{entry.pk}"),
        ]
        for call in calls:
            with unchanged():
                response = call()
            assert response.status_code == 404, (who, response.content)
            assert b"Kessel" not in response.content and b"Zeppelin" not in response.content
    # a customer's own ticket: its entries are not theirs to see either
    client = api_client(world.customer)
    for call in (
        lambda: patch(client, f"{API}/time-entries/{mine.pk}", {"minutes": 5}),
        lambda: client.delete(f"{API}/time-entries/{mine.pk}"),
    ):
        with unchanged():
            assert call().status_code == 404
    # a token limited to another desk does not reach the entry
    limited = api_client(world.agent, desk=world.desks["ent"])
    with unchanged():
        assert limited.delete(f"{API}/time-entries/{mine.pk}").status_code == 404
    read_only = api_client(world.agent, read_only=True)
    with unchanged():
        response = post(read_only, time_url(taken), {"minutes": 5})
    assert response.status_code == 403 and response.json()["code"] == "read_only_token"
