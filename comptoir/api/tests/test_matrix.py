"""The API's isolation and role matrix, generated from the OpenAPI schema.

For every operation and every role (matrix_table.TABLE): the status on an object in scope;
then, for each authenticated role, the same call aimed at another tenant's object and
through a token limited to another desk (404, none of the object's data in the answer,
nothing written), every write through a read-only token (403 `read_only_token`, nothing
written), and the rows of every list (another tenant's rows never listed, not even
searched for by name, while the rows in scope are). Each check is one subtest, named by
operation, role and check.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from comptoir.api.main import api
from comptoir.api.tests.matrix_scene import (
    DESK_BOUND,
    Caller,
    Scene,
    call,
    content,
    path_names,
    snapshot,
)
from comptoir.api.tests.matrix_table import (
    DESK_LIMITED_ROWS,
    LIST_ROWS,
    PREFIX,
    ROLES,
    TABLE,
    WRITES,
    Entry,
    Target,
    schema_operations,
)

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema()
OPERATIONS = sorted(schema_operations(SCHEMA))
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def http() -> Client:
    """One test client for the module: its middleware is set up once, not per call."""
    return Client()


@pytest.fixture
def scene(world, settings, http) -> Scene:
    settings.COMPTOIR_API_RATE = ""  # hundreds of calls: the throttle is tested elsewhere
    return Scene(world, http)


def check_refused(response: Any, status: int, target: Target, before: Any, code: str = "") -> None:
    """A refusal: the status, problem details, none of the target's data, nothing written."""
    data = content(response)
    assert response.status_code == status, data[:300]
    assert response["Content-Type"] == PROBLEM
    if code:
        assert json.loads(data)["code"] == code
    leaked = [s for s in target.secrets if s.encode() in data]
    assert not leaked, f"the answer shows {leaked}"
    assert snapshot() == before, "a refused call wrote something"


def check_in_scope(scene: Scene, role: str, method: str, path: str, entry: Entry) -> None:
    expected = entry.expect[role]
    target = scene.target(entry, path, fresh=method in WRITES and expected < 400, role=role)
    client = scene.client(role)
    before = snapshot()
    response = call(client, method, path, target, entry)
    if expected >= 400:
        check_refused(response, expected, Target(), before)
        return
    data = content(response)
    assert response.status_code == expected, data[:300]
    if method in WRITES:
        assert snapshot() != before, "a successful write changed nothing"
    else:
        assert snapshot() == before, "a read wrote something"


def check_foreign_reference(
    scene: Scene, role: str, method: str, path: str, entry: Entry, name: str
) -> None:
    """The ticket in scope, one reference (path parameter or body field) aimed at another
    tenant's object: a 404 with none of its data, nothing written, and the very answer
    a reference to nothing gets, so it tells nobody the object exists."""
    shared = scene.target(entry, path)
    if name == "user_id":
        foreign, missing = scene.w.outsider.pk, 2**31 - 1
        secrets: tuple[str, ...] = ("Brenner", "bob@example.test")
    else:
        foreign, missing = scene.bob_target.key2, "SPT-999999"
        secrets = scene.bob_target.secrets
    answers = []
    for value in (foreign, missing):
        if name in shared.params:
            target = replace(shared, params={**shared.params, name: value}, secrets=secrets)
        else:
            target = replace(shared, secrets=secrets, **{name: value})
        before = snapshot()
        response = call(scene.client(role), method, path, target, entry)
        check_refused(response, 404, target, before)
        answers.append(response.content)
    assert answers[0] == answers[1], answers


def check_list(scene: Scene, client: Caller, role: str, path: str, kind: str, limited: bool):
    """Every row the role may not see is absent, listed or searched for; the others show."""
    params: dict[str, Any] = {} if kind == "desks" else {"limit": 100}
    if kind == "tickets":
        params["state"] = "all"
    rows = {name: scene.row(kind, name) for name in LIST_ROWS[kind]}
    listed = client.get(f"{PREFIX}{path}?{urlencode(params)}")
    assert listed.status_code == 200, listed.content[:300]
    for name, seen_by in LIST_ROWS[kind].items():
        ident, term, secrets = rows[name]
        shown = role in seen_by and (not limited or name in DESK_LIMITED_ROWS[kind])
        answers = [listed]
        if term:
            answers.append(client.get(f"{PREFIX}{path}?{urlencode({**params, 'q': term})}"))
        for answer in answers:
            body = answer.json()
            items = body["items"] if isinstance(body, dict) else body
            idents = {r.get("key", r.get("slug", r.get("id"))) for r in items}
            assert (ident in idents) == shown, (name, shown, answer.request["QUERY_STRING"])
            if not shown:
                assert not [s for s in secrets if s.encode() in answer.content], name


def test_every_operation_has_an_entry_and_every_entry_an_operation():
    assert not set(OPERATIONS) - set(TABLE), "operations of the schema missing from TABLE"
    assert not set(TABLE) - set(OPERATIONS), "TABLE names operations the schema lacks"
    for (method, path), entry in TABLE.items():
        assert tuple(entry.expect) == ROLES, (method, path)
        takes_body = "requestBody" in SCHEMA["paths"][PREFIX + path][method.lower()]
        sends_body = entry.body is not None or entry.multipart
        assert takes_body == sends_body, (method, path)


@pytest.mark.parametrize("operation", OPERATIONS, ids=" ".join)
def test_operation(operation, scene, subtests):
    method, path = operation
    entry = TABLE[operation]
    names = path_names(path)
    for role in ROLES:
        with subtests.test("in scope", role=role):
            check_in_scope(scene, role, method, path, entry)
        if role == "anonymous":
            continue
        foreign = scene.foreign(role, entry, path)
        if foreign is not None:
            with subtests.test("another tenant's object", role=role):
                before = snapshot()
                response = call(scene.client(role), method, path, foreign, entry)
                check_refused(response, 404, foreign, before)
        if "user_id" in names:
            with subtests.test("another tenant's person on a ticket in scope", role=role):
                check_foreign_reference(scene, role, method, path, entry, "user_id")
        if entry.names_ticket and foreign is scene.bob_target:
            with subtests.test("a body naming another tenant's ticket", role=role):
                check_foreign_reference(scene, role, method, path, entry, "key2")
        if names & DESK_BOUND:
            with subtests.test("token limited to another desk", role=role):
                target = scene.target(entry, path)
                before = snapshot()
                client = scene.client(role, desk=scene.w.desks["ent"])
                check_refused(call(client, method, path, target, entry), 404, target, before)
        if method in WRITES:
            with subtests.test("read-only token", role=role):
                target = scene.target(entry, path)
                before = snapshot()
                client = scene.client(role, read_only=True)
                response = call(client, method, path, target, entry)
                check_refused(response, 403, target, before, code="read_only_token")
        if entry.lists:
            with subtests.test("list rows", role=role):
                check_list(scene, scene.client(role), role, path, entry.lists, limited=False)
            if entry.lists in DESK_LIMITED_ROWS:
                with subtests.test("list rows, token limited to a desk", role=role):
                    client = scene.client(role, desk=scene.w.desks["ent"])
                    check_list(scene, client, role, path, entry.lists, limited=True)
