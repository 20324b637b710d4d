# covers: TEN-3, TEN-7, TEN-2, POR-2
"""Visibility extension (003 §2.1.1): an administrator grants a customer the tickets of
their company, of one division, or of several companies, through `grant_visibility`
(the admin's person page and grant list use it); the ticket selectors, My tickets with
its wider lists, the ticket page, the search and the API list show those tickets and
nothing beyond; a revoked grant is gone from the very next request. A customer manager's
extended visibility (TEN-7) is their own site, the same everywhere."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.accounts.actions import grant_visibility, revoke_visibility
from comptoir.accounts.models import Organisation, Role, Site, User, VisibilityGrant
from comptoir.accounts.selectors import visible_people
from comptoir.api.tests.helpers import api_client
from comptoir.conftest import make_user
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.tickets.selectors import ticket_get, visible_tickets
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db

MY_TICKETS = reverse("portal:tickets")


@pytest.fixture
def scene(world):
    """A ticket at Lyon (division Sud), one at Lille (Nord), one in Berlin, one of a third
    company; carla of that third company is the customer who asks for more."""
    org_c = Organisation.objects.create(name="Gamma SARL", code="gamma")
    c1 = Site.objects.create(organisation=org_c, name="Gamma Nantes", code="GNA")
    carla = make_user("carla", site=c1)
    return {
        "lyon": file_ticket(world.customer, "spt", title="Caisse de Lyon"),
        "lille": file_ticket(world.other_site, "spt", title="Caisse de Lille"),
        "berlin": file_ticket(world.outsider, "spt", title="Kasse Berlin"),
        "gamma": file_ticket(carla, "spt", title="Caisse de Nantes"),
        "carla": carla,
        "org_c": org_c,
    }


def fr(msgid: str, **names: str) -> str:
    """A label as the French customers of these tests read it."""
    with translation.override("fr"):
        return _(msgid) % names


MINE = {fr("My tickets"): "mine"}


def titles(response) -> set[str]:
    assert response.status_code == 200
    return {t.title for t in response.context["tickets"]}


def api_titles(user: User) -> set[str]:
    response = api_client(user).get("/api/v1/tickets", {"state": "all", "limit": 100})
    assert response.status_code == 200
    return {t["title"] for t in response.json()["items"]}


def sees(user: User) -> set[str]:
    """Every way a customer reads tickets agrees: selector, portal list, API list. The
    selector gets the person as a request would: freshly read."""
    fresh = User.objects.get(pk=user.pk)
    by_selector = set(visible_tickets(fresh).values_list("title", flat=True))
    client = Client()
    client.force_login(user)
    by_portal = titles(client.get(MY_TICKETS, {"scope": "all", "closed": "1"}))
    assert by_portal == by_selector, "the portal's widest list is the selector"
    assert api_titles(user) == by_selector, "the API's list is the selector"
    return by_selector


def scopes(client: Client) -> dict[str, str]:
    response = client.get(MY_TICKETS)
    return {s.label: s.value for s in response.context["scopes"]}


# --- the actions ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "manager", "customer", "customer_manager"])
def test_only_an_administrator_grants_or_revokes(world, who):
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied) as exc:
        grant_visibility(actor=actor, user=world.other_site, organisation=world.org_a)
    assert exc.value.code == "admin_only"
    assert not VisibilityGrant.objects.exists()
    grant = grant_visibility(actor=world.admin, user=world.other_site, organisation=world.org_a)
    with pytest.raises(PermissionDenied):
        revoke_visibility(actor=actor, grant=grant)
    assert VisibilityGrant.objects.filter(pk=grant.pk).exists()


def test_a_superuser_may_grant(world):
    root = make_user("super", is_superuser=True)
    assert grant_visibility(actor=root, user=world.customer, organisation=world.org_b)


def test_granting_twice_keeps_one_grant_and_tidies_the_division(world):
    first = grant_visibility(
        actor=world.admin, user=world.outsider, organisation=world.org_a, division="  Nord "
    )
    again = grant_visibility(
        actor=world.admin, user=world.outsider, organisation=world.org_a, division="Nord"
    )
    assert first == again and first.division == "Nord"
    assert VisibilityGrant.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "org", "division", "field"),
    [
        ("agent", "org_a", "", "user"),  # staff see by their services, not by grants
        ("customer", "provider", "", "organisation"),
        ("customer", "org_a", "Est", "division"),  # Alpha has Nord and Sud only
        ("customer", "org_b", "Nord", "division"),  # Nord is Alpha's, not Beta's
    ],
)
def test_a_grant_must_make_sense(world, who, org, division, field):
    with pytest.raises(InvalidInput) as exc:
        grant_visibility(
            actor=world.admin,
            user=getattr(world, who),
            organisation=getattr(world, org),
            division=division,
        )
    assert exc.value.field == field
    assert not VisibilityGrant.objects.exists()


# --- what a grant shows -----------------------------------------------------------------------


def test_without_grant_a_customer_sees_their_own_tickets(world, scene):
    assert sees(world.other_site) == {"Caisse de Lille"}
    assert sees(scene["carla"]) == {"Caisse de Nantes"}
    client = Client()
    client.force_login(world.other_site)
    assert scopes(client) == MINE
    assert 'name="scope"' not in client.get(MY_TICKETS).content.decode()


def test_a_company_grant_shows_the_whole_company_and_nothing_more(world, scene):
    grant = grant_visibility(actor=world.admin, user=world.other_site, organisation=world.org_a)
    assert sees(world.other_site) == {"Caisse de Lyon", "Caisse de Lille"}
    client = Client()
    client.force_login(world.other_site)
    labels = scopes(client)
    mine = fr("All tickets of my company (%(organisation)s)", organisation="Alpha SA")
    assert labels[mine] == f"grant-{grant.pk}"
    # My tickets stays mine by default; the wider list is asked for.
    assert titles(client.get(MY_TICKETS)) == {"Caisse de Lille"}
    assert titles(client.get(MY_TICKETS, {"scope": f"grant-{grant.pk}"})) == {
        "Caisse de Lyon",
        "Caisse de Lille",
    }
    # The ticket page and the search show it, with whose ticket it is.
    lyon = scene["lyon"]
    assert client.get(reverse("portal:ticket", kwargs={"key": lyon.key})).status_code == 200
    found = client.get(MY_TICKETS, {"scope": "all", "q": lyon.key})
    assert titles(found) == {"Caisse de Lyon"} and "alice" in found.content.decode()
    assert api_client(world.other_site).get(f"/api/v1/tickets/{lyon.key}").status_code == 200
    # Nothing of Beta nor Gamma.
    for other in (scene["berlin"], scene["gamma"]):
        assert client.get(reverse("portal:ticket", kwargs={"key": other.key})).status_code == 404
        assert titles(client.get(MY_TICKETS, {"scope": "all", "q": other.key})) == set()
        assert api_client(world.other_site).get(f"/api/v1/tickets/{other.key}").status_code == 404


def test_a_division_grant_shows_that_divisions_sites_only(world, scene):
    grant = grant_visibility(
        actor=world.admin, user=scene["carla"], organisation=world.org_a, division="Nord"
    )
    assert sees(scene["carla"]) == {"Caisse de Nantes", "Caisse de Lille"}
    client = Client()
    client.force_login(scene["carla"])
    label = fr(
        "All tickets of %(organisation)s, division %(division)s",
        organisation="Alpha SA",
        division="Nord",
    )
    assert scopes(client)[label] == f"grant-{grant.pk}"
    assert titles(client.get(MY_TICKETS, {"scope": f"grant-{grant.pk}"})) == {"Caisse de Lille"}
    lyon = scene["lyon"]
    assert client.get(reverse("portal:ticket", kwargs={"key": lyon.key})).status_code == 404
    with pytest.raises(NotFound):
        ticket_get(actor=scene["carla"], key=lyon.key)


def test_grants_on_several_companies(world, scene):
    carla = scene["carla"]
    on_a = grant_visibility(actor=world.admin, user=carla, organisation=world.org_a)
    on_b = grant_visibility(actor=world.admin, user=carla, organisation=world.org_b)
    assert sees(carla) == {"Caisse de Nantes", "Caisse de Lyon", "Caisse de Lille", "Kasse Berlin"}
    client = Client()
    client.force_login(carla)
    assert list(scopes(client).values()) == ["mine", f"grant-{on_a.pk}", f"grant-{on_b.pk}", "all"]
    assert titles(client.get(MY_TICKETS, {"scope": f"grant-{on_b.pk}"})) == {"Kasse Berlin"}
    assert titles(client.get(MY_TICKETS, {"scope": f"grant-{on_a.pk}"})) == {
        "Caisse de Lyon",
        "Caisse de Lille",
    }


def test_someone_elses_grant_or_a_forged_scope_shows_only_mine(world, scene):
    theirs = grant_visibility(actor=world.admin, user=scene["carla"], organisation=world.org_b)
    client = Client()
    client.force_login(world.other_site)
    for scope in (f"grant-{theirs.pk}", "site", "all", "grant-x", "grant-99999999"):
        assert titles(client.get(MY_TICKETS, {"scope": scope})) == {"Caisse de Lille"}


def test_a_grant_does_not_widen_whom_a_customer_may_name(world, scene, settings):
    """A grant shows tickets; it never lets a customer file for another site's people."""
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    grant_visibility(actor=world.admin, user=world.other_site, organisation=world.org_a)
    response = api_client(world.other_site).post(
        "/api/v1/tickets",
        {
            "desk": "spt",
            "type": "support",
            "category_id": scene["lille"].category_id,
            "title": "Pour Lyon",
            "description": "x",
            "affected_id": world.customer.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "affected_id"
    assert set(visible_people(world.other_site)) == {world.other_site}


def test_a_revoked_grant_is_gone_at_once(world, scene):
    anna = world.other_site
    grant = grant_visibility(actor=world.admin, user=anna, organisation=world.org_a)
    client = Client()
    client.force_login(anna)
    lyon = reverse("portal:ticket", kwargs={"key": scene["lyon"].key})
    assert client.get(lyon).status_code == 200
    assert "Caisse de Lyon" in sees(anna)
    # The selectors keep a person's grants on their User object for one request; the
    # action forgets them there too, so even that object sees the change.
    assert visible_tickets(anna).filter(pk=scene["lyon"].pk).exists()
    token = api_client(anna)
    revoke_visibility(actor=world.admin, grant=grant)
    assert not visible_tickets(anna).filter(pk=scene["lyon"].pk).exists()
    assert sees(anna) == {"Caisse de Lille"}
    assert client.get(lyon).status_code == 404
    assert titles(client.get(MY_TICKETS, {"scope": f"grant-{grant.pk}"})) == {"Caisse de Lille"}
    assert scopes(client) == MINE
    assert token.get(f"/api/v1/tickets/{scene['lyon'].key}").status_code == 404


# --- TEN-7: the customer manager --------------------------------------------------------------


def test_a_customer_manager_sees_their_site_everywhere_and_no_more(world, scene):
    amelie = world.customer_manager
    colleague = file_ticket(world.colleague, "spt", title="Badge d'Albert")
    assert sees(amelie) == {"Caisse de Lyon", "Badge d'Albert"}
    client = Client()
    client.force_login(amelie)
    assert scopes(client) == {
        **MINE,
        fr("All tickets of my site (%(site)s)", site="Alpha Lyon"): "site",
        fr("All the tickets I may see"): "all",
    }
    assert titles(client.get(MY_TICKETS)) == set()
    assert titles(client.get(MY_TICKETS, {"scope": "site"})) == {"Caisse de Lyon", colleague.title}
    assert {p.username for p in visible_people(amelie)} == {"alice", "albert", "amelie"}
    # A grant adds to it, like for anyone.
    grant_visibility(actor=world.admin, user=amelie, organisation=world.org_a, division="Nord")
    assert "Caisse de Lille" in sees(amelie)
    assert "Kasse Berlin" not in sees(amelie)


def test_a_customer_manager_without_site_sees_only_their_own(world, scene):
    lost = make_user("luc", Role.CUSTOMER_MANAGER, organisation=world.org_a)
    assert sees(lost) == set()
    assert set(visible_people(lost)) == {lost}


# --- the admin -------------------------------------------------------------------------------


def _form_data(form: forms.BaseForm) -> dict[str, Any]:
    """What the browser would post back for `form` as it was rendered."""
    data: dict[str, Any] = {}
    for bf in form:
        if bf.field.disabled:
            continue
        value, widget = bf.value(), bf.field.widget
        widget = getattr(widget, "widget", widget)  # the admin's related-field wrapper
        if isinstance(widget, forms.MultiWidget):
            for i, part in enumerate(widget.decompress(value)):
                if part is not None:
                    data[f"{bf.html_name}_{i}"] = str(part)
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bf.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bf.html_name] = [str(v) for v in value]
        elif value is not None:
            data[bf.html_name] = str(value)
    return data


def _person_page(client: Client, user: User) -> tuple[str, dict[str, Any], str]:
    url = reverse("admin:accounts_user_change", args=[user.pk])
    response = client.get(url)
    assert response.status_code == 200
    data = _form_data(response.context["adminform"].form)
    [inline] = response.context["inline_admin_formsets"]
    formset = inline.formset
    data.update(_form_data(formset.management_form))
    for form in formset.forms:
        data.update(_form_data(form))
    return url, data, formset.prefix


@pytest.fixture
def admin_client(world, settings):
    settings.COMPTOIR_MFA_REQUIRED_FOR_STAFF = False
    world.admin.is_staff = True
    world.admin.is_superuser = True
    world.admin.save()
    client = Client()
    client.force_login(world.admin)
    return client


def test_an_administrator_grants_on_the_persons_page(world, scene, admin_client):
    url, data, prefix = _person_page(admin_client, world.other_site)
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(n + 2),
            f"{prefix}-{n}-organisation": str(world.org_a.pk),
            f"{prefix}-{n}-division": "",
            f"{prefix}-{n + 1}-organisation": str(scene["org_c"].pk),
            f"{prefix}-{n + 1}-division": "",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert sees(world.other_site) == {"Caisse de Lyon", "Caisse de Lille", "Caisse de Nantes"}
    # Deleting the row on the same page revokes it.
    url, data, prefix = _person_page(admin_client, world.other_site)
    gamma = VisibilityGrant.objects.get(user=world.other_site, organisation=scene["org_c"])
    row = next(k for k, v in data.items() if k.endswith("-id") and v == str(gamma.pk))
    data[row.replace("-id", "-DELETE")] = "on"
    assert admin_client.post(url, data).status_code == 302
    assert sees(world.other_site) == {"Caisse de Lyon", "Caisse de Lille"}


def test_the_persons_page_refuses_a_grant_that_makes_no_sense(world, scene, admin_client):
    url, data, prefix = _person_page(admin_client, world.other_site)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-organisation": str(world.org_a.pk),
            f"{prefix}-0-division": "Est",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    message = fr(
        "%(organisation)s has no site in the division “%(division)s”.",
        organisation="Alpha SA",
        division="Est",
    )
    assert message in html.unescape(response.content.decode())
    assert not VisibilityGrant.objects.exists()


def test_the_grant_list_saves_and_deletes_through_the_actions(world, scene, admin_client):
    add = reverse("admin:accounts_visibilitygrant_add")
    bad = admin_client.post(add, {"user": world.agent.pk, "organisation": world.org_a.pk})
    assert bad.status_code == 200 and not VisibilityGrant.objects.exists()
    ok = admin_client.post(
        add, {"user": scene["carla"].pk, "organisation": world.org_a.pk, "division": "Sud"}
    )
    assert ok.status_code == 302
    grant = VisibilityGrant.objects.get()
    assert sees(scene["carla"]) == {"Caisse de Nantes", "Caisse de Lyon"}
    change = reverse("admin:accounts_visibilitygrant_change", args=[grant.pk])
    moved = admin_client.post(
        change, {"user": scene["carla"].pk, "organisation": world.org_a.pk, "division": "Nord"}
    )
    assert moved.status_code == 302
    assert sees(scene["carla"]) == {"Caisse de Nantes", "Caisse de Lille"}
    grant = VisibilityGrant.objects.get()
    delete = reverse("admin:accounts_visibilitygrant_delete", args=[grant.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert sees(scene["carla"]) == {"Caisse de Nantes"}


def test_staff_who_are_not_administrators_cannot_grant_in_the_admin(world, scene, settings):
    settings.COMPTOIR_MFA_REQUIRED_FOR_STAFF = False
    from django.contrib.auth.models import Permission

    marc = world.manager
    marc.is_staff = True
    marc.save()
    marc.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    marc = User.objects.get(pk=marc.pk)
    client = Client()
    client.force_login(marc)
    page = client.get(reverse("admin:accounts_user_change", args=[world.other_site.pk]))
    assert page.status_code == 200 and page.context["inline_admin_formsets"] == []
    add = reverse("admin:accounts_visibilitygrant_add")
    response = client.post(add, {"user": world.other_site.pk, "organisation": world.org_a.pk})
    assert response.status_code == 403
    assert not VisibilityGrant.objects.exists()
