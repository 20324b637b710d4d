# covers: WF-6, X-2
"""Quotes through the API: GET /tickets/{key}/quotes for whoever sees the ticket, the
transition endpoint's body carrying the quote's optional details, its refusals as problem
details on the field, and another customer or service refused like a missing ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from comptoir.api.tests.helpers import api_client
from comptoir.billing.tests.quote_helpers import analysed, quoted, quotes_of, unchanged
from comptoir.tickets import actions

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.COMPTOIR_API_RATE = ""


def url(t, tail: str = "quotes") -> str:
    return f"/api/v1/tickets/{t.key.replace('#', '%23')}/{tail}"


def post(client, path: str, body: dict):
    return client.post(path, body, content_type="application/json")


def test_submit_with_the_quote_details_then_read_the_quotes(world):
    t = analysed(world)
    until = (timezone.localdate() + timedelta(days=15)).isoformat()
    body = {
        "quote_amount": "1200.00",
        "quote_effort_hours": 8,
        "quote_valid_until": until,
        "quote_description": "Export FEC mensuel.",
    }
    response = post(api_client(world.agent), url(t, "transitions/submit_quote"), body)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "attente_chiffrage"

    for who in ("customer", "customer_manager", "agent2", "admin"):
        listed = api_client(getattr(world, who)).get(url(t))
        assert listed.status_code == 200
        [q] = listed.json()
        assert q["number"] == 1 and q["amount"] == "1200.00" and q["currency"] == "EUR"
        assert (q["effort_hours"], q["valid_until"], q["expired"]) == ("8", until, False)
        assert (q["status"], q["submitted_by"], q["decided_by"]) == ("submitted", "gaston", None)
        assert q["description"] == "Export FEC mensuel."

    post(api_client(world.customer), url(t, "transitions/accept_quote"), {})
    [q] = api_client(world.customer).get(url(t)).json()
    assert (q["status"], q["decided_by"]) == ("accepted", "alice")


def test_refused_quote_data_is_a_problem_on_its_field(world):
    t = analysed(world)
    agent = api_client(world.agent)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    for field, value, status in (
        ("quote_effort_hours", "-1", 400),
        ("quote_effort_hours", "20000", 400),
        ("quote_valid_until", past, 400),
        ("quote_valid_until", "31/12/2030", 422),  # not an ISO date: the schema refuses it
        ("quote_amount", "0", 400),
    ):
        body = {"quote_amount": "1200", field: value}
        with unchanged():
            response = post(agent, url(t, "transitions/submit_quote"), body)
        assert response.status_code == status, (field, value, response.content)
        assert response["Content-Type"] == PROBLEM
        problem = response.json()
        named = problem.get("field") or str(problem)
        assert field in named, problem
    assert quotes_of(t) == []


def test_an_expired_quote_is_a_conflict(world):
    t = quoted(world, quote_valid_until=timezone.localdate().isoformat())
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        alice = api_client(world.customer)
        with unchanged():
            response = post(alice, url(t, "transitions/accept_quote"), {})
        assert response.status_code == 409
        assert response.json()["code"] == "quote_expired"
        [q] = alice.get(url(t)).json()
        assert q["expired"] is True


def test_another_customer_or_service_gets_a_404_and_nothing_is_written(world):
    t = quoted(world, quote_description="Secret de fabrication")
    for who in ("outsider", "other_agent", "other_site", "colleague"):
        client = api_client(getattr(world, who))
        with unchanged():
            listed = client.get(url(t))
            accepted = post(client, url(t, "transitions/accept_quote"), {})
        for response in (listed, accepted):
            assert response.status_code == 404, (who, response.content)
            assert b"Secret" not in response.content and b"1200" not in response.content
    # a token limited to another desk does not reach it either
    limited = api_client(world.customer, desk=world.desks["spt"])
    assert limited.get(url(t)).status_code == 404
    assert quotes_of(t) == [(1, "1200.00", "submitted")]


def test_a_ticket_without_quotes_lists_none(world):
    t = analysed(world)
    assert api_client(world.customer).get(url(t)).json() == []
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="submit_quote", data={"quote_amount": "50"}
    )
    assert [q["number"] for q in api_client(world.customer).get(url(t)).json()] == [1]
