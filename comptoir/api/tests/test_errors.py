"""Every refusal is an RFC 9457 problem, in the caller's language, never a 5xx."""

from __future__ import annotations

import pytest

from comptoir.api.tests.helpers import api_client

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"] == f"urn:comptoir:problem:{body['code']}"
    return body


def test_validation_error_is_422_naming_the_field(world):
    client = api_client(world.customer)
    response = client.post("/api/v1/tickets", {"desk": "spt"}, content_type="application/json")
    body = assert_problem(response, 422)
    assert body["code"] == "validation"
    assert body["field"] in {"type", "category_id", "title", "description"}
    assert {e["field"] for e in body["errors"]} >= {"title", "description"}


def test_malformed_json_and_bad_query_are_4xx(world):
    client = api_client(world.customer)
    broken = client.post("/api/v1/tickets", "{not json", content_type="application/json")
    assert 400 <= broken.status_code < 500
    limit = client.get("/api/v1/tickets?limit=100000")
    assert assert_problem(limit, 422)["field"] == "limit"


def test_unknown_choice_is_400_with_field(world):
    client = api_client(world.customer)
    response = client.post(
        "/api/v1/tickets",
        {"desk": "nope", "type": "x", "category_id": 1, "title": "t", "description": "d"},
        content_type="application/json",
    )
    assert assert_problem(response, 400)["field"] == "desk"


def test_missing_ticket_is_404_problem(world):
    body = assert_problem(api_client(world.customer).get("/api/v1/tickets/NOPE-1"), 404)
    assert body["code"] == "not_found"


def test_unknown_method_is_405_problem(world):
    response = api_client(world.customer).delete("/api/v1/me")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_problem_is_in_the_callers_language(world):
    # alice speaks French, albert English; no Accept-Language: the person's own language
    fr = api_client(world.customer).get("/api/v1/tickets/NOPE-1").json()
    en = api_client(world.colleague).get("/api/v1/tickets/NOPE-1").json()
    assert en["detail"] == "Not found."
    assert fr["detail"] != en["detail"]  # "Not found." is already translated
    asked = api_client(world.customer).get("/api/v1/tickets/NOPE-1", HTTP_ACCEPT_LANGUAGE="en")
    assert asked.json()["title"] == "Not found"


def test_throttled_per_token_with_retry_after(world, settings):
    settings.COMPTOIR_API_RATE = "3/min"
    first = api_client(world.customer)
    for _ in range(3):
        assert first.get("/api/v1/me").status_code == 200
    response = first.get("/api/v1/me")
    body = assert_problem(response, 429)
    assert body["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # another token of the same person has its own budget
    assert api_client(world.customer).get("/api/v1/me").status_code == 200


def test_values_the_database_cannot_hold_are_4xx(world):
    client = api_client(world.customer)
    huge = client.get(f"/api/v1/tickets?desk_id={2**70}")
    assert 400 <= huge.status_code < 500
    nul = client.get("/api/v1/tickets?q=a%00b")
    assert nul.status_code < 500
    body = client.post(
        "/api/v1/tickets",
        {"desk": "spt", "type": "x", "category_id": 2**63, "title": "a\x00", "description": "d"},
        content_type="application/json",
    )
    assert 400 <= body.status_code < 500


def test_session_call_without_csrf_is_refused(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.customer)
    response = client.post("/api/v1/tickets", {}, content_type="application/json")
    assert assert_problem(response, 403)["code"] == "csrf"
