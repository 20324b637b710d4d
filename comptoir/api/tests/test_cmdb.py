# covers: CMDB-1, CMDB-2, TEN-2
"""CIs and contracts through the API: staff see every tenant's, a customer their own site's,
a customer without site none; another tenant's CI or contract is a 404 carrying no data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.api.actions import token_create
from comptoir.cmdb import actions
from comptoir.conftest import make_user

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def get(client, user, path: str, **params):
    headers = {}
    if user is not None:
        _, secret = token_create(actor=user, name="test")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client.get(f"/api/v1{path}", params, **headers)


def refs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["reference"] for row in response.json()["items"]}


@pytest.fixture
def scene(world):
    m = world.manager
    lyon = actions.ci_create(actor=m, name="Caisse Lyon", site=world.a1, status="repair")
    actions.ci_link_user(actor=m, ci=lyon, user=world.customer)
    actions.ci_link_user(actor=m, ci=lyon, user=world.colleague)
    berlin = actions.ci_create(actor=m, name="Kasse Berlin", site=world.b1, serial="SN-BERLIN")
    lessor = actions.supplier_create(actor=m, name="Leasecorp")

    def contract(ref, site, cis, **kw):
        values = {"kind": "service", "category": "sold", "starts_on": dt.date(2026, 1, 1)} | kw
        return actions.contract_create(
            actor=m, reference=ref, name=f"Contrat {ref}", site=site, cis=cis, **values
        )

    return {
        "lyon": lyon,
        "berlin": berlin,
        "support": contract("SUP-LYON", world.a1, [lyon], kind="support"),
        "lease": contract(
            "LEASE-LYON", world.a1, [lyon], kind="lease", category="bought", supplier=lessor
        ),
        "old": contract("OLD-LYON", world.a1, [lyon], ends_on=dt.date(2026, 3, 31)),
        "zeppelin": contract("ZEPPELIN-7", world.b1, [berlin], kind="support"),
    }


@pytest.mark.parametrize("path", ["/contracts", "/contracts/1", "/cis/1/contracts"])
def test_unauthenticated_gets_a_401_problem(client, world, path):
    r = get(client, None, path)
    assert r.status_code == 401 and r["Content-Type"] == "application/problem+json"


def test_staff_see_every_contract(client, world, scene):
    for who in ("agent", "manager", "admin"):
        assert refs(get(client, getattr(world, who), "/contracts")) == {
            "SUP-LYON",
            "LEASE-LYON",
            "OLD-LYON",
            "ZEPPELIN-7",
        }


@pytest.mark.parametrize("who", ["customer", "customer_manager"])
def test_a_customer_sees_their_sites_contracts_only(client, world, scene, who):
    user = getattr(world, who)
    assert refs(get(client, user, "/contracts")) == {"SUP-LYON", "LEASE-LYON", "OLD-LYON"}
    assert refs(get(client, user, "/contracts", q="zeppelin")) == set()
    assert refs(get(client, user, "/contracts", site=world.b1.pk)) == set()


def test_another_tenants_contract_and_ci_are_404_without_data(client, world, scene):
    for path in (
        f"/contracts/{scene['zeppelin'].pk}",
        f"/cis/{scene['berlin'].pk}/contracts",
        f"/cis/{scene['berlin'].pk}",
    ):
        r = get(client, world.customer, path)
        assert r.status_code == 404, path
        body = r.content.decode()
        assert "ZEPPELIN" not in body and "Berlin" not in body and "SN-BERLIN" not in body
    for path in (f"/contracts/{scene['support'].pk}", f"/cis/{scene['lyon'].pk}/contracts"):
        r = get(client, world.outsider, path)
        assert r.status_code == 404 and "LYON" not in r.content.decode()


def test_a_customer_without_site_sees_no_contract(client, world, scene):
    floating = make_user("flo", organisation=world.org_a)
    assert refs(get(client, floating, "/contracts")) == set()
    assert get(client, floating, f"/contracts/{scene['support'].pk}").status_code == 404


def test_a_contract_says_its_party_dates_and_cis(client, world, scene):
    r = get(client, world.customer, f"/contracts/{scene['lease'].pk}", on="2026-06-15")
    assert r.status_code == 200
    body = r.json()
    assert body["category"] == "bought" and body["kind"] == "lease"
    assert body["supplier_name"] == "Leasecorp" and body["site_id"] == world.a1.pk
    assert body["active"] is True and body["ci_ids"] == [scene["lyon"].pk]
    support = get(client, world.agent, f"/contracts/{scene['support'].pk}").json()
    assert (support["category"], support["supplier_id"], support["supplier_name"]) == (
        "sold",
        None,
        "",
    )


def test_activity_follows_the_day_asked(client, world, scene):
    agent = world.agent
    old = f"/contracts/{scene['old'].pk}"
    assert get(client, agent, old, on="2026-03-31").json()["active"] is True
    assert get(client, agent, old, on="2026-04-01").json()["active"] is False
    assert refs(get(client, agent, "/contracts", active=True, on="2026-06-15")) == {
        "SUP-LYON",
        "LEASE-LYON",
        "ZEPPELIN-7",
    }
    assert refs(get(client, agent, "/contracts", active=False, on="2026-06-15")) == {"OLD-LYON"}
    assert refs(get(client, agent, "/contracts", category="bought")) == {"LEASE-LYON"}
    assert get(client, agent, "/contracts", on="tomorrow").status_code in (400, 422)


def test_the_contracts_of_a_ci(client, world, scene):
    r = get(client, world.customer, f"/cis/{scene['lyon'].pk}/contracts", on="2026-06-15")
    rows = {row["reference"]: row["active"] for row in r.json()["items"]}
    assert rows == {"SUP-LYON": True, "LEASE-LYON": True, "OLD-LYON": False}


def test_contracts_are_paged_by_cursor(client, world, scene):
    first = get(client, world.agent, "/contracts", limit=3).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    rest = get(client, world.agent, "/contracts", limit=3, cursor=first["next_cursor"]).json()
    seen = [r["id"] for r in first["items"] + rest["items"]]
    assert len(seen) == len(set(seen)) == 4 and rest["next_cursor"] is None
    r = get(client, world.agent, "/contracts", cursor="garbage")
    assert r.status_code == 400


def test_a_ci_shows_its_status_and_the_users_the_caller_sees(client, world, scene):
    path = f"/cis/{scene['lyon'].pk}"
    staff = get(client, world.agent, path).json()
    assert staff["status"] == "repair"
    assert set(staff["user_ids"]) == {world.customer.pk, world.colleague.pk}
    # a customer sees themself among the people, a customer manager their site
    assert get(client, world.customer, path).json()["user_ids"] == [world.customer.pk]
    manager = get(client, world.customer_manager, path).json()
    assert set(manager["user_ids"]) == {world.customer.pk, world.colleague.pk}
    listed = get(client, world.agent, "/cis", status="repair").json()["items"]
    assert [c["id"] for c in listed] == [scene["lyon"].pk]
    assert set(listed[0]["user_ids"]) == {world.customer.pk, world.colleague.pk}


def test_list_queries_do_not_grow_with_rows(client, world, scene):
    _, secret = token_create(actor=world.agent, name="count")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1{path}", **headers).status_code == 200
        return len(ctx.captured_queries)

    paths = ["/contracts", "/cis", f"/cis/{scene['lyon'].pk}/contracts"]
    count("/me")  # the token's first use writes when it was used: not a list's cost
    few = {p: count(p) for p in paths}
    for i in range(8):
        ci = actions.ci_create(actor=world.manager, name=f"PC-{i}", site=world.a1)
        actions.ci_link_user(actor=world.manager, ci=ci, user=world.customer)
        actions.contract_create(
            actor=world.manager,
            reference=f"R-{i}",
            name="r",
            kind="service",
            category="sold",
            site=world.a1,
            starts_on=dt.date(2026, 1, 1),
            cis=[ci, scene["lyon"]],
        )
    assert {p: count(p) for p in paths} == few
