# covers: CMDB-2, CMDB-1, TEN-1
"""Contracts: a sold contract's party is the customer's site (no supplier), a bought one's
a supplier; support contracts are always sold (000); dates are ordered; a contract covers
only CIs of its own site (without site: CIs without site of its organisation)."""

from __future__ import annotations

import datetime as dt

import pytest

from comptoir.cmdb import actions
from comptoir.cmdb.models import ConfigurationItem, Contract, Supplier
from comptoir.core.errors import InvalidInput, NotFound

D1 = dt.date(2026, 1, 1)
D2 = dt.date(2026, 12, 31)


@pytest.fixture
def supplier(world) -> Supplier:
    return actions.supplier_create(actor=world.manager, name="Leasecorp")


def item(world, name: str, site=None, organisation=None) -> ConfigurationItem:
    return actions.ci_create(actor=world.manager, name=name, site=site, organisation=organisation)


def create(world, **kw) -> Contract:
    values = {
        "reference": "C-1",
        "name": "Contract",
        "kind": "service",
        "category": "sold",
        "starts_on": D1,
        "ends_on": D2,
        "site": world.a1,
    } | kw
    return actions.contract_create(actor=world.manager, **values)


def test_a_sold_support_contract_is_attached_to_the_site(world):
    c = create(world, kind="support")
    assert (c.category, c.site, c.organisation, c.supplier) == ("sold", world.a1, world.org_a, None)


def test_a_support_contract_cannot_be_bought(world, supplier):
    with pytest.raises(InvalidInput) as err:
        create(world, kind="support", category="bought", supplier=supplier)
    assert (err.value.field, err.value.code) == ("category", "support_is_sold")
    assert not Contract.objects.exists()


def test_a_sold_contract_has_no_supplier(world, supplier):
    for kind in ("support", "service", "lease"):
        with pytest.raises(InvalidInput) as err:
            create(world, kind=kind, supplier=supplier)
        assert (err.value.field, err.value.code) == ("supplier", "sold_no_supplier")
    assert not Contract.objects.exists()


def test_a_sold_contract_needs_a_customer(world):
    with pytest.raises(InvalidInput) as err:
        create(world, site=None)
    assert err.value.field == "organisation"
    with pytest.raises(InvalidInput) as err:
        create(world, site=None, organisation=world.provider)
    assert err.value.field == "site"
    c = create(world, site=None, organisation=world.org_b)
    assert (c.site, c.organisation) == (None, world.org_b)


def test_a_bought_contract_needs_its_supplier(world, supplier):
    with pytest.raises(InvalidInput) as err:
        create(world, kind="lease", category="bought")
    assert (err.value.field, err.value.code) == ("supplier", "supplier_required")
    lease = create(world, kind="lease", category="bought", supplier=supplier)
    assert (lease.supplier, lease.site) == (supplier, world.a1)
    own = create(world, reference="C-2", category="bought", supplier=supplier, site=None)
    assert (own.site, own.organisation) == (None, None)


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"ends_on": dt.date(2025, 12, 31)}, "ends_on"),
        ({"starts_on": None}, "starts_on"),
        ({"starts_on": "2026-01-01"}, "starts_on"),
        ({"ends_on": "soon"}, "ends_on"),
        ({"kind": "warranty"}, "kind"),
        ({"category": "rented"}, "category"),
        ({"reference": " "}, "reference"),
        ({"reference": "R" * 51}, "reference"),
        ({"name": ""}, "name"),
    ],
)
def test_contract_input_is_checked(world, kw, field):
    with pytest.raises(InvalidInput) as err:
        create(world, **kw)
    assert err.value.field == field
    assert not Contract.objects.exists()


def test_an_open_ended_contract_and_a_one_day_contract(world):
    assert create(world, ends_on=None).ends_on is None
    assert create(world, reference="C-2", ends_on=D1).ends_on == D1


def test_references_are_unique_whatever_the_case(world):
    create(world)
    with pytest.raises(InvalidInput) as err:
        create(world, reference="c-1")
    assert (err.value.field, err.value.code) == ("reference", "duplicate")


