"""Organisations, sites, people and CIs through the API: each role sees its own tenant."""

from __future__ import annotations

import pytest

from comptoir.accounts.models import VisibilityGrant
from comptoir.api.actions import token_create
from comptoir.cmdb.models import ConfigurationItem

pytestmark = pytest.mark.django_db


def get(client, user, path: str, **params):
    headers = {}
    if user is not None:
        _, secret = token_create(actor=user, name="test")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client.get(f"/api/v1{path}", params, **headers)


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}


@pytest.fixture
def cis(world):
    return {
        "a1": ConfigurationItem.objects.create(site=world.a1, name="Caisse Lyon", serial="SN-1"),
        "a2": ConfigurationItem.objects.create(site=world.a2, name="Caisse Lille"),
        "b1": ConfigurationItem.objects.create(site=world.b1, name="Kasse Berlin"),
    }


@pytest.mark.parametrize(
    "path", ["/organisations", "/sites", "/people", "/people/1", "/cis", "/cis/1"]
)
def test_unauthenticated_gets_a_401_problem(client, world, path):
    r = get(client, None, path)
    assert r.status_code == 401
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "unauthenticated"


def test_organisations_by_role(client, world):
    assert ids(get(client, world.customer, "/organisations")) == {world.org_a.pk}
    assert ids(get(client, world.customer_manager, "/organisations")) == {world.org_a.pk}
    assert ids(get(client, world.outsider, "/organisations")) == {world.org_b.pk}
    seen = ids(get(client, world.agent, "/organisations"))
    assert {world.org_a.pk, world.org_b.pk, world.provider.pk} <= seen
    assert ids(get(client, world.agent, "/organisations", q="beta")) == {world.org_b.pk}


def test_another_tenants_organisation_and_site_are_404_without_data(client, world):
    r = get(client, world.outsider, f"/organisations/{world.org_a.pk}")
    assert r.status_code == 404
    assert "Alpha" not in r.content.decode()
    r = get(client, world.outsider, f"/sites/{world.a1.pk}")
    assert r.status_code == 404
    assert "Lyon" not in r.content.decode()
    r = get(client, world.customer, f"/sites/{world.a1.pk}")
    assert r.json()["name"] == "Alpha Lyon"
    r = get(client, world.agent, f"/organisations/{world.org_b.pk}")
    assert r.json()["code"] == "beta"


def test_sites_by_role(client, world):
    assert ids(get(client, world.customer, "/sites")) == {world.a1.pk}
    assert ids(get(client, world.customer_manager, "/sites")) == {world.a1.pk}
    assert ids(get(client, world.other_site, "/sites")) == {world.a2.pk}
    assert ids(get(client, world.outsider, "/sites")) == {world.b1.pk}
    by_org = get(client, world.agent, "/sites", organisation=world.org_a.pk)
    assert ids(by_org) == {world.a1.pk, world.a2.pk}


def test_a_visibility_grant_opens_the_organisation_and_its_sites(client, world):
    """TEN-3: who sees a company's tickets sees the company and the sites they name."""
    VisibilityGrant.objects.create(user=world.outsider, organisation=world.org_a, division="Nord")
    bob = world.outsider
    assert ids(get(client, bob, "/organisations")) == {world.org_a.pk, world.org_b.pk}
    assert ids(get(client, bob, "/sites")) == {world.b1.pk, world.a2.pk}  # Lille is Nord
    assert get(client, bob, f"/sites/{world.a1.pk}").status_code == 404
    VisibilityGrant.objects.create(user=world.outsider, organisation=world.org_a)
    assert ids(get(client, bob, "/sites")) == {world.b1.pk, world.a1.pk, world.a2.pk}
    # people are not opened by a grant (accounts.selectors.visible_people)
    assert ids(get(client, bob, "/people")) == {bob.pk}


def test_people_by_role(client, world):
    assert ids(get(client, world.customer, "/people")) == {world.customer.pk}
    site_a1 = {world.customer.pk, world.colleague.pk, world.customer_manager.pk}
    assert ids(get(client, world.customer_manager, "/people")) == site_a1
    agent_sees = ids(get(client, world.agent, "/people", limit=100))
    assert {world.customer.pk, world.outsider.pk, world.other_site.pk} <= agent_sees


