# covers: CMDB-1, CMDB-2, TEN-2
"""The console's CMDB pages: staff read them, service managers and administrators get the
forms, customers get a 404 like for anything of the console; the 000 site rule's refusal
shows next to the person's field; the ticket page shows its CI's coverage today."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comptoir.cmdb import actions
from comptoir.cmdb.models import ConfigurationItem, Contract
from comptoir.tickets import actions as tickets
from comptoir.tickets.tests.helpers import file_ticket

from .conftest import error_next_to, ticket_url


@pytest.fixture
def cmdb(world):
    for person in (world.agent, world.manager):  # the pages' words are read in English here
        person.language = "en"
        person.save(update_fields=["language"])
    m = world.manager
    today = timezone.localdate()
    lyon = actions.ci_create(actor=m, name="PC-LYON", serial="SN-LY", site=world.a1, kind="PC")
    berlin = actions.ci_create(actor=m, name="PC-BERLIN", site=world.b1)
    lessor = actions.supplier_create(actor=m, name="Leasecorp")
    support = actions.contract_create(
        actor=m,
        reference="SUP-1",
        name="Support Lyon",
        kind="support",
        category="sold",
        site=world.a1,
        starts_on=today - dt.timedelta(days=30),
        cis=[lyon],
    )
    old = actions.contract_create(
        actor=m,
        reference="OLD-1",
        name="Old lease",
        kind="lease",
        category="bought",
        supplier=lessor,
        site=world.a1,
        starts_on=today - dt.timedelta(days=400),
        ends_on=today - dt.timedelta(days=1),
        cis=[lyon],
    )
    return {"lyon": lyon, "berlin": berlin, "support": support, "old": old, "lessor": lessor}


def url(name: str, **kw) -> str:
    return reverse(f"console:{name}", kwargs=kw)


def test_staff_read_the_list_and_pages(world, login, cmdb):
    c = login(world.agent)
    page = c.get(url("cis")).content.decode()
    assert "PC-LYON" in page and "PC-BERLIN" in page
    assert url("ci_new") not in page  # agents read only
    page = c.get(url("ci", pk=cmdb["lyon"].pk)).content.decode()
    assert "SUP-1" in page and "OLD-1" in page and "Leasecorp" in page
    assert "link-user" not in page and url("ci_edit", pk=cmdb["lyon"].pk) not in page
    page = c.get(url("contract", pk=cmdb["support"].pk)).content.decode()
    assert "PC-LYON" in page and "uncover" not in page
    assert "SUP-1" in c.get(url("contracts")).content.decode()


def test_agents_get_no_forms(world, login, cmdb):
    c = login(world.agent)
    for name, kw in (("ci_new", {}), ("ci_edit", {"pk": cmdb["lyon"].pk}), ("contract_new", {})):
        assert c.get(url(name, **kw)).status_code == 404
    r = c.post(url("ci_action", pk=cmdb["lyon"].pk, action="link-user"), {"link-user": "alice"})
    assert r.status_code == 400 and not cmdb["lyon"].users.exists()  # the action refused
    assert "Only service managers" in r.content.decode()
    r = c.post(
        url("contract_action", pk=cmdb["support"].pk, action="uncover"), {"ci": cmdb["lyon"].pk}
    )
    assert cmdb["support"].cis.count() == 1


@pytest.mark.parametrize("who", ["customer", "customer_manager", "outsider"])
def test_customers_get_404_everywhere(world, login, cmdb, who):
    c = login(getattr(world, who))
    for name, kw in (
        ("cis", {}),
        ("ci", {"pk": cmdb["lyon"].pk}),
        ("ci", {"pk": cmdb["berlin"].pk}),
        ("contracts", {}),
        ("contract", {"pk": cmdb["support"].pk}),
        ("ci_new", {}),
    ):
        assert c.get(url(name, **kw)).status_code == 404, name


def test_missing_objects_are_404(world, login, cmdb):
    c = login(world.manager)
    assert c.get(url("ci", pk=10**9)).status_code == 404
    assert c.get(url("contract", pk=10**9)).status_code == 404
    assert c.post(url("ci_action", pk=cmdb["lyon"].pk, action="nope")).status_code == 404
    r = c.post(url("ci_action", pk=cmdb["lyon"].pk, action="unlink-user"), {"user": "1"})
    assert r.status_code == 404


def test_the_list_searches_filters_and_pages(world, login, cmdb):
    c = login(world.agent)
    assert "PC-BERLIN" not in c.get(url("cis") + "?q=sn-ly").content.decode()
    page = c.get(url("cis") + f"?site={world.b1.pk}").content.decode()
    assert "PC-BERLIN" in page and "PC-LYON" not in page
    page = c.get(url("cis") + f"?organisation={world.org_a.pk}&status=in_service").content.decode()
    assert "PC-LYON" in page and "PC-BERLIN" not in page
    assert "PC-LYON" not in c.get(url("cis") + "?site=none").content.decode()
    for i in range(55):
        ConfigurationItem.objects.create(site=world.a2, name=f"BULK-{i:02d}")
    first = c.get(url("cis") + f"?site={world.a2.pk}")
    html = first.content.decode()
    assert "BULK-49" in html and "BULK-50" not in html
    nxt = first.context["next_url"]
    second = c.get(url("cis") + nxt).content.decode()
    assert "BULK-50" in second and "BULK-54" in second and "BULK-49" not in second


def test_a_manager_creates_and_edits_a_ci(world, login, cmdb):
    c = login(world.manager)
    assert c.get(url("ci_new")).status_code == 200
    r = c.post(url("ci_new"), {"name": "SRV-1", "status": "in_service", "site": world.a2.pk})
    ci = ConfigurationItem.objects.get(name="SRV-1")
    assert r.status_code == 302 and (ci.site, ci.organisation) == (world.a2, world.org_a)
    r = c.post(url("ci_new"), {"name": "SPARE", "status": "in_stock", "site": ""})
    assert r.status_code == 400
    assert "organisation" in error_next_to(r, "id_organisation")
    r = c.post(
        url("ci_new"),
        {"name": "SPARE", "status": "in_stock", "site": "", "organisation": world.org_b.pk},
    )
    assert ConfigurationItem.objects.get(name="SPARE").organisation == world.org_b
    edit = url("ci_edit", pk=ci.pk)
    assert c.get(edit).status_code == 200
    r = c.post(edit, {"name": "SRV-1b", "status": "repair", "site": world.a2.pk})
    ci.refresh_from_db()
    assert r.status_code == 302 and (ci.name, ci.status) == ("SRV-1b", "repair")


def test_moving_a_linked_ci_shows_what_to_unlink(world, login, cmdb):
    c = login(world.manager)
    lyon = cmdb["lyon"]
    r = c.post(
        url("ci_edit", pk=lyon.pk), {"name": "PC-LYON", "status": "in_service", "site": world.a2.pk}
    )
    assert r.status_code == 400
    assert "SUP-1" in error_next_to(r, "id_site")
    lyon.refresh_from_db()
    assert lyon.site == world.a1


def test_linking_people_follows_the_site_rule(world, login, cmdb):
    c = login(world.manager)
    lyon = cmdb["lyon"]
    link = url("ci_action", pk=lyon.pk, action="link-user")
    r = c.post(link, {"link-user": "anna"})  # of Alpha Lille
    assert r.status_code == 400
    assert "same site" in error_next_to(r, "id_link-user")
    assert not lyon.users.exists()
    r = c.post(link, {"link-user": "alice"})
    assert r.status_code == 302 and list(lyon.users.all()) == [world.customer]
    assert "alice" in c.get(url("ci", pk=lyon.pk)).content.decode()
    r = c.post(url("ci_action", pk=lyon.pk, action="unlink-user"), {"user": world.customer.pk})
    assert r.status_code == 302 and not lyon.users.exists()


def test_a_manager_creates_a_contract_and_covers_cis(world, login, cmdb):
    c = login(world.manager)
    new = url("contract_new")
    assert c.get(new).status_code == 200
    base = {"reference": "L-9", "name": "Lease", "kind": "lease", "starts_on": "2026-01-01"}
    r = c.post(new, base | {"category": "bought", "site": world.a1.pk})
    assert r.status_code == 400 and "supplier" in error_next_to(r, "id_supplier")
    r = c.post(
        new,
        base
        | {
            "category": "sold",
            "kind": "support",
            "site": world.a1.pk,
            "supplier": cmdb["lessor"].pk,
        },
    )
    assert r.status_code == 400 and error_next_to(r, "id_supplier")
    r = c.post(new, base | {"category": "sold", "site": world.a1.pk, "ends_on": "2025-01-01"})
    assert r.status_code == 400 and error_next_to(r, "id_ends_on")
    r = c.post(
        new, base | {"category": "bought", "site": world.a1.pk, "supplier": cmdb["lessor"].pk}
    )
    contract = Contract.objects.get(reference="L-9")
    assert r.status_code == 302 and contract.supplier == cmdb["lessor"]
    page = c.get(url("contract", pk=contract.pk))
    assert [v for v, _l in page.context["cover_form"].fields["cis"].choices] == [
        str(cmdb["lyon"].pk)
    ]  # only CIs of the contract's site
    cover = url("contract_action", pk=contract.pk, action="cover")
    r = c.post(cover, {"cover-cis": [cmdb["berlin"].pk]})
    assert r.status_code == 400 and not contract.cis.exists()
    r = c.post(cover, {"cover-cis": [cmdb["lyon"].pk]})
    assert r.status_code == 302 and list(contract.cis.all()) == [cmdb["lyon"]]
    r = c.post(url("contract_action", pk=contract.pk, action="uncover"), {"ci": cmdb["lyon"].pk})
    assert r.status_code == 302 and not contract.cis.exists()
    edit = url("contract_edit", pk=contract.pk)
    assert c.get(edit).status_code == 200
    r = c.post(
        edit,
        base
        | {
            "name": "Lease 2",
            "category": "bought",
            "site": world.a1.pk,
            "supplier": cmdb["lessor"].pk,
        },
    )
    contract.refresh_from_db()
    assert r.status_code == 302 and contract.name == "Lease 2"


def test_a_manager_adds_a_supplier(world, login, cmdb):
    c = login(world.manager)
    r = c.post(url("supplier_new"), {"supplier-name": "Printco"})
    assert r.status_code == 302
    r = c.post(url("supplier_new"), {"supplier-name": "printco"}, follow=True)
    assert "already exists" in r.content.decode()
    assert cmdb["lessor"].__class__.objects.filter(name__iexact="printco").count() == 1


def test_the_contract_list_filters(world, login, cmdb):
    c = login(world.agent)
    page = c.get(url("contracts") + "?active=1").content.decode()
    assert "SUP-1" in page and "OLD-1" not in page
    page = c.get(url("contracts") + "?active=0").content.decode()
    assert "OLD-1" in page and "SUP-1" not in page
    page = c.get(url("contracts") + "?category=bought&q=old").content.decode()
    assert "OLD-1" in page and "SUP-1" not in page


def test_the_ticket_page_shows_the_cis_coverage(world, login, cmdb):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    assert 'id="ticket-ci"' not in c.get(ticket_url(t)).content.decode()
    tickets.ticket_update(actor=world.agent, ticket=t, changes={"ci": cmdb["lyon"]})
    page = c.get(ticket_url(t)).content.decode()
    panel = page[page.index('id="ticket-ci"') :]
    panel = panel[: panel.index("</section>")]
    assert "PC-LYON" in panel and "SUP-1" in panel and "OLD-1" not in panel
    assert "covered" in panel and "not covered" not in panel
    actions.contract_uncover(actor=world.manager, contract=cmdb["support"], cis=[cmdb["lyon"]])
    page = c.get(ticket_url(t)).content.decode()
    assert "not covered" in page


def count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200, path
    return len(ctx.captured_queries)


def test_a_ci_on_the_ticket_costs_one_query_whatever_its_contracts(world, login, cmdb):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    bare = count(c, ticket_url(t))
    tickets.ticket_update(actor=world.agent, ticket=t, changes={"ci": cmdb["lyon"]})
    with_ci = count(c, ticket_url(t))
    assert with_ci - bare <= 1
    for i in range(5):
        actions.contract_create(
            actor=world.manager,
            reference=f"X-{i}",
            name="x",
            kind="service",
            category="sold",
            site=world.a1,
            starts_on=dt.date(2026, 1, 1),
            cis=[cmdb["lyon"]],
        )
    assert count(c, ticket_url(t)) == with_ci


def test_cmdb_pages_cost_the_same_with_more_rows(world, login, cmdb):
    c = login(world.manager)
    lyon = cmdb["lyon"]
    pages = [
        url("cis"),
        url("ci", pk=lyon.pk),
        url("contracts"),
        url("contract", pk=cmdb["support"].pk),
        url("ci_edit", pk=lyon.pk),
        url("contract_new"),
    ]
    few = {p: count(c, p) for p in pages}
    for i in range(10):
        ci = ConfigurationItem.objects.create(site=world.a1, name=f"X{i}")
        actions.ci_link_user(
            actor=world.manager, ci=lyon, user=world.colleague if i % 2 else world.customer_manager
        )
        actions.contract_create(
            actor=world.manager,
            reference=f"R-{i}",
            name="r",
            kind="service",
            category="sold",
            site=world.a1,
            starts_on=dt.date(2026, 1, 1),
            cis=[lyon, ci],
        )
    assert {p: count(c, p) for p in pages} == few
    assert max(few.values()) <= 14
