"""Reads of people and tenancy, scoped to the actor (TEN-2: people are tenant data too)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from comptoir.accounts.models import Organisation, Role, Site, User, VisibilityGrant
from comptoir.core.errors import NotFound


def visible_people(actor: User) -> QuerySet[User]:
    """Staff see everyone; a customer sees themself, and a customer manager their site."""
    if not actor.is_authenticated or not actor.is_active:
        return User.objects.none()
    if actor.is_staff_member or actor.is_admin:
        return User.objects.filter(is_active=True)
    q = Q(pk=actor.pk)
    if actor.role == Role.CUSTOMER_MANAGER and actor.site_id:
        q |= Q(site_id=actor.site_id)
    return User.objects.filter(q, is_active=True)


def person_get(*, actor: User, pk: int) -> User:
    try:
        return visible_people(actor).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def directory_lookup(*, actor: User, term: str, limit: int = 20) -> list[User]:
    """002 "Recherche LDAP": find people by login or e-mail, within what the actor sees."""
    term = (term or "").strip()
    if len(term) < 2:
        return []
    qs = visible_people(actor).filter(
        Q(username__iexact=term)
        | Q(email__iexact=term)
        | Q(username__istartswith=term)
        | Q(email__istartswith=term)
        | Q(last_name__istartswith=term)
    )
    return list(qs.order_by("username")[:limit])


def site_by_code(code: str) -> Site | None:
    """TEN-5: the active site whose customer number is `code` (case-insensitive)."""
    code = (code or "").strip()
    if not code:
        return None
    return (
        Site.objects.filter(code__iexact=code, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .first()
    )


def visible_organisations(user: User) -> QuerySet[Organisation]:
    """Staff: every organisation; a customer: their own, and those a TEN-3 grant opens."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    qs = Organisation.objects.filter(is_active=True)
    if user.is_staff_member or user.is_admin:
        return qs
    granted = VisibilityGrant.objects.filter(user_id=user.pk).values("organisation_id")
    return qs.filter(Q(pk=user.organisation_id or 0) | Q(pk__in=granted))


def visible_sites(user: User) -> QuerySet[Site]:
    """Staff: every site; a customer: their own, and those whose tickets a TEN-3 grant
    shows them (the organisation's, or one division's)."""
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    qs = Site.objects.filter(is_active=True, organisation__is_active=True)
    if user.is_staff_member or user.is_admin:
        return qs
    q = Q(pk=user.site_id or 0)
    for grant in VisibilityGrant.objects.filter(user_id=user.pk):
        by_grant = Q(organisation_id=grant.organisation_id)
        if grant.division:
            by_grant &= Q(division=grant.division)
        q |= by_grant
    return qs.filter(q)
