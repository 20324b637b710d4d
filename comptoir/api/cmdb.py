"""Contracts (CMDB-2), as the caller may see them: `/contracts`, `/contracts/{id}` and the
contracts covering one CI, `/cis/{id}/contracts`.

Everything is read through `cmdb.selectors`: staff see every contract; a customer those of
their own site (sold to it, or bought for its equipment), a customer without site none.
Another tenant's contract or CI is a 404 with no data, like a missing one. Each contract
says whether it is in force (`active`) on `on` (today by default) and lists the ids of the
CIs it covers that the caller sees. Lists are paged by cursor, like every list of the API.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from comptoir.accounts.models import User
from comptoir.api.common import actor as api_actor
from comptoir.api.common import paginate
from comptoir.api.people import Paging
from comptoir.cmdb import selectors as cmdb
from comptoir.cmdb.models import Contract, ContractCategory, ContractKind

router = Router(tags=["cmdb"])


class ContractOut(Schema):
    id: int
    reference: str
    name: str
    kind: ContractKind
    category: ContractCategory
    organisation_id: int | None
    site_id: int | None
    supplier_id: int | None = Field(description="Set for a bought contract only.")
    supplier_name: str
    starts_on: dt.date
    ends_on: dt.date | None
    active: bool = Field(description="Whether the contract is in force on the day asked.")
    ci_ids: list[int] = Field(description="The CIs it covers that the caller sees.")


class ContractPage(Schema):
    items: list[ContractOut]
    next_cursor: str | None


def _id(value: int | None) -> int | None:
    """An id out of any database's range matches nothing rather than overflowing."""
    return value if value is None or 0 < value < 2**31 else -1


def _with_cis(qs: QuerySet[Contract], actor: User) -> QuerySet[Contract]:
    """One more query per page: the covered CIs' ids, within what the caller sees."""
    seen = cmdb.visible_cis(actor).select_related(None).only("id").order_by("id")
    return qs.prefetch_related(Prefetch("cis", queryset=seen, to_attr="seen_cis"))


def _out(c: Contract) -> ContractOut:
    return ContractOut(
        id=c.pk,
        reference=c.reference,
        name=c.name,
        kind=ContractKind(c.kind),
        category=ContractCategory(c.category),
        organisation_id=c.organisation_id,
        site_id=c.site_id,
        supplier_id=c.supplier_id,
        supplier_name=c.supplier.name if c.supplier_id else "",
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        active=bool(c.active),
        ci_ids=[ci.pk for ci in getattr(c, "seen_cis", [])],
    )


@router.get("/contracts", response=ContractPage, summary="Contracts")
def contract_list(
    request: HttpRequest,
    paging: Query[Paging],
    q: str | None = None,
    category: ContractCategory | None = None,
    kind: ContractKind | None = None,
    site: int | None = None,
    active: bool | None = None,
    on: dt.date | None = None,
) -> ContractPage:
    """Searched by reference or name; `active` keeps those in force (or not) on `on`
    (today by default), the day each row's `active` speaks of."""
    actor = api_actor(request)
    qs = cmdb.contract_search(
        actor=actor,
        term=(q or "")[:100],
        category=category or "",
        kind=kind or "",
        site=_id(site),
        active=active,
        on=on,
    )
    rows, cursor = paginate(_with_cis(qs, actor), paging.cursor, paging.limit, key=("id",))
    return ContractPage(items=[_out(c) for c in rows], next_cursor=cursor)


@router.get("/contracts/{contract_id}", response=ContractOut, summary="One contract")
def contract_detail(
    request: HttpRequest, contract_id: int, on: dt.date | None = None
) -> ContractOut:
    actor = api_actor(request)
    found = cmdb.contract_get(actor=actor, pk=_id(contract_id), on=on)
    rows = list(_with_cis(Contract.objects.filter(pk=found.pk), actor))
    found.seen_cis = rows[0].seen_cis if rows else []
    return _out(found)


@router.get("/cis/{ci_id}/contracts", response=ContractPage, summary="The contracts covering a CI")
def ci_contracts(
    request: HttpRequest, ci_id: int, paging: Query[Paging], on: dt.date | None = None
) -> ContractPage:
    """Each says whether it covers the CI on `on` (today by default): the CI is covered
    when one of them is `active`."""
    actor = api_actor(request)
    ci = cmdb.ci_get(actor=actor, pk=_id(ci_id))
    qs = cmdb.contracts_for_ci(actor=actor, ci=ci, on=on)
    rows, cursor = paginate(_with_cis(qs, actor), paging.cursor, paging.limit, key=("id",))
    return ContractPage(items=[_out(c) for c in rows], next_cursor=cursor)