def test_covered_cis_share_the_contracts_site(world):
    lyon, lille, berlin = (
        item(world, "L", world.a1),
        item(world, "LI", world.a2),
        item(world, "B", world.b1),
    )
    c = create(world, cis=[lyon])
    assert list(c.cis.all()) == [lyon]
    for other in (lille, berlin):
        with pytest.raises(InvalidInput) as err:
            actions.contract_cover(actor=world.manager, contract=c, cis=[other])
        assert (err.value.field, err.value.code) == ("cis", "site_mismatch")
        assert other.name in str(err.value)
    with pytest.raises(InvalidInput):
        create(world, reference="C-2", cis=[lyon, lille])
    assert list(c.cis.all()) == [lyon] and Contract.objects.count() == 1


def test_without_site_covers_only_without_site_of_its_organisation(world, supplier):
    spare_a = item(world, "SPARE-A", organisation=world.org_a)
    spare_b = item(world, "SPARE-B", organisation=world.org_b)
    c = create(world, site=None, organisation=world.org_a, cis=[spare_a])
    assert list(c.cis.all()) == [spare_a]
    with pytest.raises(InvalidInput):
        actions.contract_cover(actor=world.manager, contract=c, cis=[spare_b])
    with pytest.raises(InvalidInput):
        actions.contract_cover(actor=world.manager, contract=c, cis=[item(world, "L", world.a1)])
    with pytest.raises(InvalidInput):  # a CI without site, a contract with one
        create(world, reference="C-2", cis=[spare_a])


def test_cover_and_uncover(world):
    a, b = item(world, "A", world.a1), item(world, "B", world.a1)
    c = create(world)
    actions.contract_cover(actor=world.manager, contract=c, cis=[a, b])
    actions.contract_cover(actor=world.manager, contract=c, cis=[a])
    assert set(c.cis.all()) == {a, b}
    actions.contract_uncover(actor=world.manager, contract=c, cis=[a, item(world, "C", world.a1)])
    assert list(c.cis.all()) == [b]


def test_covering_a_deleted_ci_is_not_found(world):
    c = create(world)
    gone = item(world, "GONE", world.a1)
    ConfigurationItem.objects.filter(pk=gone.pk).delete()
    with pytest.raises(NotFound):
        actions.contract_cover(actor=world.manager, contract=c, cis=[gone])


def test_update_keeps_the_rules(world, supplier):
    c = create(world, kind="support")
    c = actions.contract_update(
        actor=world.manager, contract=c, changes={"name": "Renewed", "ends_on": None}
    )
    c.refresh_from_db()
    assert (c.name, c.ends_on) == ("Renewed", None)
    with pytest.raises(InvalidInput) as err:
        actions.contract_update(actor=world.manager, contract=c, changes={"category": "bought"})
    assert err.value.code == "support_is_sold"
    with pytest.raises(InvalidInput) as err:
        actions.contract_update(actor=world.manager, contract=c, changes={"supplier": supplier})
    assert err.value.field == "supplier"
    with pytest.raises(InvalidInput) as err:
        actions.contract_update(
            actor=world.manager, contract=c, changes={"ends_on": dt.date(2025, 1, 1)}
        )
    assert err.value.field == "ends_on"
    with pytest.raises(InvalidInput):
        actions.contract_update(actor=world.manager, contract=c, changes={"cis": []})
    c.refresh_from_db()
    assert (c.category, c.supplier, c.ends_on) == ("sold", None, None)
    c = actions.contract_update(  # its own reference is not a duplicate
        actor=world.manager,
        contract=c,
        changes={"kind": "lease", "category": "bought", "supplier": supplier, "reference": "C-1"},
    )
    c.refresh_from_db()
    assert (c.kind, c.category, c.supplier) == ("lease", "bought", supplier)


def test_moving_a_contract_with_cis_is_refused(world):
    lyon = item(world, "PC-LYON", world.a1)
    c = create(world, cis=[lyon])
    with pytest.raises(InvalidInput) as err:
        actions.contract_update(actor=world.manager, contract=c, changes={"site": world.a2})
    assert err.value.field == "cis" and "PC-LYON" in str(err.value)
    c.refresh_from_db()
    assert c.site == world.a1
    actions.contract_uncover(actor=world.manager, contract=c, cis=[lyon])
    c = actions.contract_update(actor=world.manager, contract=c, changes={"site": world.b1})
    c.refresh_from_db()
    assert (c.site, c.organisation) == (world.b1, world.org_b)
