"""Suppliers and contracts (CMDB-2), the write path: a sold contract's party is the
customer's site (no supplier), a bought one's a supplier; 000: support contracts are always
sold, attached to the site; dates are ordered; a contract covers only CIs of its own site
(without site: CIs without site of its organisation). Imported through `cmdb.actions`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, Site, User
from comptoir.cmdb.models import (
    ConfigurationItem,
    Contract,
    ContractCategory,
    ContractKind,
    Supplier,
)
from comptoir.cmdb.rules import (
    clean_text,
    place_label,
    placement,
    require_manager,
    same_place,
    save_unique,
)
from comptoir.core.errors import InvalidInput, NotFound

CONTRACT_FIELDS = {
    "reference",
    "name",
    "kind",
    "category",
    "site",
    "organisation",
    "supplier",
    "starts_on",
    "ends_on",
    "notes",
}


# --- Suppliers ---------------------------------------------------------------------------


def supplier_create(*, actor: User, name: str, email: str = "", phone: str = "") -> Supplier:
    """Whom the provider buys from: the party of bought contracts."""
    require_manager(actor)
    name = clean_text(name, "name", 200, required=True)
    message = _("A supplier named “%(name)s” already exists.") % {"name": name}
    if Supplier.objects.filter(name__iexact=name).exists():
        raise InvalidInput(message, field="name", code="duplicate")
    email = clean_text(email, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise InvalidInput(_("This e-mail address is not valid."), field="email") from exc
    supplier = Supplier(name=name, email=email, phone=clean_text(phone, "phone", 50))
    return save_unique(supplier, "name", message)


# --- Contracts ---------------------------------------------------------------------------


def _clean_dates(starts_on: Any, ends_on: Any) -> None:
    if not isinstance(starts_on, dt.date):
        raise InvalidInput(_("Give the start date."), field="starts_on")
    if ends_on is not None and not isinstance(ends_on, dt.date):
        raise InvalidInput(_("Give a valid end date, or none."), field="ends_on")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(
            _("The end date cannot be before the start date."), field="ends_on", code="dates"
        )


def _clean_contract(values: dict[str, Any], *, pk: int | None = None) -> dict[str, Any]:
    values["reference"] = clean_text(values.get("reference"), "reference", 50, required=True)
    values["name"] = clean_text(values.get("name"), "name", 200, required=True)
    values["notes"] = clean_text(values.get("notes"), "notes", 10_000)
    if values.get("kind") not in ContractKind.values:
        raise InvalidInput(_("Choose a type of contract from the list."), field="kind")
    if values.get("category") not in ContractCategory.values:
        raise InvalidInput(_("Choose sold or bought."), field="category")
    _clean_dates(values.get("starts_on"), values.get("ends_on"))
    site, org = values.get("site"), values.get("organisation")
    if values["category"] == ContractCategory.SOLD:
        if values.get("supplier") is not None:
            raise InvalidInput(
                _("A sold contract has no supplier: its party is the customer's site."),
                field="supplier",
                code="sold_no_supplier",
            )
        values["site"], values["organisation"] = placement(site, org)
        if values["organisation"].is_provider:
            raise InvalidInput(
                _("A sold contract is sold to a customer: choose a customer's site."),
                field="site",
            )
    else:
        if values["kind"] == ContractKind.SUPPORT:
            raise InvalidInput(
                _("A support contract is always sold, attached to the customer's site."),
                field="category",
                code="support_is_sold",
            )
        if values.get("supplier") is None:
            raise InvalidInput(
                _("A bought contract needs its supplier."),
                field="supplier",
                code="supplier_required",
            )
        values["site"], values["organisation"] = (
            placement(site, org) if site or org else (None, None)
        )
    taken = Contract.objects.filter(reference__iexact=values["reference"]).exclude(pk=pk)
    if taken.exists():
        raise InvalidInput(
            _("Another contract has the reference “%(ref)s”.") % {"ref": values["reference"]},
            field="reference",
            code="duplicate",
        )
    return values


def _cover_check(contract: Contract, cis: Iterable[ConfigurationItem]) -> None:
    wrong = sorted(ci.name for ci in cis if not same_place(ci, contract))
    if wrong:
        raise InvalidInput(
            _(
                "A contract covers only CIs of its own site (%(place)s; without site: only "
                "CIs without site). Not on it: %(names)s."
            )
            % {"place": place_label(contract), "names": ", ".join(wrong)},
            field="cis",
            code="site_mismatch",
        )


def contract_check(
    *,
    contract: Contract | None,
    values: Mapping[str, Any],
    cis: Iterable[ConfigurationItem] | None = None,
) -> dict[str, Any]:
    """What `contract_create`/`contract_update` would refuse, without writing: for a form
    that edits the fields and the CIs covered at once (the admin). With `cis`, those are
    the CIs it will cover; otherwise it keeps its own. Returns the cleaned values."""
    base = {f: getattr(contract, f) for f in CONTRACT_FIELDS} if contract is not None else {}
    cleaned = _clean_contract(base | dict(values), pk=contract.pk if contract else None)
    covered = list(cis) if cis is not None else (list(contract.cis.all()) if contract else [])
    _cover_check(Contract(**cleaned), covered)
    return cleaned


def _lock_cis(cis: Iterable[ConfigurationItem]) -> list[ConfigurationItem]:
    """Lock the CIs (in id order, as `ci_update` locks one) so none moves meanwhile."""
    ids = sorted({ci.pk for ci in cis})
    rows = list(ConfigurationItem.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(rows) != len(ids):
        raise NotFound(field="cis")
    return rows


def contract_create(
    *,
    actor: User,
    reference: str,
    name: str,
    kind: str,
    category: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    site: Site | None = None,
    organisation: Organisation | None = None,
    supplier: Supplier | None = None,
    notes: str = "",
    cis: Iterable[ConfigurationItem] = (),
) -> Contract:
    """CMDB-2: a sold contract's party is the site; a bought one's, a supplier."""
    require_manager(actor)
    values = {
        "reference": reference,
        "name": name,
        "kind": kind,
        "category": category,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "site": site,
        "organisation": organisation,
        "supplier": supplier,
        "notes": notes,
    }
    values = _clean_contract(values)
    with transaction.atomic():
        covered = _lock_cis(cis)
        contract = Contract(**values)
        _cover_check(contract, covered)
        save_unique(contract, "reference", _("Another contract has this reference."))
        if covered:
            contract.cis.add(*covered)
    return contract


def _lock_contract(contract: Contract) -> Contract:
    locked = Contract.objects.select_for_update().filter(pk=contract.pk).first()
    if locked is None:
        raise NotFound()
    return locked


def contract_update(*, actor: User, contract: Contract, changes: Mapping[str, Any]) -> Contract:
    """Edit a contract; a new place must still hold every CI it covers (else uncover first)."""
    unknown = set(changes) - CONTRACT_FIELDS
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    require_manager(actor)
    with transaction.atomic():
        contract = _lock_contract(contract)
        values = {f: getattr(contract, f) for f in CONTRACT_FIELDS} | dict(changes)
        if "site" in changes and "organisation" not in changes and changes["site"] is not None:
            values["organisation"] = None  # follows the new site
        values = _clean_contract(values, pk=contract.pk)
        for name, value in values.items():
            setattr(contract, name, value)
        _cover_check(contract, contract.cis.all())
        save_unique(contract, "reference", _("Another contract has this reference."))
    return contract


def contract_cover(
    *, actor: User, contract: Contract, cis: Iterable[ConfigurationItem]
) -> Contract:
    """The contract covers these CIs too, each on the contract's site."""
    require_manager(actor)
    with transaction.atomic():
        contract = _lock_contract(contract)
        covered = _lock_cis(cis)
        _cover_check(contract, covered)
        contract.cis.add(*covered)
    return contract


def contract_uncover(
    *, actor: User, contract: Contract, cis: Iterable[ConfigurationItem]
) -> Contract:
    """The contract no longer covers these CIs; CIs it did not cover are ignored."""
    require_manager(actor)
    with transaction.atomic():
        contract = _lock_contract(contract)
        contract.cis.remove(*[ci.pk for ci in cis])
    return contract
