# covers: CMDB-1, CMDB-2, TEN-1
"""The CMDB write path: who may change it, 000's site rule for every link (person ↔ CI,
contract ↔ CI), sold/bought parties, support contracts always sold, ordered dates; every
refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from comptoir.accounts.models import Department
from comptoir.cmdb import actions
from comptoir.cmdb.models import CiStatus, ConfigurationItem, Contract, Supplier
from comptoir.conftest import make_user
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied

D1 = dt.date(2026, 1, 1)
D2 = dt.date(2026, 12, 31)


def ci(world, name="PC-LYON-01", site="a1", **kw) -> ConfigurationItem:
    return actions.ci_create(
        actor=world.manager, name=name, site=getattr(world, site) if site else None, **kw
    )


def sold(world, ref="S-1", **kw) -> Contract:
    kw.setdefault("site", world.a1)
    return actions.contract_create(
        actor=world.manager,
        reference=ref,
        name="Support Lyon",
        kind="support",
        category="sold",
        starts_on=D1,
        ends_on=D2,
        **kw,
    )


@pytest.fixture
def supplier(world) -> Supplier:
    return actions.supplier_create(actor=world.manager, name="Leasecorp", email="x@lease.test")


# --- who ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "customer", "customer_manager", "outsider"])
def test_only_managers_and_admins_change_the_cmdb(world, who, supplier):
    actor = getattr(world, who)
    item = ci(world)
    contract = sold(world)
    calls = [
        lambda: actions.ci_create(actor=actor, name="X", site=world.a1),
        lambda: actions.ci_update(actor=actor, ci=item, changes={"name": "Y"}),
        lambda: actions.ci_link_user(actor=actor, ci=item, user=world.customer),
        lambda: actions.ci_unlink_user(actor=actor, ci=item, user=world.customer),
        lambda: actions.supplier_create(actor=actor, name="Other"),
        lambda: actions.contract_create(
            actor=actor,
            reference="S-2",
            name="x",
            kind="service",
            category="sold",
            starts_on=D1,
            site=world.a1,
        ),
        lambda: actions.contract_update(actor=actor, contract=contract, changes={"name": "Z"}),
        lambda: actions.contract_cover(actor=actor, contract=contract, cis=[item]),
        lambda: actions.contract_uncover(actor=actor, contract=contract, cis=[item]),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied) as err:
            call()
        assert err.value.code == "not_cmdb_manager"
    item.refresh_from_db()
    contract.refresh_from_db()
    assert item.name == "PC-LYON-01" and contract.name == "Support Lyon"
    assert (ConfigurationItem.objects.count(), Contract.objects.count()) == (1, 1)
    assert Supplier.objects.count() == 1 and not item.users.exists() and not item.contracts.exists()


def test_an_administrator_manages_the_cmdb(world):
    item = actions.ci_create(actor=world.admin, name="SRV", site=world.b1)
    assert item.organisation == world.org_b


def test_a_disabled_manager_is_refused(world):
    world.manager.is_active = False
    with pytest.raises(PermissionDenied):
        ci(world)


# --- CIs ---------------------------------------------------------------------------------


def test_a_ci_takes_its_organisation_from_its_site(world):
    item = ci(world, kind="PC", serial=" SN 1 ", status=CiStatus.IN_STOCK, notes="  n ")
    assert (item.organisation, item.site, item.serial, item.notes) == (
        world.org_a,
        world.a1,
        "SN 1",
        "n",
    )


def test_a_ci_without_site_needs_its_organisation(world):
    with pytest.raises(InvalidInput) as err:
        ci(world, site=None)
    assert (err.value.field, err.value.code) == ("organisation", "no_organisation")
    item = ci(world, site=None, organisation=world.org_b)
    assert (item.site, item.organisation) == (None, world.org_b)


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"serial": "s" * 101}, "serial"),
        ({"status": "lost"}, "status"),
    ],
)
def test_ci_input_is_checked(world, kw, field):
    with pytest.raises(InvalidInput) as err:
        actions.ci_create(actor=world.manager, site=world.a1, **({"name": "PC"} | kw))
    assert err.value.field == field
    assert not ConfigurationItem.objects.exists()


def test_the_site_and_organisation_must_agree(world):
    with pytest.raises(InvalidInput) as err:
        ci(world, organisation=world.org_b)
    assert err.value.field == "organisation"


def test_the_department_must_be_on_the_cis_site(world):
    lyon = Department.objects.create(site=world.a1, name="Compta")
    lille = Department.objects.create(site=world.a2, name="Compta")
    assert ci(world, department=lyon).department == lyon
    with pytest.raises(InvalidInput) as err:
        ci(world, "PC-2", department=lille)
    assert err.value.field == "department"
    with pytest.raises(InvalidInput):
        ci(world, "PC-3", site=None, organisation=world.org_a, department=lyon)


def test_update_changes_fields_and_refuses_unknown_ones(world):
    item = ci(world)
    item = actions.ci_update(
        actor=world.manager, ci=item, changes={"name": "PC-2", "status": CiStatus.REPAIR}
    )
    item.refresh_from_db()
    assert (item.name, item.status) == ("PC-2", CiStatus.REPAIR)
    with pytest.raises(InvalidInput):
        actions.ci_update(actor=world.manager, ci=item, changes={"organisation_id": 3})
    with pytest.raises(InvalidInput) as err:
        actions.ci_update(actor=world.manager, ci=item, changes={"status": "x"})
    assert err.value.field == "status"


def test_moving_a_ci_follows_the_new_site(world):
    item = actions.ci_update(actor=world.manager, ci=ci(world), changes={"site": world.b1})
    item.refresh_from_db()
    assert (item.site, item.organisation) == (world.b1, world.org_b)
    item = actions.ci_update(actor=world.manager, ci=item, changes={"site": None})
    item.refresh_from_db()
    assert (item.site, item.organisation) == (None, world.org_b)


def test_moving_a_linked_ci_is_refused_with_what_to_unlink(world):
    item = ci(world)
    actions.ci_link_user(actor=world.manager, ci=item, user=world.customer)
    sold(world, cis=[item])
    with pytest.raises(InvalidInput) as err:
        actions.ci_update(actor=world.manager, ci=item, changes={"site": world.a2})
    assert (err.value.field, err.value.code) == ("site", "links_break")
    assert "alice" in str(err.value) and "S-1" in str(err.value)
    item.refresh_from_db()
    assert item.site == world.a1
    actions.ci_unlink_user(actor=world.manager, ci=item, user=world.customer)
    actions.contract_uncover(actor=world.manager, contract=Contract.objects.get(), cis=[item])
    actions.ci_update(actor=world.manager, ci=item, changes={"site": world.a2})
    item.refresh_from_db()
    assert item.site == world.a2


def test_an_unchanged_site_keeps_its_links(world):
    item = ci(world)
    actions.ci_link_user(actor=world.manager, ci=item, user=world.customer)
    actions.ci_update(actor=world.manager, ci=item, changes={"site": world.a1, "name": "N"})
    assert list(item.users.all()) == [world.customer]


def test_a_deleted_ci_is_not_found(world):
    item = ci(world)
    ConfigurationItem.objects.filter(pk=item.pk).delete()
    with pytest.raises(NotFound):
        actions.ci_update(actor=world.manager, ci=item, changes={"name": "x"})


# --- people on CIs (CMDB-1) ----------------------------------------------------------------


def test_a_person_of_the_same_site_is_linked_once(world):
    item = ci(world)
    actions.ci_link_user(actor=world.manager, ci=item, user=world.customer)
    actions.ci_link_user(actor=world.manager, ci=item, user=world.customer)
    actions.ci_link_user(actor=world.manager, ci=item, user=world.colleague)
    assert set(item.users.all()) == {world.customer, world.colleague}
    actions.ci_unlink_user(actor=world.manager, ci=item, user=world.customer)
    actions.ci_unlink_user(actor=world.manager, ci=item, user=world.customer)  # no-op
    assert list(item.users.all()) == [world.colleague]


@pytest.mark.parametrize("who", ["other_site", "outsider", "agent"])
def test_a_person_of_another_place_is_refused(world, who):
    item = ci(world)
    with pytest.raises(InvalidInput) as err:
        actions.ci_link_user(actor=world.manager, ci=item, user=getattr(world, who))
    assert (err.value.field, err.value.code) == ("user", "site_mismatch")
    assert "Alpha Lyon" in str(err.value)
    assert not item.users.exists()


def test_without_site_goes_with_without_site_of_the_same_organisation(world):
    floating = make_user("flo", organisation=world.org_a)
    item = ci(world, "SPARE", site=None, organisation=world.org_a)
    actions.ci_link_user(actor=world.manager, ci=item, user=floating)
    assert list(item.users.all()) == [floating]
    for person in (world.customer, make_user("bruno", organisation=world.org_b)):
        with pytest.raises(InvalidInput) as err:
            actions.ci_link_user(actor=world.manager, ci=item, user=person)
        assert err.value.code == "site_mismatch"
    with translation.override("en"):
        with pytest.raises(InvalidInput) as err:  # a person without site, a CI with one
            actions.ci_link_user(actor=world.manager, ci=ci(world), user=floating)
        assert "without site" in str(err.value)
    assert err.value.code == "site_mismatch"


def test_a_disabled_person_is_not_linked(world):
    world.colleague.is_active = False
    world.colleague.save()
    with pytest.raises(InvalidInput) as err:
        actions.ci_link_user(actor=world.manager, ci=ci(world), user=world.colleague)
    assert err.value.field == "user"


# --- suppliers -----------------------------------------------------------------------------


def test_supplier_names_are_unique_and_emails_valid(world, supplier):
    with pytest.raises(InvalidInput) as err:
        actions.supplier_create(actor=world.manager, name="LEASECORP")
    assert (err.value.field, err.value.code) == ("name", "duplicate")
    with pytest.raises(InvalidInput) as err:
        actions.supplier_create(actor=world.manager, name="B", email="not-an-address")
    assert err.value.field == "email"
    with pytest.raises(InvalidInput) as err:
        actions.supplier_create(actor=world.manager, name=" ")
    assert err.value.field == "name"
    assert Supplier.objects.count() == 1