def test_people_search_by_name_and_email(client, world):
    world.colleague.email = "albert.martin@alpha.test"
    world.colleague.last_name = "Martin"
    world.colleague.save()
    manager = world.customer_manager
    assert ids(get(client, manager, "/people", q="albert.m")) == {world.colleague.pk}
    assert ids(get(client, manager, "/people", q="mart")) == {world.colleague.pk}
    assert ids(get(client, world.agent, "/people", q="Martin")) == {world.colleague.pk}
    # another tenant's user finds nobody of tenant A, whatever they type
    assert ids(get(client, world.outsider, "/people", q="albert")) == set()
    assert ids(get(client, world.outsider, "/people", q="alice")) == set()


def test_person_detail_and_another_tenants_person(client, world):
    r = get(client, world.customer_manager, f"/people/{world.colleague.pk}")
    assert r.status_code == 200
    assert r.json()["username"] == "albert"
    assert r.json()["site_id"] == world.a1.pk
    r = get(client, world.outsider, f"/people/{world.customer.pk}")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert "alice" not in r.content.decode()
    # a plain customer does not see a colleague; a huge id is a 404, not a crash
    assert get(client, world.customer, f"/people/{world.colleague.pk}").status_code == 404
    assert get(client, world.agent, "/people/99999999999999").status_code == 404


def test_people_are_paged_by_cursor(client, world):
    first = get(client, world.agent, "/people", limit=3)
    body = first.json()
    assert len(body["items"]) == 3
    assert body["next_cursor"]
    second = get(client, world.agent, "/people", limit=3, cursor=body["next_cursor"])
    assert ids(second).isdisjoint(ids(first))
    everyone = get(client, world.agent, "/people", limit=100).json()
    assert everyone["next_cursor"] is None
    assert [p["id"] for p in everyone["items"]][:6] == [
        p["id"] for p in body["items"] + second.json()["items"]
    ]


def test_bad_paging_is_a_4xx_problem(client, world):
    r = get(client, world.agent, "/people", cursor="not-a-cursor")
    assert r.status_code == 400
    assert r.json()["field"] == "cursor"
    r = get(client, world.agent, "/people", limit=0)
    assert r.status_code == 422
    assert r["Content-Type"] == "application/problem+json"
    assert get(client, world.agent, "/people", site="x").status_code == 422


def test_cis_by_role(client, world, cis):
    assert ids(get(client, world.customer, "/cis")) == {cis["a1"].pk}
    assert ids(get(client, world.customer_manager, "/cis")) == {cis["a1"].pk}
    assert ids(get(client, world.other_site, "/cis")) == {cis["a2"].pk}
    assert ids(get(client, world.outsider, "/cis")) == {cis["b1"].pk}
    assert ids(get(client, world.agent, "/cis")) == {c.pk for c in cis.values()}
    assert ids(get(client, world.agent, "/cis", q="caisse")) == {cis["a1"].pk, cis["a2"].pk}
    assert ids(get(client, world.agent, "/cis", q="SN-1")) == {cis["a1"].pk}
    r = get(client, world.customer, f"/cis/{cis['a1'].pk}")
    assert r.json() == {
        "id": cis["a1"].pk,
        "name": "Caisse Lyon",
        "kind": "",
        "serial": "SN-1",
        "status": "in_service",
        "organisation_id": world.org_a.pk,
        "site_id": world.a1.pk,
        "department_id": None,
        "user_ids": [],
    }


def test_another_tenants_ci_is_404_without_data(client, world, cis):
    r = get(client, world.outsider, f"/cis/{cis['a1'].pk}")
    assert r.status_code == 404
    assert "Caisse" not in r.content.decode()
    assert ids(get(client, world.outsider, "/cis", site=world.a1.pk)) == set()


def test_cis_by_department_option(client, world, cis, settings):
    settings.COMPTOIR_CI_BY_DEPARTMENT = True
    assert ids(get(client, world.customer, "/cis")) == set()  # alice has no department
    assert ids(get(client, world.agent, "/cis")) == {c.pk for c in cis.values()}
