"""Guests, links, muting, confirmation, assessment, conversion, escalation, transfer."""

from __future__ import annotations

import pytest

from comptoir.api.tests.helpers import api_client
from comptoir.api.tests.test_tickets import create
from comptoir.catalog.models import Category
from comptoir.tickets.models import Guest, Ticket, TicketLink

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_agent_invites_a_guest_of_the_same_organisation_only(world):
    key = create(api_client(world.customer))["key"]
    gaston = api_client(world.agent)
    invited = gaston.post(
        f"/api/v1/tickets/{key}/guests", {"user_id": world.colleague.pk}, content_type=JSON
    )
    assert invited.status_code == 201, invited.content
    listed = gaston.get(f"/api/v1/tickets/{key}/guests").json()
    assert [g["username"] for g in listed] == ["albert"]
    # albert now sees the ticket through the API
    assert api_client(world.colleague).get(f"/api/v1/tickets/{key}").status_code == 200
    foreign = gaston.post(
        f"/api/v1/tickets/{key}/guests", {"user_id": world.outsider.pk}, content_type=JSON
    )
    assert foreign.status_code == 404
    assert not Guest.objects.filter(user=world.outsider).exists()
    removed = gaston.delete(f"/api/v1/tickets/{key}/guests/{world.colleague.pk}")
    assert removed.status_code == 200
    assert not Guest.objects.filter(user=world.colleague).exists()


def test_customer_may_not_invite(world):
    alice = api_client(world.customer)
    key = create(alice)["key"]
    response = alice.post(
        f"/api/v1/tickets/{key}/guests", {"user_id": world.colleague.pk}, content_type=JSON
    )
    assert response.status_code == 403


def test_links_only_to_tickets_the_caller_sees(world):
    alice = api_client(world.customer)
    one, two = create(alice)["key"], create(alice)["key"]
    foreign = create(api_client(world.outsider))["key"]
    gaston = api_client(world.agent)
    linked = gaston.post(f"/api/v1/tickets/{one}/links", {"target": two}, content_type=JSON)
    assert linked.status_code == 201, linked.content
    assert TicketLink.objects.filter(source__key=one, target__key=two).exists()
    other = alice.post(f"/api/v1/tickets/{one}/links", {"target": foreign}, content_type=JSON)
    assert other.status_code == 404
    bad_kind = gaston.post(
        f"/api/v1/tickets/{one}/links", {"target": two, "kind": "nope"}, content_type=JSON
    )
    assert bad_kind.status_code == 422


def test_mute_and_refusals_of_the_requester_steps(world):
    alice = api_client(world.customer)
    key = create(alice)["key"]
    assert alice.post(f"/api/v1/tickets/{key}/mute", {}, content_type=JSON).status_code == 200
    not_resolved = alice.post(
        f"/api/v1/tickets/{key}/confirm-resolution", {"accepted": True}, content_type=JSON
    )
    assert 400 <= not_resolved.status_code < 500
    assert not_resolved["Content-Type"] == "application/problem+json"
    out_of_scale = alice.post(
        f"/api/v1/tickets/{key}/assessment", {"satisfaction": 9}, content_type=JSON
    )
    assert out_of_scale.status_code == 422 and out_of_scale.json()["field"] == "satisfaction"
    too_early = alice.post(
        f"/api/v1/tickets/{key}/assessment", {"satisfaction": 4}, content_type=JSON
    )
    assert 400 <= too_early.status_code < 500


def test_staff_only_moves_refused_to_customers(world):
    alice = api_client(world.customer)
    key = create(alice)["key"]
    for path, body in (
        ("convert", {}),
        ("escalate", {}),
        ("transfer", {"category_id": Category.objects.first().pk}),
    ):
        response = alice.post(f"/api/v1/tickets/{key}/{path}", body, content_type=JSON)
        assert 400 <= response.status_code < 500, path
    assert Ticket.objects.get(key=key).version == 1


def test_agent_transfers_within_the_desk(world):
    created = create(api_client(world.customer))
    key = created["key"]
    ticket = Ticket.objects.get(key=key)
    target = (
        Category.objects.filter(service__desk_id=ticket.desk_id, is_active=True)
        .exclude(pk=ticket.category_id)
        .first()
    )
    gaston = api_client(world.agent)
    moved = gaston.post(
        f"/api/v1/tickets/{key}/transfer",
        {"category_id": target.pk, "reason": "wrong queue"},
        content_type=JSON,
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["category_id"] == target.pk
    elsewhere = Category.objects.exclude(service__desk_id=ticket.desk_id).first()
    refused = gaston.post(
        f"/api/v1/tickets/{key}/transfer", {"category_id": elsewhere.pk}, content_type=JSON
    )
    assert refused.status_code == 400 and refused.json()["field"] == "category_id"


def test_another_tenant_gets_404_on_every_action(world):
    key = create(api_client(world.customer))["key"]
    bob = api_client(world.outsider)
    for path, body in (
        ("guests", {"user_id": world.outsider.pk}),
        ("links", {"target": key}),
        ("mute", {}),
        ("confirm-resolution", {"accepted": True}),
        ("assessment", {"satisfaction": 3}),
        ("convert", {}),
        ("escalate", {}),
        ("transfer", {"category_id": Category.objects.first().pk}),
    ):
        response = bob.post(f"/api/v1/tickets/{key}/{path}", body, content_type=JSON)
        assert response.status_code == 404, path
        assert key not in response.content.decode()
