# covers: TEN-4, TEN-2, CMDB-1, TIC-6
"""External support mode (000) through the API, with the portal's rules: POST /tickets by
a customer names no one else and no CI outside their site (or department), /cis lists and
finds only those, /categories gives no template to a customer without site.

Decisions (the portal refuses such a choice next to its field; the API does the same with
a 400 problem naming the field): in external mode a customer's `affected_id` and
`reporter_id` may only be their own id; outside it `affected_id` may be a customer of
their site. A CI must be one GET /cis shows them. Another tenant's person or CI, and an id
that does not exist, get the very same answer, so nothing tells that they exist."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.api.tests.helpers import api_client
from comptoir.conftest import category, make_user
from comptoir.tickets.models import Guest, Ticket
from comptoir.tickets.tests.helpers import file_ticket, snapshot

pytestmark = pytest.mark.django_db

MODES = pytest.mark.parametrize("external", [True, False], ids=["external", "internal"])
MISSING = 2_000_000_000


def fr(message: str) -> str:
    with translation.override("fr"):
        return str(_(message))


def new(**extra: Any) -> dict[str, Any]:
    return {
        "desk": "itil",
        "type": "incident",
        "category_id": category("itil", "impression").pk,
        "title": "Je n'arrive pas à imprimer",
        "description": "Imprimante du 2e étage.",
        **extra,
    }


def post(user, **extra: Any):
    client = api_client(user)
    return client.post("/api/v1/tickets", new(**extra), content_type="application/json")


def refused(response, field: str) -> str:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["field"] == field and body["code"] == "invalid"
    return body["detail"]


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["items"]}


# --- POST /tickets: people ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["affected_id", "reporter_id"])
@pytest.mark.parametrize("who", ["customer", "customer_manager"])
def test_external_mode_a_customer_names_no_one_else(world, settings, field, who):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    me = getattr(world, who)
    before = snapshot()
    details = set()
    for other in (world.colleague, world.other_site, world.outsider, world.agent, MISSING):
        pk = other if other == MISSING else other.pk
        details.add(refused(post(me, **{field: pk}), field))
    assert details == {fr("You file requests for yourself: name no one else.")}
    assert snapshot() == before


@pytest.mark.parametrize("external", [True, False])
def test_a_customer_may_name_themself(world, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    me = world.customer.pk
    response = post(world.customer, affected_id=me, reporter_id=me)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["affected"], body["reporter"], body["site_id"]) == ("alice", "alice", world.a1.pk)


def test_internal_mode_a_colleague_of_my_site_may_be_affected(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    response = post(world.customer, affected_id=world.colleague.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["affected"], body["reporter"], body["site_id"]) == ("albert", "alice", world.a1.pk)
    before = snapshot()
    details = set()
    for other in (world.other_site, world.outsider, world.agent, MISSING):
        pk = other if other == MISSING else other.pk
        details.add(refused(post(world.customer, affected_id=pk), "affected_id"))
    assert details == {fr("The affected person must belong to your site.")}
    # The reporting person is always the customer themself.
    details = {refused(post(world.customer, reporter_id=world.colleague.pk), "reporter_id")}
    assert details == {fr("You file requests for yourself: name no one else.")}
    assert snapshot() == before


def test_internal_mode_a_customer_without_site_names_only_themself(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    nomad = make_user("nina", organisation=world.org_a)
    also = make_user("noe", organisation=world.org_a)
    refused(post(nomad, affected_id=also.pk), "affected_id")
    response = post(nomad, affected_id=nomad.pk)
    assert response.status_code == 201
    assert (response.json()["site_id"], response.json()["organisation_id"]) == (
        None,
        world.org_a.pk,
    )


def test_staff_still_file_on_behalf_in_external_mode(world, department_cis, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    response = post(world.agent, affected_id=world.other_site.pk, ci_id=department_cis["lille"].pk)
    assert response.status_code == 201, response.content
    assert (response.json()["affected"], response.json()["ci_id"]) == (
        "anna",
        department_cis["lille"].pk,
    )
    # The CI must still be on the affected person's site (CMDB-1).
    before = snapshot()
    refused(
        post(world.agent, affected_id=world.customer.pk, ci_id=department_cis["lille"].pk), "ci"
    )
    assert snapshot() == before


# --- POST /tickets: CIs ------------------------------------------------------------------------


@MODES
def test_my_sites_ci_is_accepted(world, department_cis, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    response = post(world.customer, ci_id=department_cis["atelier"].pk)
    assert response.status_code == 201, response.content
    assert response.json()["ci_id"] == department_cis["atelier"].pk
    assert Ticket.objects.get(key=response.json()["key"]).ci == department_cis["atelier"]


@MODES
def test_a_ci_of_another_site_is_refused_like_a_missing_one(
    world, department_cis, settings, external
):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    before = snapshot()
    details = set()
    for pk in (
        department_cis["lille"].pk,
        department_cis["berlin"].pk,
        department_cis["nowhere"].pk,
        MISSING,
    ):
        details.add(refused(post(world.customer, ci_id=pk), "ci_id"))
    assert details == {fr("Choose equipment of your own site.")}
    assert snapshot() == before


@MODES
def test_by_department_a_ci_of_another_department_is_refused(
    world, department_cis, settings, external
):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    settings.COMPTOIR_CI_BY_DEPARTMENT = True
    before = snapshot()
    details = set()
    for ci in ("atelier", "lyon", "lille"):
        details.add(refused(post(world.customer, ci_id=department_cis[ci].pk), "ci_id"))
    assert details == {fr("Choose equipment of your own department.")}
    # anna has no department: no CI at all, not even her site's.
    refused(post(world.other_site, ci_id=department_cis["lille"].pk), "ci_id")
    assert snapshot() == before
    assert post(world.customer, ci_id=department_cis["compta"].pk).status_code == 201
    assert post(world.colleague, ci_id=department_cis["atelier"].pk).status_code == 201


def test_internal_mode_a_ci_goes_with_the_affected_colleague(world, department_cis, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    response = post(world.customer, affected_id=world.colleague.pk, ci_id=department_cis["lyon"].pk)
    assert response.status_code == 201, response.content
    assert response.json()["ci_id"] == department_cis["lyon"].pk


# --- a customer without site ------------------------------------------------------------------


def test_external_mode_a_customer_without_site_files_nothing(world, department_cis, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    nomad = make_user("nina", organisation=world.org_a)
    before = snapshot()
    response = post(nomad)
    assert response.status_code == 403 and response.json()["code"] == "no_site"
    refused(post(nomad, ci_id=department_cis["nowhere"].pk), "ci_id")
    assert snapshot() == before


@MODES
def test_templates_are_empty_for_a_customer_without_site_in_external_mode(
    world, settings, external
):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    nomad = make_user("nina", organisation=world.org_a)
    for user, shown in ((nomad, not external), (world.customer, True)):
        rows = api_client(user).get("/api/v1/categories", {"desk": "itil"}).json()
        impression = next(r for r in rows if r["slug"] == "impression")
        assert bool(impression["template_subject"]) is shown
        assert bool(impression["template_body"]) is shown
        assert ("Message d'erreur" in impression["template_body"]) is shown


# --- /cis ------------------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize(
    ("who", "by_department", "seen"),
    [
        ("customer", False, {"PC-COMPTA", "PC-ATELIER", "IMPRIMANTE-LYON"}),
        ("customer_manager", False, {"PC-COMPTA", "PC-ATELIER", "IMPRIMANTE-LYON"}),
        ("other_site", False, {"PC-LILLE"}),
        ("outsider", False, {"PC-BERLIN"}),
        ("nomad", False, set()),
        ("customer", True, {"PC-COMPTA"}),
        ("colleague", True, {"PC-ATELIER"}),
        ("other_site", True, set()),
    ],
)
def test_cis_lists_and_finds_only_my_sites(
    world, department_cis, settings, external, who, by_department, seen
):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    settings.COMPTOIR_CI_BY_DEPARTMENT = by_department
    user = make_user("nina", organisation=world.org_a) if who == "nomad" else getattr(world, who)
    client = api_client(user)
    assert names(client.get("/api/v1/cis", {"limit": 100})) == seen
    for term in ("PC", "PORTABLE", "BERLIN", "LILLE"):
        found = names(client.get("/api/v1/cis", {"q": term}))
        assert found == {n for n in seen if term in n}
    for ci in department_cis.values():
        response = client.get(f"/api/v1/cis/{ci.pk}")
        assert response.status_code == (200 if ci.name in seen else 404)
        if ci.name not in seen:
            assert ci.name not in response.content.decode()


# --- other operations taking a person ------------------------------------------------------


@MODES
def test_a_customer_invites_no_one(world, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    t = file_ticket(world.customer, "spt")
    client = api_client(world.customer)
    before = snapshot()
    for other in (world.colleague, world.outsider):
        response = client.post(
            f"/api/v1/tickets/{t.key}/guests",
            {"user_id": other.pk},
            content_type="application/json",
        )
        assert response.status_code == 403
    assert snapshot() == before
    assert not Guest.objects.exists()
