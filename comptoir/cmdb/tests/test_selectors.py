# covers: TEN-2, CMDB-1, CMDB-2
"""CMDB reads are scoped: staff see every CI and contract; a customer their own site's; a
customer without site nothing; another tenant's object is NotFound like a missing one.
A contract's `active` says whether it is in force on the day asked."""

from __future__ import annotations

import datetime as dt

import pytest

from comptoir.cmdb import actions, selectors
from comptoir.conftest import make_user
from comptoir.core.errors import NotFound

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def cmdb(world):
    m = world.manager
    lyon = actions.ci_create(actor=m, name="PC-LYON", serial="SN-L", site=world.a1)
    lille = actions.ci_create(actor=m, name="PC-LILLE", site=world.a2, status="in_stock")
    berlin = actions.ci_create(actor=m, name="PC-BERLIN", site=world.b1)
    spare = actions.ci_create(actor=m, name="SPARE", organisation=world.org_a)
    lessor = actions.supplier_create(actor=m, name="Leasecorp")

    def contract(ref, site, **kw):
        values = {"kind": "service", "category": "sold", "starts_on": dt.date(2026, 1, 1)} | kw
        return actions.contract_create(actor=m, reference=ref, name=ref, site=site, **values)

    c = {
        "support": contract("SUP-LYON", world.a1, kind="support", cis=[lyon]),
        "lease": contract(
            "LEASE-LYON", world.a1, kind="lease", category="bought", supplier=lessor, cis=[lyon]
        ),
        "expired": contract("OLD-LYON", world.a1, ends_on=dt.date(2026, 3, 31), cis=[lyon]),
        "future": contract("NEXT-LYON", world.a1, starts_on=dt.date(2026, 7, 1), cis=[lyon]),
        "lille": contract("SUP-LILLE", world.a2, cis=[lille]),
        "berlin": contract("SUP-BERLIN", world.b1, cis=[berlin]),
    }
    return {"lyon": lyon, "lille": lille, "berlin": berlin, "spare": spare, "c": c}


def names(qs) -> set[str]:
    return {o.name for o in qs}


def test_staff_see_every_ci_and_contract(world, cmdb):
    for who in ("agent", "manager", "admin"):
        actor = getattr(world, who)
        assert len(selectors.visible_cis(actor)) == 4
        assert len(selectors.visible_contracts(actor)) == 6
        assert selectors.contract_get(actor=actor, pk=cmdb["c"]["berlin"].pk)


@pytest.mark.parametrize("who", ["customer", "customer_manager"])
def test_a_customer_sees_their_sites_cis_and_contracts_only(world, cmdb, who):
    actor = getattr(world, who)
    assert names(selectors.visible_cis(actor)) == {"PC-LYON"}
    assert names(selectors.visible_contracts(actor)) == {
        "SUP-LYON",
        "LEASE-LYON",
        "OLD-LYON",
        "NEXT-LYON",
    }
    for key in ("lille", "berlin"):
        with pytest.raises(NotFound):
            selectors.contract_get(actor=actor, pk=cmdb["c"][key].pk)
        with pytest.raises(NotFound):
            selectors.ci_get(actor=actor, pk=cmdb[key].pk)
    with pytest.raises(NotFound):
        selectors.ci_get(actor=actor, pk=cmdb["spare"].pk)
    assert selectors.contracts_for_ci(actor=actor, ci=cmdb["lille"]).count() == 0


def test_a_customer_without_site_sees_no_ci_nor_contract(world, cmdb):
    floating = make_user("flo", organisation=world.org_a)
    assert not selectors.visible_cis(floating).exists()
    assert not selectors.visible_contracts(floating).exists()
    assert not selectors.visible_suppliers(floating).exists()


def test_a_disabled_or_anonymous_actor_sees_nothing(world, cmdb):
    from django.contrib.auth.models import AnonymousUser

    world.agent.is_active = False
    for actor in (world.agent, AnonymousUser()):
        assert not selectors.visible_contracts(actor).exists()
        assert not selectors.visible_suppliers(actor).exists()


def test_suppliers_are_for_staff(world, cmdb):
    assert names(selectors.visible_suppliers(world.agent)) == {"Leasecorp"}
    assert not selectors.visible_suppliers(world.customer).exists()


def test_bad_ids_are_not_found(world, cmdb):
    for pk in ("x", None, 10**9):
        with pytest.raises(NotFound):
            selectors.contract_get(actor=world.admin, pk=pk)


def test_contracts_for_a_ci_say_which_are_active(world, cmdb):
    rows = list(selectors.contracts_for_ci(actor=world.agent, ci=cmdb["lyon"], on=TODAY))
    assert [(r.reference, r.active) for r in rows][:2] in (
        [("SUP-LYON", True), ("LEASE-LYON", True)],
        [("LEASE-LYON", True), ("SUP-LYON", True)],
    )
    assert {(r.reference, r.active) for r in rows[2:]} == {
        ("OLD-LYON", False),
        ("NEXT-LYON", False),
    }
    assert selectors.is_covered(rows)
    for r in rows:
        assert r.active == r.is_active_on(TODAY)


def test_a_ci_whose_contracts_all_ended_is_not_covered(world, cmdb):
    rows = list(
        selectors.contracts_for_ci(actor=world.agent, ci=cmdb["lyon"], on=dt.date(2025, 1, 1))
    )
    assert len(rows) == 4 and not selectors.is_covered(rows)
    assert not selectors.is_covered(
        list(selectors.contracts_for_ci(actor=world.agent, ci=cmdb["spare"]))
    )


def test_the_last_day_of_a_contract_is_covered(world, cmdb):
    old = selectors.contract_get(
        actor=world.agent, pk=cmdb["c"]["expired"].pk, on=dt.date(2026, 3, 31)
    )
    assert old.active
    old = selectors.contract_get(
        actor=world.agent, pk=cmdb["c"]["expired"].pk, on=dt.date(2026, 4, 1)
    )
    assert not old.active


def test_searches(world, cmdb):
    agent = world.agent
    assert names(selectors.ci_search(actor=agent, term="sn-l")) == {"PC-LYON"}
    assert names(selectors.ci_search(actor=agent, organisation=world.org_a.pk)) == {
        "PC-LYON",
        "PC-LILLE",
        "SPARE",
    }
    assert names(selectors.ci_search(actor=agent, site=0)) == {"SPARE"}
    assert names(selectors.ci_search(actor=agent, site=world.a2.pk)) == {"PC-LILLE"}
    assert names(selectors.ci_search(actor=agent, status="in_stock")) == {"PC-LILLE"}
    assert names(selectors.ci_search(actor=world.customer, site=world.a2.pk)) == set()
    found = selectors.contract_search(actor=agent, term="lyon", active=True, on=TODAY)
    assert names(found) == {"SUP-LYON", "LEASE-LYON"}
    found = selectors.contract_search(actor=agent, term="lyon", active=False, on=TODAY)
    assert names(found) == {"OLD-LYON", "NEXT-LYON"}
    assert names(selectors.contract_search(actor=agent, site=world.a2.pk)) == {"SUP-LILLE"}
    assert names(selectors.contract_search(actor=agent, category="bought")) == {"LEASE-LYON"}
    assert names(selectors.contract_search(actor=world.customer, term="berlin")) == set()
