"""Reads of configuration items, scoped to the actor (TEN-2: CIs are tenant data).

The provider's staff serve every tenant, so they see every CI; a customer sees the CIs of
their own site only (TEN-4, CMDB-1) — the same rule as the portal's new-request page —
and, with COMPTOIR_CI_BY_DEPARTMENT (000's option), only those of their department.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from comptoir.accounts.models import User
from comptoir.cmdb.models import ConfigurationItem
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


def ci_search(*, actor: User, term: str = "") -> QuerySet[ConfigurationItem]:
    """CIs the actor sees whose name or serial number contains `term`."""
    qs = visible_cis(actor)
    term = (term or "").strip()[:100]
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(serial__icontains=term))
    return qs


def ci_get(*, actor: User, pk: int) -> ConfigurationItem:
    """One CI; the same NotFound for a missing one and for another tenant's."""
    try:
        return visible_cis(actor).get(pk=pk)
    except (ConfigurationItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
