"""The one write path for configuration items, suppliers and contracts (CMDB-1, CMDB-2).

Who: service managers and administrators manage the CMDB; agents read it (they pick a CI
on a ticket, see its contracts) but do not change it, and customers only read their own
site's. Every function is keyword-only, runs in one transaction, locks the rows whose links
it checks, and refuses with a translated `DomainError` naming the field; nothing is written
then. 000's rule (`rules.same_place`) holds for every link: a person and a CI, a contract
and a CI it covers. A change of site that would break a link is refused with the list of
what to unlink first — never unlinked silently, since a lost link is a lost fact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import Department, Organisation, Role, Site, User
from comptoir.cmdb.models import (
    CiStatus,
    ConfigurationItem,
    Contract,
    ContractCategory,
    ContractKind,
    Supplier,
)
from comptoir.cmdb.rules import place_label, same_place
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied

CI_FIELDS = {"name", "kind", "serial", "status", "site", "organisation", "department", "notes"}
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


def may_manage_cmdb(actor: User) -> bool:
    """Whether `actor` may change CIs, suppliers and contracts."""
    return bool(
        actor.is_authenticated
        and actor.is_active
        and (actor.is_admin or actor.role == Role.SERVICE_MANAGER)
    )


def _require_manager(actor: User) -> None:
    if not may_manage_cmdb(actor):
        raise PermissionDenied(
            _("Only service managers and administrators may change the CMDB."),
            code="not_cmdb_manager",
        )


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    value = " ".join(str(value or "").split()) if field != "notes" else str(value or "").strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("%(limit)d characters at most.") % {"limit": limit}, field=field, code="too_long"
        )
    return value


def _placement(
    site: Site | None, organisation: Organisation | None
) -> tuple[Site | None, Organisation | None]:
    """The site decides the organisation; without site, the organisation must be given."""
    if site is not None:
        if organisation is not None and organisation.pk != site.organisation_id:
            raise InvalidInput(
                _("The site %(site)s is not in %(organisation)s.")
                % {"site": site.name, "organisation": organisation.name},
                field="organisation",
            )
        return site, site.organisation
    if organisation is None:
        raise InvalidInput(
            _("Choose a site, or the organisation of an item without site."),
            field="organisation",
            code="no_organisation",
        )
    return None, organisation


# --- Configuration items ---------------------------------------------------------------


def _clean_ci(values: dict[str, Any]) -> dict[str, Any]:
    values["name"] = _text(values.get("name"), "name", 200, required=True)
    values["kind"] = _text(values.get("kind"), "kind", 100)
    values["serial"] = _text(values.get("serial"), "serial", 100)
    values["notes"] = _text(values.get("notes"), "notes", 10_000)
    if values.get("status") not in CiStatus.values:
        raise InvalidInput(_("Choose a status from the list."), field="status")
    values["site"], values["organisation"] = _placement(
        values.get("site"), values.get("organisation")
    )
    dept: Department | None = values.get("department")
    if dept is not None and (values["site"] is None or dept.site_id != values["site"].pk):
        raise InvalidInput(_("Choose a department of the CI's site."), field="department")
    return values


def ci_create(
    *,
    actor: User,
    name: str,
    site: Site | None = None,
    organisation: Organisation | None = None,
    kind: str = "",
    serial: str = "",
    status: str = CiStatus.IN_SERVICE,
    department: Department | None = None,
    notes: str = "",
) -> ConfigurationItem:
    """A CI on a site, or without site in an organisation (TEN-1)."""
    _require_manager(actor)
    values = _clean_ci(
        {
            "name": name,
            "site": site,
            "organisation": organisation,
            "kind": kind,
            "serial": serial,
            "status": status,
            "department": department,
            "notes": notes,
        }
    )
    with transaction.atomic():
        return ConfigurationItem.objects.create(**values)


def _lock_ci(ci: ConfigurationItem) -> ConfigurationItem:
    locked = (
        ConfigurationItem.objects.select_for_update(of=("self",))
        .filter(pk=ci.pk)
        .select_related("site", "organisation")
        .first()
        if ci.pk
        else None
    )
    if locked is None:
        raise NotFound()
    return locked


def _links_breaking(ci: ConfigurationItem) -> list[str]:
    """The people and contracts that would no longer match `ci`'s (new) place."""
    people = [str(u) for u in ci.users.select_related("site") if not same_place(u, ci)]
    contracts = [c.reference for c in ci.contracts.all() if not same_place(c, ci)]
    parts = []
    if people:
        parts.append(_("people: %(names)s") % {"names": ", ".join(sorted(people))})
    if contracts:
        parts.append(_("contracts: %(refs)s") % {"refs": ", ".join(sorted(contracts))})
    return parts


