"""Personal API tokens: stored hashed, shown once, revocable, read-only, desk-limited."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from comptoir.api.actions import token_create, token_revoke
from comptoir.api.models import ApiToken
from comptoir.api.tests.helpers import TokenClient, api_client
from comptoir.core.errors import InvalidInput, NotFound

pytestmark = pytest.mark.django_db


def test_secret_is_stored_only_as_its_hash(world):
    token, secret = token_create(actor=world.customer, name="script")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in {getattr(stored, f.attname) for f in ApiToken._meta.fields}
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(stored.prefix)


def test_me_with_a_token(world):
    client = api_client(world.customer)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alice"
    assert body["token_read_only"] is False
    assert ApiToken.objects.get(user=world.customer).last_used_at is not None


def test_no_token_or_a_wrong_one_is_401_problem(world, client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"
    bad = TokenClient("cpt_not-a-real-token")
    assert bad.get("/api/v1/me").status_code == 401


def test_revoked_token_is_401(world):
    token, secret = token_create(actor=world.customer, name="old")
    client = TokenClient(secret)
    assert client.get("/api/v1/me").status_code == 200
    token_revoke(actor=world.customer, token_id=token.pk)
    assert client.get("/api/v1/me").status_code == 401


def test_expired_token_is_401(world):
    token, secret = token_create(
        actor=world.customer, name="short", expires_at=timezone.now() + timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert TokenClient(secret).get("/api/v1/me").status_code == 401


def test_inactive_user_token_is_401(world):
    _token, secret = token_create(actor=world.customer, name="x")
    world.customer.is_active = False
    world.customer.save()
    assert TokenClient(secret).get("/api/v1/me").status_code == 401


def test_only_the_owner_revokes(world):
    token, _secret = token_create(actor=world.customer, name="mine")
    with pytest.raises(NotFound):
        token_revoke(actor=world.outsider, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_create_refuses_bad_input(world):
    with pytest.raises(InvalidInput) as err:
        token_create(actor=world.customer, name="  ")
    assert err.value.field == "name"
    with pytest.raises(InvalidInput) as err:
        token_create(
            actor=world.customer, name="x", expires_at=timezone.now() - timedelta(days=1)
        )
    assert err.value.field == "expires_at"


def test_session_auth_needs_csrf_on_writes(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.customer)
    assert client.get("/api/v1/me").status_code == 200


def test_docs_page_is_served_without_any_external_url(world, client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.1")
    assert "/api/v1/me" in schema.json()["paths"]
