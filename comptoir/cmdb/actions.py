"""The one write path for configuration items, suppliers and contracts (CMDB-1, CMDB-2).

Who: service managers and administrators manage the CMDB; agents read it (they pick a CI
on a ticket, see its contracts) but do not change it, and customers only read their own
site's. Every function is keyword-only, runs in one transaction, locks the rows whose links
it checks, and refuses with a translated `DomainError` naming the field; nothing is written
then. 000's rule (`rules.same_place`) holds for every link: a person and a CI, a contract
and a CI it covers. A change of site that would break a link is refused with the list of
what to unlink first — never unlinked silently, since a lost link is a lost fact.

This module holds the CI actions and re-exports those of suppliers and contracts
(`contract_actions.py`), so every caller imports from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import Department, Organisation, Site, User
from comptoir.cmdb.contract_actions import (
    CONTRACT_FIELDS,
    contract_check,
    contract_cover,
    contract_create,
    contract_uncover,
    contract_update,
    supplier_create,
)
from comptoir.cmdb.models import CiStatus, ConfigurationItem
from comptoir.cmdb.rules import (
    clean_text,
    may_manage_cmdb,
    place_label,
    placement,
    require_manager,
    same_place,
)
from comptoir.core.errors import InvalidInput, NotFound

__all__ = [
    "CI_FIELDS",
    "CONTRACT_FIELDS",
    "ci_check",
    "ci_create",
    "ci_link_user",
    "ci_unlink_user",
    "ci_update",
    "contract_check",
    "contract_cover",
    "contract_create",
    "contract_uncover",
    "contract_update",
    "may_manage_cmdb",
    "supplier_create",
]

CI_FIELDS = {"name", "kind", "serial", "status", "site", "organisation", "department", "notes"}


# --- Configuration items ---------------------------------------------------------------


def _clean_ci(values: dict[str, Any]) -> dict[str, Any]:
    values["name"] = clean_text(values.get("name"), "name", 200, required=True)
    values["kind"] = clean_text(values.get("kind"), "kind", 100)
    values["serial"] = clean_text(values.get("serial"), "serial", 100)
    values["notes"] = clean_text(values.get("notes"), "notes", 10_000)
    if values.get("status") not in CiStatus.values:
        raise InvalidInput(_("Choose a status from the list."), field="status")
    values["site"], values["organisation"] = placement(
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
    require_manager(actor)
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
    require_manager(actor)
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


def ci_check(
    *,
    ci: ConfigurationItem | None,
    values: Mapping[str, Any],
    users: Iterable[User] | None = None,
) -> dict[str, Any]:
    """What `ci_create`/`ci_update` would refuse, without writing: for a form that edits
    the fields and the people at once (the admin). With `users`, those are the people the
    CI will have; otherwise it keeps its own. Returns the cleaned values."""
    base = {f: getattr(ci, f) for f in CI_FIELDS} if ci is not None else {}
    cleaned = _clean_ci(base | dict(values))
    probe = ConfigurationItem(**cleaned)
    people = list(users) if users is not None else (list(ci.users.all()) if ci else [])
    wrong = sorted(str(u) for u in people if not same_place(u, probe))
    contracts = (
        sorted(c.reference for c in ci.contracts.all() if not same_place(c, probe)) if ci else []
    )
    if wrong or contracts:
        parts = [", ".join(wrong), ", ".join(contracts)]
        raise InvalidInput(
            _("Not on the CI's site (%(place)s): %(links)s.")
            % {"place": place_label(probe), "links": "; ".join(p for p in parts if p)},
            field="site",
            code="links_break",
        )
    return cleaned


def ci_link_user(*, actor: User, ci: ConfigurationItem, user: User) -> ConfigurationItem:
    """CMDB-1: a person uses a CI only if both have the same site (or both none)."""
    require_manager(actor)
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
    require_manager(actor)
    with transaction.atomic():
        ci = _lock_ci(ci)
        ci.users.remove(user)
    return ci