def ci_update(
    *, actor: User, ci: ConfigurationItem, changes: Mapping[str, Any]
) -> ConfigurationItem:
    """Edit a CI. Moving it to another place is refused while people or contracts of the
    old place are linked to it: the message lists them, to unlink first."""
    unknown = set(changes) - CI_FIELDS
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    _require_manager(actor)
    with transaction.atomic():
        ci = _lock_ci(ci)
        values = {f: getattr(ci, f) for f in CI_FIELDS} | dict(changes)
        if "site" in changes and "organisation" not in changes and changes["site"] is not None:
            values["organisation"] = None  # follows the new site
        values = _clean_ci(values)
        for name, value in values.items():
            setattr(ci, name, value)
        breaking = _links_breaking(ci)
        if breaking:
            raise InvalidInput(
                _(
                    "%(ci)s cannot move to %(place)s while linked to data of its old place. "
                    "Unlink first: %(links)s."
                )
                % {"ci": ci.name, "place": place_label(ci), "links": "; ".join(breaking)},
                field="site",
                code="links_break",
            )
        ci.save()
    return ci


def ci_link_user(*, actor: User, ci: ConfigurationItem, user: User) -> ConfigurationItem:
    """CMDB-1: a person uses a CI only if both have the same site (or both none)."""
    _require_manager(actor)
    with transaction.atomic():
        ci = _lock_ci(ci)
        person = User.objects.select_related("site", "organisation").filter(pk=user.pk).first()
        if person is None or not person.is_active:
            raise InvalidInput(_("Choose an active person."), field="user")
        if not same_place(person, ci):
            raise InvalidInput(
                _(
                    "%(person)s (%(person_place)s) cannot be linked to %(ci)s (%(ci_place)s): "
                    "a person and a CI must have the same site, and data without site goes "
                    "only with data without site."
                )
                % {
                    "person": person,
                    "person_place": place_label(person),
                    "ci": ci.name,
                    "ci_place": place_label(ci),
                },
                field="user",
                code="site_mismatch",
            )
        ci.users.add(person)
    return ci


def ci_unlink_user(*, actor: User, ci: ConfigurationItem, user: User) -> ConfigurationItem:
    """Unlinking someone who is not linked changes nothing and is not an error."""
    _require_manager(actor)
    with transaction.atomic():
        ci = _lock_ci(ci)
        ci.users.remove(user)
    return ci


# --- Suppliers ---------------------------------------------------------------------------


def _save_unique(obj: Any, field: str, message: str) -> Any:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:  # a concurrent writer won the unique value
        raise InvalidInput(message, field=field, code="duplicate") from exc
    return obj


def supplier_create(*, actor: User, name: str, email: str = "", phone: str = "") -> Supplier:
    """Whom the provider buys from: the party of bought contracts."""
    _require_manager(actor)
    name = _text(name, "name", 200, required=True)
    message = _("A supplier named “%(name)s” already exists.") % {"name": name}
    if Supplier.objects.filter(name__iexact=name).exists():
        raise InvalidInput(message, field="name", code="duplicate")
    email = _text(email, "email", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise InvalidInput(_("This e-mail address is not valid."), field="email") from exc
    supplier = Supplier(name=name, email=email, phone=_text(phone, "phone", 50))
    return _save_unique(supplier, "name", message)


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
    values["reference"] = _text(values.get("reference"), "reference", 50, required=True)
    values["name"] = _text(values.get("name"), "name", 200, required=True)
    values["notes"] = _text(values.get("notes"), "notes", 10_000)
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
        values["site"], values["organisation"] = _placement(site, org)
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
            _placement(site, org) if site or org else (None, None)
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
    _require_manager(actor)
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
        _save_unique(contract, "reference", _("Another contract has this reference."))
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
    _require_manager(actor)
    with transaction.atomic():
        contract = _lock_contract(contract)
        values = {f: getattr(contract, f) for f in CONTRACT_FIELDS} | dict(changes)
        if "site" in changes and "organisation" not in changes and changes["site"] is not None:
            values["organisation"] = None  # follows the new site
        values = _clean_contract(values, pk=contract.pk)
        for name, value in values.items():
            setattr(contract, name, value)
        _cover_check(contract, contract.cis.all())
        _save_unique(contract, "reference", _("Another contract has this reference."))
    return contract


def contract_cover(
    *, actor: User, contract: Contract, cis: Iterable[ConfigurationItem]
) -> Contract:
    """The contract covers these CIs too, each on the contract's site."""
    _require_manager(actor)
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
    _require_manager(actor)
    with transaction.atomic():
        contract = _lock_contract(contract)
        contract.cis.remove(*[ci.pk for ci in cis])
    return contract
