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
        token_create(actor=world.customer, name="x", expires_at=timezone.now() - timedelta(days=1))
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


def test_token_page_creates_shows_secret_once_and_revokes(world, client):
    client.force_login(world.customer)
    page = client.get("/api-tokens/")
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    made = client.post("/api-tokens/", {"name": "laptop", "read_only": "on"})
    assert made.status_code == 200
    secret = made.context["secret"]
    assert secret and secret in made.content.decode()
    token = ApiToken.objects.get(user=world.customer, name="laptop")
    assert token.read_only
    assert secret not in client.get("/api-tokens/").content.decode()
    assert TokenClient(secret).get("/api/v1/me").status_code == 200
    client.post(f"/api-tokens/{token.pk}/revoke/")
    assert TokenClient(secret).get("/api/v1/me").status_code == 401


def test_token_page_for_staff_and_bad_input(world, client):
    client.force_login(world.agent)
    refused = client.post("/api-tokens/", {"name": ""})
    assert refused.status_code == 400
    assert not ApiToken.objects.filter(user=world.agent).exists()
    assert "console" in refused.templates[0].name


def test_someone_elses_token_cannot_be_revoked_from_the_page(world, client):
    token, secret = token_create(actor=world.customer, name="mine")
    client.force_login(world.outsider)
    client.post(f"/api-tokens/{token.pk}/revoke/")
    assert TokenClient(secret).get("/api/v1/me").status_code == 200


def test_token_page_needs_login(client):
    assert client.get("/api-tokens/").status_code == 302


def test_profile_and_preferences_link_to_the_token_page(world, client):
    client.force_login(world.customer)
    assert "/api-tokens/" in client.get("/portal/profile/").content.decode()
    client.force_login(world.agent)
    assert "/api-tokens/" in client.get("/console/preferences/").content.decode()


def test_an_administrator_revokes_anyones_token_in_the_admin(world, client):
    token, secret = token_create(actor=world.customer, name="leaked")
    world.admin.is_staff = True
    world.admin.is_superuser = True
    world.admin.save()
    client.force_login(world.admin)
    page = client.get("/admin/api/apitoken/")
    assert page.status_code == 200 and "leaked" in page.content.decode()
    assert secret not in page.content.decode()
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert TokenClient(secret).get("/api/v1/me").status_code == 401
