"""CSRF on every form: the main pages of each role carry the token in every POST form (and
the htmx posts send it from the page), a POST without it is refused with 403 and writes
nothing, and no view but the API's skips Django's check (the API checks it itself for
session calls; a bearer token cannot be sent by another site)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from comptoir.api.main import api

from . import security_scene

pytestmark = pytest.mark.django_db

# Rows a refused request may still write: its session's expiry (SESSION_SAVE_EVERY_REQUEST)
# and the rate-limit counters.
BOOKKEEPING = ("django_session", "comptoir_cache")
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


def _writes(queries: list[dict]) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if WRITE.match(q["sql"]) and not any(t in q["sql"] for t in BOOKKEEPING)
    ]


def _client(world, who: str | None, *, enforce: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce)
    if who:
        client.force_login(getattr(world, who))
    return client


def test_every_post_form_carries_the_token_and_is_refused_without_it(world):
    scene = security_scene.build(world)
    # The lookup's Import button (hx-post) is only drawn for directory entries.
    targets: dict[str, tuple[str | None, dict[str, str]]] = {
        "/console/people/": ("agent", {"import": "someone"})
    }
    forms = 0
    for who, template in security_scene.PAGES:
        url = template.format(**vars(scene))
        response = _client(world, who).get(url)
        assert response.status_code == 200, (who, url, response.status_code)
        page = security_scene.forms_of(url, response.content.decode())
        for form in page.forms:
            assert form.has_token, f"{who} on {url}: a POST form to {form.action} has no token"
            targets.setdefault(form.action, (who, form.fields))
            forms += 1
        if page.hx_posts:  # htmx posts send the token from the page's hx-headers
            assert re.search(r'hx-headers=\'\{"X-CSRFToken": "[\w-]{32,}"\}\'', response.text)
        for target in page.hx_posts:
            targets.setdefault(target, (who, {}))
    assert forms > 60 and len(targets) > 40, (forms, len(targets))

    for action, (who, fields) in sorted(targets.items()):
        client = _client(world, who, enforce=True)
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(action, fields)
        assert response.status_code == 403, (who, action, response.status_code)
        assert _writes(ctx.captured_queries) == [], (who, action)
    # Not even the logout went through.
    assert _client(world, "agent", enforce=True).get("/console/").status_code == 200


def test_every_template_form_that_posts_has_the_token_tag():
    """Forms on pages no test renders are held to it too, at the template level."""
    root = Path(__file__).resolve().parents[2]
    missing = []
    for path in root.rglob("templates/**/*.html"):
        text = path.read_text()
        for m in re.finditer(r"<form\b[^>]*>", text, re.I):
            if not re.search(r"method=[\"']?post", m.group(0), re.I):
                continue
            end = text.find("</form>", m.end())
            if "{% csrf_token %}" not in text[m.end() : end if end != -1 else None]:
                missing.append(f"{path.relative_to(root)}: {m.group(0)}")
    assert missing == []


def _patterns(resolver: URLResolver, prefix: str = ""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_no_view_skips_the_csrf_check_but_the_api():
    exempt = {route for route, view in _patterns(get_resolver()) if getattr(view, "csrf_exempt", 0)}
    assert exempt and all(route.startswith("api/v1/") for route in exempt), sorted(exempt)


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_api_write_with_the_session_needs_the_token(world):
    """django-ninja marks its views csrf_exempt and checks CSRF itself in its session auth:
    each write the API offers, called with the login session and no token, is refused."""
    client = _client(world, "admin", enforce=True)
    seen = 0
    for router_prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for op in view.operations:
                for method in set(op.methods) & UNSAFE:
                    url = "/api/v1" + re.sub(r"\{[^}]+\}", "1", router_prefix + path)
                    url = url.replace("//", "/")
                    response = client.generic(method, url, "{}", "application/json")
                    assert response.status_code == 403, (method, url, response.status_code)
                    assert response.json()["code"] == "csrf", (method, url)
                    seen += 1
    assert seen >= 20
