"""Token guessing is slowed: failed authentications are counted per client address in the
shared cache, and past the limit that address gets 429, even with a valid token."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from comptoir.api.actions import token_create, token_revoke
from comptoir.api.models import ApiToken
from comptoir.api.tests.helpers import TokenClient
from comptoir.api.tests.test_errors import assert_problem
from comptoir.api.throttle import AuthFailureThrottle

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


@pytest.fixture(autouse=True)
def _three_failures(settings):
    settings.COMPTOIR_API_AUTH_FAILURE_RATE = "3/10min"


def _good(world) -> TokenClient:
    _token, secret = token_create(actor=world.customer, name="good")
    return TokenClient(secret)


def _fail(times: int, **extra) -> None:
    bad = TokenClient("cpt_not-a-real-token")
    for _ in range(times):
        assert bad.get(ME, **extra).status_code == 401


def test_wrong_tokens_until_429_with_retry_after_in_the_callers_language(world):
    _fail(3)
    bad = TokenClient("cpt_still-guessing")
    response = bad.get(ME, HTTP_ACCEPT_LANGUAGE="en")
    body = assert_problem(response, 429)
    assert body["code"] == "throttled"
    assert body["detail"] == "Too many requests: slow down and retry later."
    assert 590 <= int(response["Retry-After"]) <= 600
    french = bad.get(ME, HTTP_ACCEPT_LANGUAGE="fr").json()
    assert french["detail"] == "Trop de requêtes : ralentissez et réessayez plus tard."


def test_a_valid_token_from_the_blocked_address_is_refused_too(world):
    token, secret = token_create(actor=world.customer, name="good")
    _fail(3)
    response = TokenClient(secret).get(ME)
    assert_problem(response, 429)
    # refused before the lookup: a right guess looks exactly like a wrong one
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None
    # another address is not concerned, nor a web page's session call from this one
    assert TokenClient(secret).get(ME, REMOTE_ADDR="10.0.0.2").status_code == 200
    session = Client()
    session.force_login(world.customer)
    assert session.get(ME).status_code == 200


def test_revoked_expired_and_garbage_credentials_all_count(world):
    revoked, revoked_secret = token_create(actor=world.customer, name="old")
    token_revoke(actor=world.customer, token_id=revoked.pk)
    expired, expired_secret = token_create(
        actor=world.customer, name="short", expires_at=timezone.now() + timedelta(hours=1)
    )
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert TokenClient(revoked_secret).get(ME).status_code == 401
    assert TokenClient(expired_secret).get(ME).status_code == 401
    assert Client().get(ME, HTTP_AUTHORIZATION="Basic YWxpY2U6cHc=").status_code == 401
    assert Client().get(ME, HTTP_AUTHORIZATION="Bearer").status_code == 429


def test_successes_and_calls_without_credentials_do_not_count(world):
    good = _good(world)
    for _ in range(5):
        assert Client().get(ME).status_code == 401  # no Authorization header: no guess
    _fail(2)
    for _ in range(5):
        assert good.get(ME).status_code == 200
    _fail(1)  # the third failure is still answered
    assert_problem(TokenClient("cpt_x").get(ME), 429)


def test_a_read_only_token_writing_is_not_a_failure(world):
    _token, secret = token_create(actor=world.customer, name="ro", read_only=True)
    client = TokenClient(secret)
    for _ in range(4):
        response = client.post("/api/v1/tickets", {}, content_type="application/json")
        assert response.json()["code"] == "read_only_token"
    assert client.get(ME).status_code == 200


def test_the_block_ends_with_the_window(world):
    good = _good(world)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(3)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        response = good.get(ME)
        assert_problem(response, 429)
        assert int(response["Retry-After"]) == 240  # until the oldest failure is 10 min old
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        assert good.get(ME).status_code == 200
        _fail(1)  # one failure in the new window is answered, not throttled


def test_the_count_lives_in_the_shared_cache(world, rf):
    """What one process records, another sees: nothing is kept in process memory."""
    elsewhere = AuthFailureThrottle()  # as another gunicorn worker would build it
    request = rf.get(ME)  # REMOTE_ADDR 127.0.0.1, like the test client
    for _ in range(3):
        elsewhere.record(request)
    good = _good(world)
    assert_problem(good.get(ME), 429)
    assert len(cache.get(elsewhere.get_cache_key(request))) == 3
    cache.clear()
    assert good.get(ME).status_code == 200


def test_x_forwarded_for_is_ignored_unless_proxies_are_declared(world, settings):
    good = _good(world)
    for n in range(3):  # a client inventing a new address each time gains nothing
        _fail(1, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert_problem(good.get(ME, HTTP_X_FORWARDED_FOR="203.0.113.9"), 429)

    cache.clear()
    settings.COMPTOIR_PROXY_COUNT = 1  # one proxy appends the address it saw
    _fail(3, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    assert_problem(good.get(ME, HTTP_X_FORWARDED_FOR="203.0.113.7"), 429)
    # the client-written left part is not believed; another real client is not blocked
    assert good.get(ME, HTTP_X_FORWARDED_FOR="203.0.113.7, 203.0.113.8").status_code == 200
    assert good.get(ME).status_code == 200  # the proxy's own address is not blocked


def test_an_empty_rate_means_no_limit(world, settings):
    settings.COMPTOIR_API_AUTH_FAILURE_RATE = ""
    _fail(10)
    assert _good(world).get(ME).status_code == 200
