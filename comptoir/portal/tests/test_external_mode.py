# covers: TEN-4, TEN-2, CMDB-1, TIC-6, POR-1, POR-3, POR-4
"""External support mode (000) through every portal form that could carry a person, a
site or a CI: what each page offers (the rendered options), what a forged POST gets
(refused, or ignored when the form has no such field), in both modes, for a customer of
another site, one without site and one of another department (COMPTOIR_CI_BY_DEPARTMENT).

Decisions: in external mode the new-request form has no requester, affected person or site
field at all, so a forged one is ignored (the ticket is the requester's, on their site); a
CI outside the customer's site (or department) is refused next to the field, with the same
words for a missing one. Outside external mode the portal is an internal desk: the
requester may name a colleague of their own site (anyone else is refused), and the site
still follows the affected person (never chosen). My profile is read-only in both modes
and Comptoir has no approval delegation to hide."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from comptoir.accounts.models import Department
from comptoir.conftest import category, make_user
from comptoir.portal.forms import AFFECTED_REFUSAL, NO_SITE_MESSAGE
from comptoir.tickets.models import Ticket

from .helpers import (
    client_for,
    file_ticket,
    fr,
    new_url,
    quoted_n123,
    reload,
    resolved_spt,
    snapshot,
    solved_itil,
    text,
    ticket_url,
)

MODES = pytest.mark.parametrize("external", [True, False], ids=["external", "internal"])
PEOPLE_FIELDS = ("affected", "reporter", "requester", "user", "site", "organisation", "department")


def options(page: str, name: str) -> set[str]:
    """The labels of the non-empty options of the select named `name` ('' if none)."""
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if match is None:
        return set()
    found = re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', match[1])
    return {label.strip() for value, label in found if value}


def post_new(client, **data):
    data.setdefault("category", category("itil", "impression").pk)
    data.setdefault("title", "Je n'arrive pas à imprimer")
    data.setdefault("description", "Imprimante du 2e étage.")
    return client.post(new_url("itil", "incident"), data)


def only(reporter) -> Ticket:
    return Ticket.objects.get(reporter=reporter)


# --- the new-request form: CIs ------------------------------------------------------------


@MODES
@pytest.mark.parametrize(
    ("who", "offered"),
    [
        ("customer", {"PC-COMPTA", "PC-ATELIER", "IMPRIMANTE-LYON"}),
        ("colleague", {"PC-COMPTA", "PC-ATELIER", "IMPRIMANTE-LYON"}),
        ("other_site", {"PC-LILLE"}),
        ("outsider", {"PC-BERLIN"}),
    ],
)
def test_only_the_cis_of_my_site_are_offered(
    world, department_cis, settings, external, who, offered
):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    page = text(client_for(getattr(world, who)).get(new_url("itil", "incident")))
    assert options(page, "ci") == offered


@MODES
@pytest.mark.parametrize(
    ("who", "offered"),
    [("customer", {"PC-COMPTA"}), ("colleague", {"PC-ATELIER"}), ("other_site", set())],
)
def test_by_department_only_the_cis_of_my_department(
    world, department_cis, settings, external, who, offered
):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    settings.COMPTOIR_CI_BY_DEPARTMENT = True
    page = text(client_for(getattr(world, who)).get(new_url("itil", "incident")))
    assert options(page, "ci") == offered  # anna has no department: no CI at all


def test_a_user_without_site_is_offered_no_ci(world, department_cis, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False  # they may file; still no CI to name
    nomad = make_user("nina", organisation=world.org_a)
    page = text(client_for(nomad).get(new_url("itil", "incident")))
    assert 'name="ci"' not in page and "PORTABLE-SANS-SITE" not in page


@MODES
@pytest.mark.parametrize("ci", ["lille", "berlin", "nowhere", "missing"])
def test_a_forged_ci_of_another_site_is_refused(world, department_cis, settings, external, ci):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    pk = department_cis[ci].pk if ci != "missing" else 10**9
    before = snapshot()
    response = post_new(client_for(world.customer), ci=pk)
    assert response.status_code == 400
    assert response.context["form"].errors == {"ci": [fr("Choose equipment of your own site.")]}
    assert snapshot() == before


@MODES
def test_by_department_a_forged_ci_of_another_department_is_refused(
    world, department_cis, settings, external
):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    settings.COMPTOIR_CI_BY_DEPARTMENT = True
    client = client_for(world.customer)
    before = snapshot()
    for ci in ("atelier", "lyon", "lille"):
        response = post_new(client, ci=department_cis[ci].pk)
        assert response.status_code == 400
        message = fr("Choose equipment of your own department.")
        assert response.context["form"].errors == {"ci": [message]}
        assert message in text(response)
    assert snapshot() == before
    assert post_new(client, ci=department_cis["compta"].pk).status_code == 302
    assert only(world.customer).ci == department_cis["compta"]


# --- the new-request form: people and site ---------------------------------------------------


@pytest.mark.parametrize("who", ["customer", "other_site", "customer_manager", "nomad"])
def test_external_mode_offers_no_person_nor_site(world, settings, who):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    user = make_user("nina", organisation=world.org_a) if who == "nomad" else getattr(world, who)
    page = text(client_for(user).get(new_url("itil", "incident")))
    for name in PEOPLE_FIELDS:
        assert f'name="{name}"' not in page, name
    for someone in {"albert", "anna", "bob", "Alpha Lille", "Beta"} - {user.username}:
        assert someone not in page


@pytest.mark.parametrize("who", ["customer", "customer_manager"])
def test_external_mode_ignores_forged_people_and_site(world, settings, who):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    me = getattr(world, who)
    response = post_new(
        client_for(me),
        affected=world.colleague.pk,
        reporter=world.outsider.pk,
        requester=world.other_site.pk,
        site=world.b1.pk,
        organisation=world.org_b.pk,
    )
    assert response.status_code == 302
    t = only(me)
    assert (t.reporter, t.affected, t.created_by) == (me, me, me)
    assert (t.site, t.organisation) == (world.a1, world.org_a)


def test_internal_mode_offers_only_colleagues_of_my_site(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    page = text(client_for(world.customer).get(new_url("itil", "incident")))
    assert options(page, "affected") == {"alice", "albert", "amelie"}
    for name in ("reporter", "site", "organisation", "department"):
        assert f'name="{name}"' not in page, name


def test_internal_mode_a_user_without_site_is_offered_only_themself(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    nomad = make_user("nina", organisation=world.org_a)
    make_user("noe", organisation=world.org_a)  # also without site: not a colleague
    page = text(client_for(nomad).get(new_url("itil", "incident")))
    assert options(page, "affected") == {"nina"}


@pytest.mark.parametrize("who", ["other_site", "outsider", "agent", "missing"])
def test_internal_mode_refuses_a_forged_affected_person(world, settings, who):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    pk = getattr(world, who).pk if who != "missing" else 10**9
    before = snapshot()
    response = post_new(client_for(world.customer), affected=pk)
    assert response.status_code == 400
    assert response.context["form"].errors == {"affected": [fr(AFFECTED_REFUSAL)]}
    assert snapshot() == before


def test_internal_mode_the_site_follows_the_colleague_not_a_forged_field(
    world, department_cis, settings
):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    post_new(client_for(world.customer), affected=world.colleague.pk, site=world.b1.pk)
    t = only(world.customer)
    assert (t.reporter, t.affected, t.site) == (world.customer, world.colleague, world.a1)


# --- templates (TIC-6) for a user without site ---------------------------------------------


@MODES
def test_the_template_is_empty_without_site_in_external_mode_only(world, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    impression = category("itil", "impression")
    nomad = make_user("nina", organisation=world.org_a)
    client = client_for(nomad)
    page = text(client.get(new_url("itil", "incident"), {"category": impression.pk}))
    fragment = text(
        client.post(new_url("itil", "incident", "template"), {"category": impression.pk})
    )
    for shown in (page, fragment):
        assert ("Message d'erreur :" in shown) is not external
    assert (fr(NO_SITE_MESSAGE) in page) is external
    with_site = text(
        client_for(world.customer).get(new_url("itil", "incident"), {"category": impression.pk})
    )
    assert "Message d'erreur :" in with_site


# --- the ticket page's forms ----------------------------------------------------------------


def _people_site_ci(t: Ticket) -> tuple:
    t = reload(t)
    return (t.reporter_id, t.affected_id, t.site_id, t.organisation_id, t.ci_id, t.created_by_id)


FORGED = {
    "affected": "{colleague}",
    "reporter": "{outsider}",
    "user": "{outsider}",
    "site": "{b1}",
    "organisation": "{org_b}",
    "ci": "{berlin}",
}


def _forged(world, department_cis, prefix: str = "") -> dict[str, str]:
    ids = {
        "colleague": world.colleague.pk,
        "outsider": world.outsider.pk,
        "b1": world.b1.pk,
        "org_b": world.org_b.pk,
        "berlin": department_cis["berlin"].pk,
    }
    out = {}
    for name, value in FORGED.items():
        out[name] = value.format(**ids)
        if prefix:
            out[f"{prefix}-{name}"] = value.format(**ids)
    return out


@MODES
def test_the_ticket_page_offers_no_person_site_or_ci(world, department_cis, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    t = solved_itil(world)
    page = text(client_for(world.customer).get(ticket_url(t)))
    assert re.findall(r'name="[\w-]*(?:affected|reporter|site|ci|user|assignee)"', page) == []
    assert "PC-BERLIN" not in page and "bob" not in page


@MODES
def test_forged_fields_on_comment_and_mute_change_no_one(world, department_cis, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    t = file_ticket(world.customer, "spt")
    before = _people_site_ci(t)
    client = client_for(world.customer)
    data = {"comment-comment": "Toujours en panne.", **_forged(world, department_cis, "comment")}
    assert client.post(ticket_url(t, "comment"), data).status_code == 302
    assert (
        client.post(
            ticket_url(t, "mute"), {"muted": "1", **_forged(world, department_cis)}
        ).status_code
        == 302
    )
    assert _people_site_ci(t) == before
    assert reload(t).comments.get().body == "Toujours en panne."


@MODES
def test_forged_fields_on_confirm_change_no_one(world, department_cis, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    t = resolved_spt(world)
    before = _people_site_ci(t)
    data = {"confirm-accepted": "yes", **_forged(world, department_cis, "confirm")}
    assert client_for(world.customer).post(ticket_url(t, "confirm"), data).status_code == 302
    assert _people_site_ci(t) == before
    assert reload(t).confirmation == "confirmed"


@MODES
def test_forged_fields_on_assess_change_no_one(world, department_cis, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    t = solved_itil(world)
    before = _people_site_ci(t)
    data = {"assess-satisfaction": "5", **_forged(world, department_cis, "assess")}
    assert client_for(world.customer).post(ticket_url(t, "assess"), data).status_code == 302
    assert _people_site_ci(t) == before
    assert t.assessments.get().user == world.customer


@MODES
def test_forged_fields_on_a_move_change_no_one(world, department_cis, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    t = quoted_n123(world)
    before = _people_site_ci(t)
    client = client_for(world.customer)
    page = text(client.get(ticket_url(t)))
    code = re.search(r'action="[^"]*/move/([\w-]+)/#', page)[1]
    data = {f"move-{code}-comment": "D'accord.", **_forged(world, department_cis, f"move-{code}")}
    status_before = reload(t).status_id
    assert client.post(ticket_url(t, "move", code=code), data).status_code == 302
    assert reload(t).status_id != status_before
    assert _people_site_ci(t) == before


# --- what is shown: other sites' tickets ----------------------------------------------------


@MODES
def test_another_sites_tickets_are_neither_listed_searched_nor_shown(world, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    lille = file_ticket(world.other_site, "spt", title="Scanner de Lille")
    berlin = file_ticket(world.outsider, "spt", title="Scanner de Berlin")
    client = client_for(world.customer)
    for query in ({}, {"q": "Scanner"}, {"q": lille.key}, {"scope": "all", "closed": "1"}):
        listed = text(client.get(reverse("portal:tickets"), query))
        assert "Scanner de" not in listed
    for t in (lille, berlin):
        assert client.get(ticket_url(t)).status_code == 404


# --- My profile -------------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize("who", ["customer", "customer_manager", "nomad"])
def test_my_profile_has_no_site_choice_nor_delegation(world, settings, external, who):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    user = make_user("nina", organisation=world.org_a) if who == "nomad" else getattr(world, who)
    client = client_for(user)
    page = text(client.get(reverse("portal:profile")))
    assert re.findall(r'name="[\w-]*(?:site|department|organisation|delegat\w*)"', page) == []
    assert "<select" not in page.replace('<select name="lang-language"', "")
    site = user.site_id
    forged = {
        "lang-language": "en",
        "site": world.b1.pk,
        "lang-site": world.b1.pk,
        "department": Department.objects.create(site=world.b1, name=f"Lager {who}").pk,
        "delegate": world.outsider.pk,
    }
    assert client.post(reverse("portal:language"), forged).status_code == 302
    user.refresh_from_db()
    assert (user.site_id, user.department_id, user.language) == (site, None, "en")
