"""Configuration reads through the API: what each role may choose, in its language."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from ninja import Schema

import comptoir.api
from comptoir.api.tests.helpers import api_client
from comptoir.catalog.models import TicketType

pytestmark = pytest.mark.django_db

PATHS = ["/desks", "/desks/spt", "/services", "/categories", "/types", "/priorities"]


def get(user, path: str, **token_options):
    return api_client(user, **token_options).get(f"/api/v1{path}")


def codes(response, key: str = "slug") -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return [(row.get("desk", ""), row[key]) for row in response.json()]


@pytest.mark.parametrize("path", PATHS)
def test_unauthenticated_gets_a_401_problem(client, world, path):
    r = client.get(f"/api/v1{path}")
    assert r.status_code == 401
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "unauthenticated"


def test_desks_by_role(world):
    every = [("", "ent"), ("", "itil"), ("", "n123"), ("", "spt")]
    assert codes(get(world.customer, "/desks")) == every
    assert codes(get(world.customer_manager, "/desks")) == every
    assert codes(get(world.agent, "/desks")) == every
    assert codes(get(world.other_agent, "/desks")) == [("", "ent")]


def test_desk_detail_by_slug_or_id_and_unseen_desk_is_404(world):
    spt = world.desks["spt"]
    body = get(world.customer, f"/desks/{spt.pk}").json()
    assert body["slug"] == "spt"
    assert body["key_prefix"] == spt.key_prefix
    assert get(world.agent, "/desks/spt").json()["id"] == spt.pk
    r = get(world.other_agent, "/desks/spt")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert "SPT" not in r.content.decode()
    assert get(world.customer, "/desks/nope").status_code == 404
    assert get(world.customer, "/desks/99999999999999").status_code == 404


def test_an_inactive_desk_is_seen_by_nobody(world):
    world.desks["spt"].is_active = False
    world.desks["spt"].save()
    assert ("", "spt") not in codes(get(world.customer, "/desks"))
    assert get(world.admin, "/desks/spt").status_code == 404


def test_names_in_the_callers_language_and_both_raw(world):
    fr = get(world.customer, "/types?desk=spt").json()[0]["workflow"]
    en = get(world.colleague, "/types?desk=spt").json()[0]["workflow"]  # albert reads English
    assert fr["name"] == fr["name_fr"] == "Demande SPT"
    assert en["name"] == en["name_en"] == "SPT request"
    assert en["name_fr"] == "Demande SPT"
    # Accept-Language, when a client sends it, wins over the person's language
    client = api_client(world.customer)
    r = client.get("/api/v1/types?desk=spt", HTTP_ACCEPT_LANGUAGE="en")
    assert r.json()[0]["workflow"]["name"] == "SPT request"


def test_types_customers_only_those_they_may_create(world):
    customer = codes(get(world.customer, "/types?desk=spt"), "code")
    assert customer == [("spt", "support"), ("spt", "patch")]
    agent = codes(get(world.agent, "/types?desk=spt"), "code")
    assert agent == [("spt", "support"), ("spt", "patch"), ("spt", "licence")]
    assert codes(get(world.other_agent, "/types?desk=spt"), "code") == []
    itil = {code for _, code in codes(get(world.customer, "/types?desk=itil"), "code")}
    assert "change" not in itil
    assert not TicketType.objects.get(desk__slug="itil", code="change").customer_may_create


def test_types_carry_their_workflow_statuses_and_transitions(world):
    agent_type = get(world.agent, "/types?desk=spt").json()[0]
    flow = agent_type["workflow"]
    statuses = {s["code"]: s for s in flow["statuses"]}
    assert statuses["ouvert"]["is_initial"]
    assert statuses["ferme"]["is_final"]
    assert statuses["ferme"]["state"] == "closed"
    assert statuses["attente_client"]["auto_after_days"] == 10  # closed after 10 days
    assert statuses["attente_client"]["auto_transition"] == "close"
    agent_moves = {t["code"] for t in flow["transitions"]}
    assert {"refute"} < agent_moves
    for move in flow["transitions"]:
        assert move["to_status"] in statuses
        assert move["from_status"] is None or move["from_status"] in statuses
    # a customer sees only the moves a requester or owner can make
    customer_flow = get(world.customer, "/types?desk=spt").json()[0]["workflow"]
    assert customer_flow["statuses"] == flow["statuses"]
    customer_moves = customer_flow["transitions"]
    assert {t["code"] for t in customer_moves} < agent_moves
    for move in customer_moves:
        assert {"requester", "owner"} & set(move["actors"])


def test_services_by_role(world):
    assert codes(get(world.other_agent, "/services")) == [("ent", "services-generaux")]
    agent = codes(get(world.agent, "/services?desk=ent"))
    assert agent == [("ent", "dsi")]
    customer = codes(get(world.customer, "/services?desk=ent"))
    assert customer == [("ent", "dsi"), ("ent", "services-generaux")]
    assert codes(get(world.customer, "/services?desk=unknown")) == []


def test_categories_by_desk_and_service(world):
    ent = codes(get(world.other_agent, "/categories?desk=ent"))
    assert {slug for _, slug in ent} == {"chauffage", "plomberie", "electricite"}
    dsi = world.desks["ent"].services.get(slug="dsi")
    by_id = codes(get(world.customer, f"/categories?service={dsi.pk}"))
    by_slug = codes(get(world.customer, "/categories?desk=ent&service=dsi"))
    assert by_id == by_slug
    assert {slug for _, slug in by_id} == {"messagerie", "poste", "reseau"}
    # an agent of another service does not see DSI's categories
    assert codes(get(world.other_agent, "/categories?service=dsi")) == []


def test_category_templates_follow_the_portal(world, settings):
    cat = world.desks["spt"].services.get().categories.get(slug="erp")
    cat.template_subject_fr = "Problème ERP"
    cat.save()
    rows = {r["slug"]: r for r in get(world.customer, "/categories?desk=spt").json()}
    assert rows["erp"]["template_subject"] == "Problème ERP"
    # TEN-4: in external mode, a customer without a site gets no template
    world.customer.site = None
    world.customer.organisation = None
    world.customer.save()
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    rows = {r["slug"]: r for r in get(world.customer, "/categories?desk=spt").json()}
    assert rows["erp"]["template_subject"] == ""


def test_priorities_by_desk(world):
    spt = codes(get(world.customer, "/priorities?desk=spt"), "code")
    assert [c for _, c in spt] == ["bloquante", "haute", "moyenne", "basse"]
    assert codes(get(world.other_agent, "/priorities?desk=spt"), "code") == []
    ranks = [p["rank"] for p in get(world.agent, "/priorities?desk=spt").json()]
    assert ranks == sorted(ranks)


def test_a_desk_limited_token_sees_that_desk_only(world):
    ent = world.desks["ent"]
    assert codes(get(world.agent, "/desks", desk=ent)) == [("", "ent")]
    assert get(world.agent, "/desks/spt", desk=ent).status_code == 404
    assert codes(get(world.agent, "/types?desk=spt", desk=ent), "code") == []
    assert {d for d, _ in codes(get(world.agent, "/priorities", desk=ent), "code")} == {"ent"}
    assert {d for d, _ in codes(get(world.agent, "/categories", desk=ent))} == {"ent"}
    assert {d for d, _ in codes(get(world.agent, "/services", desk=ent))} == {"ent"}


def test_schema_names_are_unique_across_routers():
    """The OpenAPI components are keyed by class name: two routers' `TransitionOut` would
    silently share one description, and one of them would then contradict the schema."""
    seen: dict[str, str] = {}
    for info in pkgutil.iter_modules(comptoir.api.__path__):
        module = importlib.import_module(f"comptoir.api.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, Schema)
                and obj.__module__ == module.__name__
            ):
                assert seen.setdefault(obj.__name__, module.__name__) == module.__name__, obj
