"""Hourly rates (BIL-2): who sets them, which one a ticket's time is billed at, and how
minutes and amounts are rounded.

A customer organisation has its own rate from a month on, and a contract sold to it may
carry another one for the tickets on the CIs it covers. Rates start on the first day of a
month because statements are monthly: the rate of a month is the one in force on its
first day. All the rates of an organisation share one currency, so a statement's totals
add up. A rate an issued statement was computed with is history: it can no longer be
changed or deleted (the issued lines keep its value anyway, but the list of rates would
then lie about how the statement was made).

`rate_set` and `rate_delete` are this module's write path (administrators only);
`RateBook` resolves rates for many tickets and months from two queries, so a statement
costs the same number of queries whatever its size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, Role, User
from comptoir.billing.models import Rate, RoundingMode, Statement
from comptoir.billing.periods import next_month
from comptoir.cmdb.models import Contract, ContractCategory
from comptoir.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

CENT = Decimal("0.01")
MAX_RATE = Decimal("99999999.99")


# --- arithmetic ------------------------------------------------------------------------


def round_minutes(minutes: int, step: int, mode: str) -> int:
    """`minutes` rounded to a multiple of `step`: up, to the nearest (a half step goes
    up) or not at all. A negative total (a correction crediting time already billed) is
    rounded like its positive counterpart and keeps its sign, so a credit of the time a
    line was billed for cancels that line exactly."""
    if mode == RoundingMode.NONE or step <= 1 or minutes == 0:
        return minutes
    sign, size = (-1, -minutes) if minutes < 0 else (1, minutes)
    whole, rest = divmod(size, step)
    if rest and (mode == RoundingMode.UP or 2 * rest >= step):
        whole += 1
    return sign * whole * step


def amount_for(billed_minutes: int, hourly_rate: Decimal) -> Decimal:
    """Billed hours × the hourly rate, to the cent, halves up (50 min at 80.00 = 66.67)."""
    return (Decimal(billed_minutes) * hourly_rate / 60).quantize(CENT, rounding=ROUND_HALF_UP)


# --- who ---------------------------------------------------------------------------------


def may_manage_rates(actor: User) -> bool:
    return bool(actor.is_authenticated and actor.is_active and actor.is_admin)


def may_read_rates(actor: User) -> bool:
    """Administrators set rates; service managers, who read every statement, read them."""
    return bool(
        actor.is_authenticated
        and actor.is_active
        and (actor.is_admin or actor.role == Role.SERVICE_MANAGER)
    )


# --- reads -------------------------------------------------------------------------------


def rate_list(*, actor: User, organisation: Organisation) -> QuerySet[Rate]:
    """An organisation's rates, its own first, then each contract's, newest first."""
    if not may_read_rates(actor):
        raise NotFound()
    return (
        Rate.objects.filter(organisation=organisation)
        .select_related("contract")
        .order_by("contract__reference", "-valid_from", "pk")
    )


def rate_get(*, actor: User, organisation: Organisation, pk: int) -> Rate:
    try:
        return rate_list(actor=actor, organisation=organisation).get(pk=pk)
    except (Rate.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def rate_contracts(organisation: Organisation) -> QuerySet[Contract]:
    """The contracts that may carry a rate: those sold to this organisation."""
    return Contract.objects.filter(
        organisation=organisation, category=ContractCategory.SOLD
    ).order_by("reference")


def rate_used(rate: Rate) -> bool:
    """Whether an issued statement of the organisation covers a month the rate was in
    force for (or could have been): from its start on, the rate is history."""
    return Statement.objects.filter(
        organisation_id=rate.organisation_id, month__gte=rate.valid_from
    ).exists()


# --- writes ------------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if not may_manage_rates(actor):
        raise PermissionDenied(_("Only an administrator may set or delete rates."))


def _clean_amount(value: object) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or amount > MAX_RATE:
        raise InvalidInput(_("Enter an hourly rate such as 80 or 92.50."), field="hourly_rate")
    if amount != amount.quantize(CENT):
        raise InvalidInput(_("An hourly rate has at most two decimals."), field="hourly_rate")
    return amount.quantize(CENT)


def _clean(
    *,
    organisation: Organisation,
    hourly_rate: object,
    currency: str,
    rounding_minutes: int,
    rounding_mode: str,
    valid_from: dt.date,
    contract: Contract | None,
) -> dict[str, object]:
    if organisation.is_provider:
        raise InvalidInput(_("Rates are set for customer organisations."), field="organisation")
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise InvalidInput(_("Enter a three-letter currency code such as EUR."), field="currency")
    try:
        step = int(rounding_minutes)
    except (TypeError, ValueError):
        step = 0
    if not 1 <= step <= 480:
        raise InvalidInput(
            _("The rounding step is between 1 and 480 minutes."), field="rounding_minutes"
        )
    if rounding_mode not in RoundingMode.values:
        raise InvalidInput(_("Choose a rounding from the list."), field="rounding_mode")
    if not isinstance(valid_from, dt.date) or valid_from.day != 1:
        raise InvalidInput(
            _("A rate starts on the first day of a month: statements are monthly."),
            field="valid_from",
        )
    if contract is not None and (
        contract.organisation_id != organisation.pk or contract.category != ContractCategory.SOLD
    ):
        raise InvalidInput(
            _("Only a contract sold to this customer may carry a rate."), field="contract"
        )
    return {
        "hourly_rate": _clean_amount(hourly_rate),
        "currency": code,
        "rounding_minutes": step,
        "rounding_mode": rounding_mode,
        "valid_from": valid_from,
    }


@transaction.atomic
def rate_set(
    *,
    actor: User,
    organisation: Organisation,
    hourly_rate: Decimal | str | int,
    currency: str,
    rounding_minutes: int,
    rounding_mode: str,
    valid_from: dt.date,
    contract: Contract | None = None,
) -> Rate:
    """The organisation's (or one of its sold contracts') rate from `valid_from`: a new
    rate, or a change to the one starting that month while no statement used it."""
    _require_admin(actor)
    values = _clean(
        organisation=organisation,
        hourly_rate=hourly_rate,
        currency=currency,
        rounding_minutes=rounding_minutes,
        rounding_mode=rounding_mode,
        valid_from=valid_from,
        contract=contract,
    )
    # One lock per customer: two administrators cannot set two currencies at once.
    list(Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk"))
    other = (
        Rate.objects.filter(organisation=organisation)
        .exclude(currency=values["currency"])
        .values_list("currency", flat=True)
        .first()
    )
    if other:
        raise InvalidInput(
            _(
                "This customer's rates are in %(currency)s: all the rates of a customer "
                "share one currency."
            )
            % {"currency": other},
            field="currency",
        )
    rate = (
        Rate.objects.select_for_update()
        .filter(organisation=organisation, contract=contract, valid_from=values["valid_from"])
        .order_by("pk")  # not the default ordering: its outer join to contracts cannot lock
        .first()
    )
    if rate is None:
        return Rate.objects.create(organisation=organisation, contract=contract, **values)
    if rate_used(rate):
        raise Conflict(
            _(
                "An issued statement was computed with this rate: it can no longer change. "
                "Add a rate from a later month instead."
            ),
            field="valid_from",
        )
    for name, value in values.items():
        setattr(rate, name, value)
    rate.save(update_fields=list(values))
    return rate


@transaction.atomic
def rate_delete(*, actor: User, rate: Rate) -> None:
    """Remove a rate set by mistake; one an issued statement used stays, as history."""
    _require_admin(actor)
    locked = Rate.objects.select_for_update().filter(pk=rate.pk).order_by("pk").first()
    if locked is None:
        raise NotFound()
    if rate_used(locked):
        raise Conflict(
            _("An issued statement was computed with this rate: it can no longer be deleted.")
        )
    locked.delete()


# --- resolution --------------------------------------------------------------------------


def _month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def _in_force(contract: Contract, month: dt.date) -> bool:
    """Whether the contract covers at least one day of the month."""
    return contract.starts_on <= _month_end(month) and (
        contract.ends_on is None or contract.ends_on >= month
    )


@dataclass
class RateBook:
    """The rates of some organisations and the CIs their contracts cover, loaded once.

    `resolve` answers BIL-2's rule: the rate of a sold contract covering the ticket's CI
    and in force that month (the most recent contract when several do), else the
    organisation's own rate; in both cases the latest one starting on or before the
    month's first day.
    """

    own: dict[int, list[Rate]] = field(default_factory=dict)
    by_contract: dict[int, list[Rate]] = field(default_factory=dict)
    contracts_of_ci: dict[int, list[Contract]] = field(default_factory=dict)
    _cache: dict[tuple[int, dt.date, int | None], Rate | None] = field(default_factory=dict)

    @classmethod
    def load(cls, organisation_ids: Iterable[int]) -> RateBook:
        book = cls()
        rates = Rate.objects.filter(organisation_id__in=list(organisation_ids)).select_related(
            "contract"
        )
        contracts: dict[int, Contract] = {}
        own: dict[int, list[Rate]] = defaultdict(list)
        by_contract: dict[int, list[Rate]] = defaultdict(list)
        for rate in rates.order_by("-valid_from", "-pk"):
            if rate.contract_id is None:
                own[rate.organisation_id].append(rate)
            elif (
                rate.contract.category == ContractCategory.SOLD
                and rate.contract.organisation_id == rate.organisation_id
            ):
                by_contract[rate.contract_id].append(rate)
                contracts[rate.contract_id] = rate.contract
        book.own, book.by_contract = dict(own), dict(by_contract)
        links = Contract.cis.through.objects.filter(contract_id__in=list(contracts))
        covered: dict[int, list[Contract]] = defaultdict(list)
        for ci_id, contract_id in links.values_list("configurationitem_id", "contract_id"):
            covered[ci_id].append(contracts[contract_id])
        for found in covered.values():
            found.sort(key=lambda c: (c.starts_on, c.pk), reverse=True)
        book.contracts_of_ci = dict(covered)
        return book

    @staticmethod
    def _latest(rates: list[Rate], month: dt.date) -> Rate | None:
        return next((r for r in rates if r.valid_from <= month), None)

    def resolve(self, organisation_id: int, month: dt.date, ci_id: int | None) -> Rate | None:
        key = (organisation_id, month, ci_id)
        if key not in self._cache:
            found = None
            for contract in self.contracts_of_ci.get(ci_id, []) if ci_id else []:
                if contract.organisation_id == organisation_id and _in_force(contract, month):
                    found = self._latest(self.by_contract.get(contract.pk, []), month)
                    if found is not None:
                        break
            if found is None:
                found = self._latest(self.own.get(organisation_id, []), month)
            self._cache[key] = found
        return self._cache[key]

    def currency(self, organisation_id: int) -> str | None:
        """The organisation's currency, None while it has no rate."""
        for rates in (self.own.get(organisation_id, []), *self.by_contract.values()):
            for rate in rates:
                if rate.organisation_id == organisation_id:
                    return rate.currency
        return None


def rate_for(*, organisation_id: int, month: dt.date, ci_id: int | None = None) -> Rate | None:
    """The rate a ticket on `ci_id` (None: a ticket on no CI) is billed at in `month`."""
    return RateBook.load([organisation_id]).resolve(organisation_id, month, ci_id)
