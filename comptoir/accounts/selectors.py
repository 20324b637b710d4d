"""Reads of people and tenancy, scoped to the actor (TEN-2: people are tenant data too)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, Role, Site, User, VisibilityGrant
from comptoir.core.errors import DomainError, NotFound

if TYPE_CHECKING:
    from comptoir.accounts.ldap import DirectoryEntry


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


@dataclass(frozen=True)
class DirectoryMatches:
    """Directory entries not yet in Comptoir; `unavailable` when the directory did not
    answer (the lookup then shows Comptoir's own people only)."""

    entries: list[DirectoryEntry] = field(default_factory=list)
    unavailable: bool = False


def directory_enabled() -> bool:
    return bool(getattr(settings, "COMPTOIR_LDAP_URL", ""))


def _may_query_directory(actor: User) -> bool:
    """Staff only: customers never query the directory (it lists other tenants' people)."""
    return bool(
        directory_enabled()
        and actor.is_authenticated
        and actor.is_active
        and (actor.is_staff_member or actor.is_admin)
    )


def directory_candidates(*, actor: User, term: str, limit: int = 10) -> DirectoryMatches:
    """002 "Recherche LDAP": people of the LDAP directory matching `term` by login, e-mail
    or last name who are not in Comptoir yet, for an agent to import."""
    term = (term or "").strip()
    if len(term) < 2 or not _may_query_directory(actor):
        return DirectoryMatches()
    from comptoir.accounts import ldap as directory

    try:
        entries = directory.search(term, limit=limit)
    except directory.DirectoryUnavailable:
        return DirectoryMatches(unavailable=True)
    known = Q(pk__in=[])
    for e in entries:
        known |= Q(username__iexact=e.login)
        if e.email:
            known |= Q(email__iexact=e.email)
    taken = list(User.objects.filter(known).values_list("username", "email"))
    logins = {u.lower() for u, _m in taken}
    emails = {m.lower() for _u, m in taken if m}
    fresh = [e for e in entries if e.login.lower() not in logins and e.email not in emails]
    return DirectoryMatches(entries=fresh)


def directory_entry_get(*, actor: User, login: str) -> DirectoryEntry:
    """The directory entry with exactly this login, for an import; NotFound when it has
    none or the actor may not query the directory."""
    login = (login or "").strip()
    if not login or not _may_query_directory(actor):
        raise NotFound()
    from comptoir.accounts import ldap as directory

    try:
        entry = directory.entry_get(login)
    except directory.DirectoryUnavailable:
        raise DomainError(
            _("The directory does not answer; try again later."), code="directory_unavailable"
        ) from None
    if entry is None:
        raise NotFound()
    return entry


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
