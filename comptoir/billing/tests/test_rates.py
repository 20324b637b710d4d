# covers: BIL-2
"""Hourly rates: administrators set them from a month on, one currency per customer, a
contract rate only for a contract sold to that customer; a rate an issued statement used
stays as it is. Rounding of minutes and cents, and which rate a ticket's time gets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from comptoir.billing import rates
from comptoir.billing.models import Rate, Statement
from comptoir.billing.tests.test_statements import FEB, JAN, MAR, set_rate
from comptoir.cmdb.models import ConfigurationItem, Contract
from comptoir.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("minutes", "step", "mode", "expected"),
    [
        (50, 15, "up", 60),
        (70, 15, "up", 75),
        (60, 15, "up", 60),
        (1, 15, "up", 15),
        (0, 15, "up", 0),
        (52, 15, "nearest", 45),
        (53, 15, "nearest", 60),  # 7.5 is half of 15: 52.5 and above goes up
        (55, 10, "nearest", 60),  # exactly half a step rounds up
        (54, 10, "nearest", 50),
        (50, 15, "none", 50),
        (-20, 15, "up", -30),  # a credit rounds like the time it corrects
        (-52, 15, "nearest", -45),
        (7, 1, "up", 7),
    ],
)
def test_round_minutes(minutes, step, mode, expected):
    assert rates.round_minutes(minutes, step, mode) == expected


@pytest.mark.parametrize(
    ("billed", "rate", "expected"),
    [
        (60, "80.00", "80.00"),
        (75, "80.00", "100.00"),
        (50, "80.00", "66.67"),
        (10, "0.03", "0.01"),  # 0.005: half a cent rounds up
        (20, "0.01", "0.00"),  # 0.00333…
        (-30, "80.00", "-40.00"),
        (1, "99.99", "1.67"),
    ],
)
def test_amount_is_rounded_to_the_cent_half_up(billed, rate, expected):
    assert rates.amount_for(billed, Decimal(rate)) == Decimal(expected)


def test_an_administrator_sets_and_changes_a_rate(world):
    rate = set_rate(world, "80", step=15, mode="up")
    assert (rate.hourly_rate, rate.currency, rate.valid_from) == (Decimal("80.00"), "EUR", JAN)
    again = set_rate(world, "85,50", step=30, mode="nearest")
    assert again.pk == rate.pk
    rate.refresh_from_db()
    assert (rate.hourly_rate, rate.rounding_minutes, rate.rounding_mode) == (
        Decimal("85.50"),
        30,
        "nearest",
    )
    assert Rate.objects.count() == 1


@pytest.mark.parametrize("who", ["manager", "agent", "customer_manager", "customer"])
def test_only_an_administrator_sets_or_deletes_rates(world, who):
    rate = set_rate(world)
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied):
        rates.rate_set(
            actor=actor,
            organisation=world.org_a,
            hourly_rate="1",
            currency="EUR",
            rounding_minutes=15,
            rounding_mode="up",
            valid_from=FEB,
        )
    with pytest.raises(PermissionDenied):
        rates.rate_delete(actor=actor, rate=rate)
    assert list(Rate.objects.values_list("pk", "hourly_rate")) == [(rate.pk, Decimal("80.00"))]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "-1"}, "hourly_rate"),
        ({"amount": "abc"}, "hourly_rate"),
        ({"amount": "80.123"}, "hourly_rate"),
        ({"amount": "NaN"}, "hourly_rate"),
        ({"currency": "EURO"}, "currency"),
        ({"step": 0}, "rounding_minutes"),
        ({"step": 481}, "rounding_minutes"),
        ({"mode": "down"}, "rounding_mode"),
        ({"valid_from": date(2026, 1, 15)}, "valid_from"),
    ],
)
def test_invalid_rates_are_refused_on_their_field(world, changes, field):
    with pytest.raises(InvalidInput) as refused:
        set_rate(world, changes.pop("amount", "80"), **changes)
    assert refused.value.field == field
    assert not Rate.objects.exists()


def test_one_currency_per_customer(world):
    set_rate(world, currency="eur")
    with pytest.raises(InvalidInput) as refused:
        set_rate(world, currency="CHF", valid_from=FEB)
    assert refused.value.field == "currency" and "EUR" in str(refused.value)
    set_rate(world, currency="CHF", organisation=world.org_b)  # another customer may
    assert Rate.objects.filter(currency="CHF").count() == 1


def test_the_provider_has_no_rate(world):
    with pytest.raises(InvalidInput) as refused:
        set_rate(world, organisation=world.provider)
    assert refused.value.field == "organisation"


def _contract(site, reference: str, category: str = "sold", **kw) -> Contract:
    return Contract.objects.create(
        site=site,
        reference=reference,
        name=reference,
        kind=kw.pop("kind", "support" if category == "sold" else "lease"),
        category=category,
        starts_on=kw.pop("starts_on", date(2025, 1, 1)),
        **kw,
    )


def test_a_contract_rate_needs_a_contract_sold_to_that_customer(world):
    other = _contract(world.b1, "SUP-BERLIN")
    bought = _contract(world.a1, "LEASE-LYON", "bought")
    for contract in (other, bought):
        with pytest.raises(InvalidInput) as refused:
            set_rate(world, contract=contract)
        assert refused.value.field == "contract"
    mine = _contract(world.a2, "SUP-LILLE")
    rate = set_rate(world, "95", contract=mine)
    assert rate.contract_id == mine.pk
    assert list(rates.rate_contracts(world.org_a)) == [mine]


def test_a_rate_used_by_an_issued_statement_stays(world):
    jan = set_rate(world, "80", valid_from=JAN)
    mar = set_rate(world, "90", valid_from=MAR)
    Statement.objects.create(
        organisation=world.org_a, month=FEB, number="2026-02-ALPHA", issued_by=world.admin
    )
    with pytest.raises(Conflict):
        rates.rate_delete(actor=world.admin, rate=jan)
    with pytest.raises(Conflict) as refused:
        set_rate(world, "70", valid_from=JAN)
    assert refused.value.field == "valid_from"
    jan.refresh_from_db()
    assert jan.hourly_rate == Decimal("80.00")
    rates.rate_delete(actor=world.admin, rate=mar)  # March was not issued: a mistake to undo
    assert list(Rate.objects.values_list("pk", flat=True)) == [jan.pk]
    # a new rate from a month not issued is still possible
    assert set_rate(world, "85", valid_from=MAR).hourly_rate == Decimal("85.00")


def test_rate_resolution(world):
    assert rates.rate_for(organisation_id=world.org_a.pk, month=JAN) is None
    jan = set_rate(world, "80", valid_from=JAN)
    mar = set_rate(world, "90", valid_from=MAR)
    ci = ConfigurationItem.objects.create(site=world.a1, name="Caisse")
    contract = _contract(world.a1, "SUP-1", starts_on=FEB, ends_on=date(2026, 2, 28))
    contract.cis.add(ci)
    special = set_rate(world, "120", contract=contract, valid_from=JAN)
    found = {
        (month, ci_id): rates.rate_for(organisation_id=world.org_a.pk, month=month, ci_id=ci_id)
        for month in (date(2025, 12, 1), JAN, FEB, MAR)
        for ci_id in (None, ci.pk)
    }
    assert found == {
        (date(2025, 12, 1), None): None,
        (date(2025, 12, 1), ci.pk): None,
        (JAN, None): jan,
        (JAN, ci.pk): jan,  # the contract starts in February
        (FEB, None): jan,
        (FEB, ci.pk): special,
        (MAR, None): mar,
        (MAR, ci.pk): mar,  # it ended in February
    }
    assert rates.rate_for(organisation_id=world.org_b.pk, month=FEB, ci_id=ci.pk) is None


def test_rates_are_read_by_administrators_and_service_managers(world):
    rate = set_rate(world)
    for who in ("admin", "manager"):
        actor = getattr(world, who)
        assert list(rates.rate_list(actor=actor, organisation=world.org_a)) == [rate]
        assert rates.rate_get(actor=actor, organisation=world.org_a, pk=rate.pk) == rate
    for who in ("agent", "customer_manager", "customer"):
        with pytest.raises(NotFound):
            rates.rate_list(actor=getattr(world, who), organisation=world.org_a)
    with pytest.raises(NotFound):
        rates.rate_get(actor=world.admin, organisation=world.org_b, pk=rate.pk)
