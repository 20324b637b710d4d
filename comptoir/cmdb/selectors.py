"""Reads of configuration items and contracts, scoped to the actor (TEN-2: tenant data).

The provider's staff serve every tenant, so they see every CI and contract; a customer sees
the CIs of their own site only (TEN-4, CMDB-1) — the same rule as the portal's new-request
page — and, with COMPTOIR_CI_BY_DEPARTMENT (000's option), only those of their department.
A customer sees the contracts of their own site (sold to it, or bought for its equipment),
and a customer without site sees neither CIs nor contracts.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.cmdb.models import ConfigurationItem, Contract, Supplier
from comptoir.core.errors import NotFound


def visible_cis(actor: User) -> QuerySet[ConfigurationItem]:
    if not actor.is_authenticated or not actor.is_active:
        return ConfigurationItem.objects.none()
    qs = ConfigurationItem.objects.select_related("organisation", "site", "department")
    if actor.is_staff_member or actor.is_admin:
        return qs
    if not actor.site_id:
        return qs.none()
    qs = qs.filter(site_id=actor.site_id)
    if getattr(settings, "COMPTOIR_CI_BY_DEPARTMENT", False):
        qs = qs.filter(department_id=actor.department_id) if actor.department_id else qs.none()
    return qs


def ci_search(
    *,
    actor: User,
    term: str = "",
    organisation: int | None = None,
    site: int | None = None,
    status: str = "",
) -> QuerySet[ConfigurationItem]:
    """CIs the actor sees whose name or serial number contains `term`, optionally of one
    organisation, one site (0: without site) and one status."""
    qs = visible_cis(actor)
    term = (term or "").strip()[:100]
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(serial__icontains=term))
    if organisation is not None:
        qs = qs.filter(organisation_id=organisation)
    if site is not None:
        qs = qs.filter(site__isnull=True) if site == 0 else qs.filter(site_id=site)
    if status:
        qs = qs.filter(status=status)
    return qs


def ci_get(*, actor: User, pk: int) -> ConfigurationItem:
    """One CI; the same NotFound for a missing one and for another tenant's."""
    try:
        return visible_cis(actor).get(pk=pk)
    except (ConfigurationItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _sees_all(actor: User) -> bool:
    return actor.is_staff_member or actor.is_admin


def active_q(day: dt.date) -> Q:
    """Contracts in force on `day`, both ends included (as `Contract.is_active_on`)."""
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def visible_contracts(actor: User, *, on: dt.date | None = None) -> QuerySet[Contract]:
    """Contracts the actor sees, each annotated `active` (in force on `on`, today by
    default in the instance's time zone)."""
    if not actor.is_authenticated or not actor.is_active:
        return Contract.objects.none()
    day = on or timezone.localdate()
    qs = Contract.objects.select_related("organisation", "site", "supplier").annotate(
        active=ExpressionWrapper(active_q(day), output_field=BooleanField())
    )
    if _sees_all(actor):
        return qs
    if not actor.site_id:
        return qs.none()
    return qs.filter(site_id=actor.site_id)


def contract_search(
    *,
    actor: User,
    term: str = "",
    category: str = "",
    kind: str = "",
    site: int | None = None,
    active: bool | None = None,
    on: dt.date | None = None,
) -> QuerySet[Contract]:
    """Contracts the actor sees whose reference or name contains `term`, optionally of one
    category, type and site; `active` keeps those in force (True) or not (False) on `on`
    (today by default), the day each row's `active` speaks of."""
    day = on or timezone.localdate()
    qs = visible_contracts(actor, on=day)
    term = (term or "").strip()[:100]
    if term:
        qs = qs.filter(Q(reference__icontains=term) | Q(name__icontains=term))
    if category:
        qs = qs.filter(category=category)
    if kind:
        qs = qs.filter(kind=kind)
    if site is not None:
        qs = qs.filter(site_id=site)
    if active is not None:
        qs = qs.filter(active_q(day)) if active else qs.exclude(active_q(day))
    return qs


def contract_get(*, actor: User, pk: int, on: dt.date | None = None) -> Contract:
    """One contract; the same NotFound for a missing one and for another tenant's."""
    try:
        return visible_contracts(actor, on=on).get(pk=pk)
    except (Contract.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def contracts_for_ci(
    *, actor: User, ci: ConfigurationItem, on: dt.date | None = None
) -> QuerySet[Contract]:
    """The contracts covering `ci` that the actor sees, active ones first, then the most
    recent; each says with `active` whether it covers the CI on `on` (today by default)."""
    return visible_contracts(actor, on=on).filter(cis=ci).order_by("-active", "-starts_on", "pk")


def is_covered(contracts: list[Contract]) -> bool:
    """Whether one of `contracts_for_ci`'s rows is in force: the CI is covered."""
    return any(getattr(c, "active", False) for c in contracts)


def visible_suppliers(actor: User) -> QuerySet[Supplier]:
    """Suppliers are the provider's business: staff only (a customer reads a supplier's
    name on a bought contract of their site, nothing more)."""
    if not actor.is_authenticated or not actor.is_active or not _sees_all(actor):
        return Supplier.objects.none()
    return Supplier.objects.all()
