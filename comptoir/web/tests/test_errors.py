"""What a request that failed on our side answers (comptoir/web/errors.py): a 503 with
Retry-After when the database is out of reach, wherever the failure happened (a view, a
middleware reading the session), problem details under /api/, a plain 500 otherwise.
test_pg_restart.py sees the same answers from a real PostgreSQL restart."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

from comptoir.api import common
from comptoir.conftest import signed_in
from comptoir.web.errors import RETRY_AFTER

LOST = "server closed the connection unexpectedly"


def _raising(exc: Exception):
    def fail(*args, **kwargs):
        raise exc

    return fail


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")


def test_the_api_answers_503_problem_details_while_the_database_is_away(db, client, monkeypatch):
    monkeypatch.setattr(common, "token_authenticate", _raising(OperationalError(LOST)))
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer cpt_anything")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["Retry-After"] == str(RETRY_AFTER)
    body = response.json()
    assert (body["status"], body["code"]) == (503, "unavailable")
    assert "database" in body["detail"] and LOST not in body["detail"]


def test_a_page_answers_503_when_the_session_cannot_be_read(world, monkeypatch):
    browser = signed_in(world.agent)
    browser.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "load", _raising(OperationalError(LOST)))
    response = browser.get("/console/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    page = response.content.decode()
    assert "Temporarily unavailable" in page and "cannot reach its database" in page
    assert LOST not in page


def test_any_other_failure_is_a_plain_500(world, client, monkeypatch):
    monkeypatch.setattr(common, "token_authenticate", _raising(RuntimeError("bug")))
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer cpt_anything")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert not response.has_header("Retry-After")

    browser = signed_in(world.agent)
    browser.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "load", _raising(RuntimeError("bug")))
    page = browser.get("/console/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 500 and not page.has_header("Retry-After")
    assert "Something went wrong on our side" in page.content.decode()
