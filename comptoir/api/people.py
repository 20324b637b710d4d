"""Organisations, sites, people and configuration items, as the caller may see them.

People come from `accounts.selectors` (staff see everyone; a customer themself, a
customer manager their site), CIs from `cmdb.selectors`. Organisations and sites follow
the same rule: the provider's staff serve every tenant; a customer sees their own
organisation and site, and those whose tickets a TEN-3 grant shows them. Another tenant's
object is a 404, never a 403, so its existence does not leak. Lists are paged by cursor
(`next_cursor`), never by offset.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from comptoir.accounts import selectors as people
from comptoir.accounts.models import Site, User
from comptoir.api.common import MAX_LIMIT, paginate
from comptoir.api.common import actor as api_actor
from comptoir.cmdb import selectors as cmdb
from comptoir.cmdb.models import CiStatus, ConfigurationItem
from comptoir.core.errors import NotFound

router = Router(tags=["people"])

SEARCH_MAX = 100


# --- schemas ------------------------------------------------------------------------------


class Paging(Schema):
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


class OrganisationOut(Schema):
    id: int
    name: str
    code: str
    is_provider: bool


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    next_cursor: str | None


class SiteOut(Schema):
    id: int
    organisation_id: int
    name: str
    code: str
    division: str


class SitePage(Schema):
    items: list[SiteOut]
    next_cursor: str | None


class PersonOut(Schema):
    id: int
    username: str
    name: str
    first_name: str
    last_name: str
    email: str
    role: str
    language: str
    phone: str
    organisation_id: int | None
    site_id: int | None


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class CiOut(Schema):
    id: int
    name: str
    kind: str
    serial: str
    status: CiStatus
    organisation_id: int | None
    site_id: int | None
    department_id: int | None
    user_ids: list[int] = Field(description="The people using it, of those the caller sees.")


class CiPage(Schema):
    items: list[CiOut]
    next_cursor: str | None


def _person_out(u: User) -> PersonOut:
    return PersonOut(
        id=u.pk,
        username=u.username,
        name=str(u),
        first_name=u.first_name,
        last_name=u.last_name,
        email=u.email,
        role=u.role,
        language=u.language,
        phone=u.phone,
        organisation_id=u.organisation_id,
        site_id=u.site_id,
    )


def _term(value: str | None) -> str:
    return (value or "").strip()[:SEARCH_MAX]


def _id(value: int | None) -> int | None:
    """A filter id out of any database's range matches nothing rather than overflowing."""
    return value if value is None or 0 < value < 2**31 else -1


# --- endpoints ----------------------------------------------------------------------------


@router.get("/organisations", response=OrganisationPage, summary="Organisations")
def organisation_list(
    request: HttpRequest, paging: Query[Paging], q: str | None = None
) -> OrganisationPage:
    qs = people.visible_organisations(api_actor(request))
    if term := _term(q):
        qs = qs.filter(Q(name__icontains=term) | Q(code__iexact=term))
    rows, cursor = paginate(qs, paging.cursor, paging.limit, key=("id",))
    items = [
        OrganisationOut(id=o.pk, name=o.name, code=o.code, is_provider=o.is_provider) for o in rows
    ]
    return OrganisationPage(items=items, next_cursor=cursor)


@router.get("/organisations/{org_id}", response=OrganisationOut, summary="One organisation")
def organisation_detail(request: HttpRequest, org_id: int) -> OrganisationOut:
    o = people.visible_organisations(api_actor(request)).filter(pk=_id(org_id)).first()
    if o is None:
        raise NotFound()
    return OrganisationOut(id=o.pk, name=o.name, code=o.code, is_provider=o.is_provider)


def _site_out(s: Site) -> SiteOut:
    return SiteOut(
        id=s.pk, organisation_id=s.organisation_id, name=s.name, code=s.code, division=s.division
    )


@router.get("/sites", response=SitePage, summary="Sites, by organisation")
def site_list(
    request: HttpRequest,
    paging: Query[Paging],
    organisation: int | None = None,
    q: str | None = None,
) -> SitePage:
    qs = people.visible_sites(api_actor(request))
    if organisation is not None:
        qs = qs.filter(organisation_id=_id(organisation))
    if term := _term(q):
        qs = qs.filter(Q(name__icontains=term) | Q(code__iexact=term))
    rows, cursor = paginate(qs, paging.cursor, paging.limit, key=("id",))
    return SitePage(items=[_site_out(s) for s in rows], next_cursor=cursor)


@router.get("/sites/{site_id}", response=SiteOut, summary="One site")
def site_detail(request: HttpRequest, site_id: int) -> SiteOut:
    s = people.visible_sites(api_actor(request)).filter(pk=_id(site_id)).first()
    if s is None:
        raise NotFound()
    return _site_out(s)


@router.get("/people", response=PersonPage, summary="People, searched by name or e-mail")
def person_list(
    request: HttpRequest,
    paging: Query[Paging],
    q: str | None = None,
    organisation: int | None = None,
    site: int | None = None,
) -> PersonPage:
    qs = people.visible_people(api_actor(request))
    if term := _term(q):
        qs = qs.filter(
            Q(username__iexact=term)
            | Q(email__istartswith=term)
            | Q(first_name__istartswith=term)
            | Q(last_name__istartswith=term)
            | Q(username__istartswith=term)
        )
    if organisation is not None:
        qs = qs.filter(organisation_id=_id(organisation))
    if site is not None:
        qs = qs.filter(site_id=_id(site))
    rows, cursor = paginate(qs, paging.cursor, paging.limit, key=("id",))
    return PersonPage(items=[_person_out(u) for u in rows], next_cursor=cursor)


@router.get("/people/{person_id}", response=PersonOut, summary="One person")
def person_detail(request: HttpRequest, person_id: int) -> PersonOut:
    return _person_out(people.person_get(actor=api_actor(request), pk=_id(person_id)))


def _ci_out(c: ConfigurationItem) -> CiOut:
    return CiOut(
        id=c.pk,
        name=c.name,
        kind=c.kind,
        serial=c.serial,
        status=CiStatus(c.status),
        organisation_id=c.organisation_id,
        site_id=c.site_id,
        department_id=c.department_id,
        user_ids=[u.pk for u in getattr(c, "seen_users", [])],
    )


def _with_users(qs: QuerySet[ConfigurationItem], caller: User) -> QuerySet[ConfigurationItem]:
    """One more query per page: the users' ids, within the people the caller sees."""
    seen = people.visible_people(caller).only("id").order_by("id")
    return qs.prefetch_related(Prefetch("users", queryset=seen, to_attr="seen_users"))


@router.get("/cis", response=CiPage, summary="Configuration items, searched by name")
def ci_list(
    request: HttpRequest,
    paging: Query[Paging],
    q: str | None = None,
    site: int | None = None,
    status: CiStatus | None = None,
) -> CiPage:
    caller = api_actor(request)
    qs = cmdb.ci_search(actor=caller, term=_term(q), site=_id(site), status=status or "")
    rows, cursor = paginate(_with_users(qs, caller), paging.cursor, paging.limit, key=("id",))
    return CiPage(items=[_ci_out(c) for c in rows], next_cursor=cursor)


@router.get("/cis/{ci_id}", response=CiOut, summary="One configuration item")
def ci_detail(request: HttpRequest, ci_id: int) -> CiOut:
    caller = api_actor(request)
    found = cmdb.ci_get(actor=caller, pk=_id(ci_id))
    return _ci_out(_with_users(cmdb.visible_cis(caller).filter(pk=found.pk), caller).get())
