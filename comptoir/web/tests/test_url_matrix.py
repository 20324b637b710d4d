# covers: TEN-2, TEN-7
"""The web pages' isolation matrix, generated from the URL resolver.

Every URL pattern of the site has an entry (url_matrix_table.TABLE, the account pages'
ACCOUNT, the admin generated from its registry, the API's operations in the OpenAPI
schema that the API matrix walks): a new page without one fails here. For each entry
and each role: the status on the object in scope and nothing written by a refusal or a
read; then, for each object out of the role's scope (another organisation's or site's
ticket, statement, CI, contract, rate, another service, another person's saved view,
token, import or time entry…), GET and POST with a plausible form: refused (404, 403,
405 for a method the page does not take, or the message-and-redirect a missing object
gets), none of the object's markers in the answer, nothing written. Each check is one
subtest, named by URL, role and object.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from comptoir.api.main import api
from comptoir.web.tests.url_matrix_checks import expect, refusals, send
from comptoir.web.tests.url_matrix_scene import Scene
from comptoir.web.tests.url_matrix_table import (
    ACCOUNT,
    ADMIN_EXTRAS,
    API_PREFIX,
    LOGIN,
    ROLES,
    TABLE,
    Route,
    admin_keys,
    walk,
)
from comptoir.web.tests.url_matrix_targets import foreign, missing, targets

pytestmark = pytest.mark.django_db

PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def test_every_url_pattern_has_an_entry():
    """A URL pattern nobody described fails the suite, by its name; so does an entry that
    names no URL any more."""
    described = set(TABLE) | set(ACCOUNT) | admin_keys(admin.site)
    operations = set(api.get_openapi_schema()["paths"])
    without_entry, not_operations = [], []
    walked = set()
    for key, route, _pattern in walk():
        walked.add(key)
        if route.startswith(API_PREFIX) and key not in TABLE:
            if "/" + PARAM.sub(r"{\1}", route) not in operations:
                not_operations.append(key)
        elif key not in described:
            without_entry.append(key)
    assert not without_entry, f"URL patterns without a matrix entry: {without_entry}"
    assert not not_operations, f"API patterns that are no operation of the schema: {not_operations}"
    stale = (set(TABLE) | set(ACCOUNT) | set(ADMIN_EXTRAS)) - walked
    assert not stale, f"entries naming no URL: {stale}"


def _url(key: str, kwargs: dict, route: Route) -> str:
    url = reverse(key, kwargs=kwargs)
    if route.query:
        url += "?" + "&".join(f"{k}={v}" for k, v in route.query.items())
    return url


def _body(scene: Scene, route: Route, kwargs: dict) -> dict:
    return route.body(scene, kwargs) if route.body else {}


def test_in_scope(world, subtests):
    """Each role's answer on the objects in scope, as the table says; a method the page
    does not take, tried by the first role the page lets in, is refused or reads only."""
    scene = Scene(world)
    clients = scene.clients()
    for key, route in TABLE.items():
        taken = {m: e for m, e in (("GET", route.get), ("POST", route.post)) if e}
        let_in = [r for r in ROLES if any(not _refused(e[r]) for e in taken.values())]
        for role in ROLES:
            with subtests.test(key, role=role):
                for method in ("GET", "POST"):
                    token = taken[method][role] if method in taken else None
                    if token is None and role not in let_in[:1]:
                        continue
                    variants = targets(scene, route.target, role)
                    if not (_refused(token or "") or route.post is None):
                        variants = variants[:1]  # an action's form is the first one's
                    for kwargs in variants:
                        url = _url(key, kwargs, route)
                        answer = send(clients[role], method, url, _body(scene, route, kwargs))
                        where = f"{key} {role} {method} {url}"
                        if token is None:
                            assert answer.status < 500 and not answer.written, f"{where} {answer}"
                        else:
                            expect(answer, token, method, where)


def _refused(token: str) -> bool:
    """A refusal by the page's gate, whatever the object or the form."""
    return token in (LOGIN, "403", "404", "405")


def test_out_of_scope(world, subtests):
    """Every role, every object out of its scope, GET and POST: refused, unseen, unwritten."""
    scene = Scene(world)
    clients = scene.clients()
    for key, route in TABLE.items():
        if not route.target:
            continue
        for role in ROLES[1:]:
            for out in foreign(scene, route.target, role):
                with subtests.test(key, role=role, object=out.label):
                    url = _url(key, out.kwargs, route)
                    for method in ("GET", "POST"):
                        body = _body(scene, route, out.kwargs) | out.body
                        answer = send(clients[role], method, url, body)
                        allowed = refusals(route, method) | out.answers
                        assert answer.status in allowed, (method, url, str(answer))
                        assert not answer.shows(out.secrets), (method, url, str(answer))
                        assert not answer.written, (method, url, str(answer))
                        if answer.status == 302:  # told exactly what a missing object is told
                            nothing = _url(key, missing(out.kwargs), route)
                            other = send(clients[role], method, nothing, body)
                            assert (other.status, other.location) == (302, answer.location)
