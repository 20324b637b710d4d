"""Tickets through the API, for each role; another tenant's ticket is a 404 with no data."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.api.tests.helpers import TokenClient, api_client
from comptoir.catalog.models import Category, TicketType
from comptoir.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def payload(desk: str = "spt", **extra: Any) -> dict[str, Any]:
    type_ = TicketType.objects.filter(desk__slug=desk, customer_may_create=True).first()
    cat = Category.objects.filter(service__desk__slug=desk, is_active=True).first()
    data = {
        "desk": desk,
        "type": type_.code,
        "category_id": cat.pk,
        "title": "Printer jammed",
        "description": "It blinks red.",
    }
    data.update(extra)
    return data


def create(client: TokenClient, **extra: Any) -> dict[str, Any]:
    response = client.post("/api/v1/tickets", payload(**extra), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_customer_creates_lists_and_reads_with_timeline(world):
    alice = api_client(world.customer)
    created = create(alice)
    assert created["affected"] == "alice"
    assert Ticket.objects.get(key=created["key"]).channel == "api"
    listed = alice.get("/api/v1/tickets").json()
    assert [t["key"] for t in listed["items"]] == [created["key"]]
    one = alice.get(f"/api/v1/tickets/{created['key']}")
    assert one.status_code == 200
    assert one["ETag"] == f'"{one.json()["version"]}"'
    assert one.json()["timeline"], "the creation is on the timeline"


def test_another_tenant_gets_404_without_data(world):
    key = create(api_client(world.customer))["key"]
    bob = api_client(world.outsider)
    response = bob.get(f"/api/v1/tickets/{key}")
    assert response.status_code == 404
    assert key not in response.content.decode()
    assert bob.get("/api/v1/tickets").json()["items"] == []
    comment = bob.post(
        f"/api/v1/tickets/{key}/comments", {"body": "hi"}, content_type="application/json"
    )
    assert comment.status_code == 404
    assert bob.get(f"/api/v1/tickets/{key}/transitions").status_code == 404


def test_agent_takes_transitions_and_comments(world):
    key = create(api_client(world.customer))["key"]
    gaston = api_client(world.agent)
    assert gaston.get(f"/api/v1/tickets/{key}").status_code == 200
    taken = gaston.post(f"/api/v1/tickets/{key}/take", {}, content_type="application/json")
    assert taken.status_code == 200, taken.content
    assert taken.json()["assignee"] == "gaston"
    moves = gaston.get(f"/api/v1/tickets/{key}/transitions").json()
    assert moves and all("requires" in m for m in moves)
    commented = gaston.post(
        f"/api/v1/tickets/{key}/comments",
        {"body": "On it", "internal": True},
        content_type="application/json",
    )
    assert commented.status_code == 201
    # the customer never sees the internal comment
    alice_view = api_client(world.customer).get(f"/api/v1/tickets/{key}").json()
    assert "On it" not in str(alice_view["timeline"])
    released = gaston.post(f"/api/v1/tickets/{key}/release", content_type="application/json")
    assert released.status_code == 200 and released.json()["assignee"] is None
    assigned = gaston.post(
        f"/api/v1/tickets/{key}/assign",
        {"assignee_id": world.agent2.pk},
        content_type="application/json",
    )
    assert assigned.status_code == 200 and assigned.json()["assignee"] == "gisele"


def test_transition_requires_its_data(world):
    key = create(api_client(world.customer))["key"]
    gaston = api_client(world.agent)
    gaston.post(f"/api/v1/tickets/{key}/take", {}, content_type="application/json")
    needing = None
    for _step in range(4):  # walk the workflow until a move asks for data
        moves = gaston.get(f"/api/v1/tickets/{key}/transitions").json()
        needing = next((m for m in moves if m["requires"]), None)
        if needing:
            break
        url = f"/api/v1/tickets/{key}/transitions/{moves[0]['code']}"
        assert gaston.post(url, {}, content_type="application/json").status_code == 200
    assert needing is not None
    missing = gaston.post(
        f"/api/v1/tickets/{key}/transitions/{needing['code']}", {}, content_type="application/json"
    )
    assert missing.status_code == 400
    assert missing["Content-Type"] == "application/problem+json"
    assert missing.json()["field"] in needing["requires"]
    unknown = gaston.post(
        f"/api/v1/tickets/{key}/transitions/nope", {}, content_type="application/json"
    )
    assert 400 <= unknown.status_code < 500


def test_customer_cannot_take_nor_patch(world):
    key = create(api_client(world.customer))["key"]
    alice = api_client(world.customer)
    took = alice.post(f"/api/v1/tickets/{key}/take", {}, content_type="application/json")
    assert took.status_code == 403 and took.json()["code"] == "staff_only"
    patched = alice.patch(f"/api/v1/tickets/{key}", {"title": "x"}, content_type="application/json")
    assert patched.status_code == 403


def test_staff_creates_on_behalf(world):
    gaston = api_client(world.agent)
    created = create(gaston, affected_id=world.customer.pk)
    assert created["affected"] == "alice"
    nobody = gaston.post("/api/v1/tickets", payload(), content_type="application/json")
    assert nobody.status_code == 400 and nobody.json()["field"] == "reporter"


def test_if_match_stale_is_412_and_fresh_passes(world):
    key = create(api_client(world.customer))["key"]
    gaston = api_client(world.agent)
    etag = gaston.get(f"/api/v1/tickets/{key}")["ETag"]
    first = gaston.patch(
        f"/api/v1/tickets/{key}",
        {"title": "Printer on fire"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert first.status_code == 200, first.content
    assert first["ETag"] != etag
    stale = gaston.patch(
        f"/api/v1/tickets/{key}",
        {"title": "Printer fine"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale"
    assert Ticket.objects.get(key=key).title == "Printer on fire"
    moves = gaston.get(f"/api/v1/tickets/{key}/transitions").json()
    moved = gaston.post(
        f"/api/v1/tickets/{key}/transitions/{moves[0]['code']}",
        {"comment": "x", "reason": "x", "solution": "x"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert moved.status_code == 412
    for action, body in (("take", {}), ("comments", {"body": "late"})):
        late = gaston.post(
            f"/api/v1/tickets/{key}/{action}",
            body,
            content_type="application/json",
            HTTP_IF_MATCH=etag,
        )
        assert late.status_code == 412, action
    assert Ticket.objects.get(key=key).assignee is None
    fresh = gaston.get(f"/api/v1/tickets/{key}")["ETag"]
    took = gaston.post(
        f"/api/v1/tickets/{key}/take", {}, content_type="application/json", HTTP_IF_MATCH=fresh
    )
    assert took.status_code == 200


def test_read_only_token_refused_on_writes(world):
    key = create(api_client(world.customer))["key"]
    ro = api_client(world.customer, read_only=True)
    assert ro.get(f"/api/v1/tickets/{key}").status_code == 200
    response = ro.post(
        f"/api/v1/tickets/{key}/comments", {"body": "hi"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"
    assert Ticket.objects.get(key=key).version == 1


def test_desk_limited_token_sees_only_its_desk(world):
    alice = api_client(world.customer)
    spt_key = create(alice)["key"]
    limited = api_client(world.customer, desk=world.desks["ent"])
    assert limited.get(f"/api/v1/tickets/{spt_key}").status_code == 404
    assert limited.get("/api/v1/tickets").json()["items"] == []
    refused = limited.post("/api/v1/tickets", payload(), content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "desk"
    spt_only = api_client(world.customer, desk=world.desks["spt"])
    assert spt_only.get(f"/api/v1/tickets/{spt_key}").status_code == 200


def test_pagination_is_stable_across_pages(world):
    alice = api_client(world.customer)
    keys = [create(alice, title=f"T{i}")["key"] for i in range(5)]
    page = alice.get("/api/v1/tickets?limit=2").json()
    seen = [t["key"] for t in page["items"]]
    cursor = page["next_cursor"]
    create(alice, title="added meanwhile")  # newer: must not shift the next pages
    while cursor:
        page = alice.get(f"/api/v1/tickets?limit=2&cursor={cursor}").json()
        seen += [t["key"] for t in page["items"]]
        cursor = page["next_cursor"]
    assert seen == list(reversed(keys))
    bad = alice.get("/api/v1/tickets?cursor=garbage")
    assert bad.status_code == 400 and bad.json()["field"] == "cursor"


def test_attachment_upload_and_streamed_download(world):
    alice = api_client(world.customer)
    key = create(alice)["key"]
    upload = alice.post(
        f"/api/v1/tickets/{key}/attachments",
        {"file": SimpleUploadedFile("log.txt", b"hello", content_type="text/plain")},
    )
    assert upload.status_code == 201, upload.content
    token = upload.json()[0]["token"]
    got = alice.get(f"/api/v1/tickets/attachments/{token}")
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == b"hello"
    bob = api_client(world.outsider)
    assert bob.get(f"/api/v1/tickets/attachments/{token}").status_code == 404
    assert bob.get(f"/api/v1/tickets/{key}/attachments").status_code == 404
