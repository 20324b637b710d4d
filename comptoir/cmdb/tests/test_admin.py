# covers: CMDB-1, CMDB-2
"""The admin writes through the CMDB actions: the site rule, sold/bought and the dates are
refused on the form like anywhere else; agents read, managers and administrators write."""

from __future__ import annotations

import pytest
from django.urls import reverse

from comptoir.accounts.models import User
from comptoir.cmdb import actions
from comptoir.cmdb.models import ConfigurationItem, Contract, Supplier


@pytest.fixture
def staff(world):
    User.objects.filter(pk__in=[world.admin.pk, world.agent.pk, world.manager.pk]).update(
        is_staff=True, language="en"
    )
    for who in ("admin", "agent", "manager"):
        getattr(world, who).refresh_from_db()
    return world


def ci_form(**kw) -> dict:
    return {"name": "PC", "kind": "", "serial": "", "status": "in_service", "notes": ""} | kw


def contract_form(**kw) -> dict:
    return {
        "reference": "C-1",
        "name": "Contract",
        "kind": "service",
        "category": "sold",
        "starts_on": "2026-01-01",
        "ends_on": "",
        "notes": "",
    } | kw


def test_a_manager_adds_a_ci_with_its_people(staff, client):
    w = staff
    client.force_login(w.manager)
    add = reverse("admin:cmdb_configurationitem_add")
    r = client.post(add, ci_form(site=w.a1.pk, users=[w.customer.pk, w.other_site.pk]))
    assert r.status_code == 200 and not ConfigurationItem.objects.exists()
    assert "anna" in r.content.decode()  # the person of another site, named
    r = client.post(add, ci_form(site=w.a1.pk, users=[w.customer.pk]))
    assert r.status_code == 302
    ci = ConfigurationItem.objects.get()
    assert (ci.organisation, list(ci.users.all())) == (w.org_a, [w.customer])


def test_moving_a_ci_and_dropping_its_people_in_one_save(staff, client):
    w = staff
    ci = actions.ci_create(actor=w.manager, name="PC", site=w.a1)
    actions.ci_link_user(actor=w.manager, ci=ci, user=w.customer)
    client.force_login(w.admin)
    change = reverse("admin:cmdb_configurationitem_change", args=[ci.pk])
    r = client.post(change, ci_form(site=w.a2.pk, users=[w.customer.pk]))
    assert r.status_code == 200  # alice is of Lyon: refused
    ci.refresh_from_db()
    assert ci.site == w.a1
    r = client.post(change, ci_form(site=w.a2.pk, users=[w.other_site.pk]))
    assert r.status_code == 302
    ci.refresh_from_db()
    assert (ci.site, list(ci.users.all())) == (w.a2, [w.other_site])


def test_contracts_follow_the_rules_in_the_admin(staff, client):
    w = staff
    lyon = actions.ci_create(actor=w.manager, name="PC-LYON", site=w.a1)
    berlin = actions.ci_create(actor=w.manager, name="PC-BERLIN", site=w.b1)
    lessor = Supplier.objects.create(name="Leasecorp")
    client.force_login(w.manager)
    add = reverse("admin:cmdb_contract_add")
    refused = [
        contract_form(kind="support", category="bought", supplier=lessor.pk, site=w.a1.pk),
        contract_form(category="sold", supplier=lessor.pk, site=w.a1.pk),
        contract_form(category="bought", site=w.a1.pk),
        contract_form(site=w.a1.pk, ends_on="2025-01-01"),
        contract_form(site=w.a1.pk, cis=[berlin.pk]),
    ]
    for data in refused:
        assert client.post(add, data).status_code == 200, data
    assert not Contract.objects.exists()
    r = client.post(add, contract_form(kind="support", site=w.a1.pk, cis=[lyon.pk]))
    assert r.status_code == 302
    c = Contract.objects.get()
    assert (c.organisation, list(c.cis.all())) == (w.org_a, [lyon])
    change = reverse("admin:cmdb_contract_change", args=[c.pk])
    r = client.post(change, contract_form(kind="support", site=w.a1.pk, cis=[]))
    assert r.status_code == 302 and not c.cis.exists()


def test_agents_read_the_admin_but_do_not_write(staff, client):
    w = staff
    ci = actions.ci_create(actor=w.manager, name="PC", site=w.a1)
    client.force_login(w.agent)
    assert client.get(reverse("admin:cmdb_configurationitem_changelist")).status_code == 200
    assert client.get(reverse("admin:cmdb_contract_changelist") + "?active=1").status_code == 200
    assert client.get(reverse("admin:cmdb_configurationitem_add")).status_code == 403
    r = client.post(
        reverse("admin:cmdb_configurationitem_change", args=[ci.pk]), ci_form(site=w.a2.pk)
    )
    assert r.status_code == 403
    ci.refresh_from_db()
    assert ci.site == w.a1


def test_a_manager_adds_a_supplier_through_the_action(staff, client):
    client.force_login(staff.manager)
    add = reverse("admin:cmdb_supplier_add")
    r = client.post(add, {"name": "Printco", "email": "", "phone": ""})
    assert r.status_code == 302 and Supplier.objects.filter(name="Printco").exists()
