"""The first rows of a ticket list in the actor's scope, read index by index.

Visibility is an OR of a few simple conditions (a service the agent belongs to, tickets
assigned to them, those they are a guest of; for a customer: reported, affected, site,
organisation). PostgreSQL cannot walk one index in sort order across an OR, so at a
million tickets it fetched every matching row and sorted them (a free queue: 15,000 heap
blocks, 200 ms). Split into branches — one per disjunct and per state — each branch is one
`(column, state, updated_at)` index range read in order and stopped after `n` rows; the
page is the first `n` of their union. Every branch is also filtered by the full queryset,
so the scope is `visible_tickets` exactly: a branch can only narrow, never widen, it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from comptoir.accounts.models import Role, Site, User
from comptoir.catalog.models import ServiceMember
from comptoir.tickets.models import Guest, Ticket
from comptoir.tickets.selectors import _grants
from comptoir.workflows.models import State

# Beyond this many branches one sorted scan is cheaper than the union.
MAX_BRANCHES = 64


def visibility_branches(actor: User) -> list[Q] | None:
    """The disjuncts of `visibility_q(actor)` with literal ids; None when there is no
    useful split (administrators see everything, inactive users nothing). Their union must
    cover the scope: a ticket left out of every branch would vanish from the lists."""
    if not actor.is_authenticated or not actor.is_active or actor.is_admin:
        return None
    guest_of = Q(pk__in=Guest.objects.filter(user_id=actor.pk).values("ticket_id"))
    if actor.is_staff_member:
        out = [Q(service_id=s) for s in member_service_ids(actor)]
        return [*out, Q(assignee_id=actor.pk), guest_of]
    out = [Q(reporter_id=actor.pk), Q(affected_id=actor.pk), guest_of]
    if actor.role == Role.CUSTOMER_MANAGER and actor.site_id:
        out.append(Q(site_id=actor.site_id))
    for grant in _grants(actor):
        if grant.division:
            sites = Site.objects.filter(
                organisation_id=grant.organisation_id, division=grant.division
            )
            out.append(Q(site_id__in=sites.values("id")))
        else:
            out.append(Q(organisation_id=grant.organisation_id))
    return out


def member_service_ids(actor: User) -> list[int]:
    """Every service the agent belongs to, active or not (visibility does not look at
    `is_active`), read once per request: a page that lists the agent's services already
    read them (`remember_member_services`)."""
    cached = getattr(actor, "_member_service_ids", None)
    if cached is None:
        rows = ServiceMember.objects.filter(user_id=actor.pk).values_list("service_id", flat=True)
        cached = remember_member_services(actor, rows)
    return cached


def remember_member_services(actor: User, service_ids: Iterable[int]) -> list[int]:
    actor._member_service_ids = sorted(set(service_ids))
    return actor._member_service_ids


def state_values(state: str | None) -> list[str]:
    """The states a list filter keeps, one branch each ("active" = open or resolved)."""
    if state == "active":
        return [State.OPEN, State.RESOLVED]
    if state in State.values:
        return [state]
    return list(State.values)


def first_rows(
    qs: QuerySet[Ticket],
    *,
    rows: QuerySet[Ticket],
    branches: Sequence[Q] | None,
    states: Sequence[str],
    order: Sequence[str],
    n: int,
) -> QuerySet[Ticket]:
    """`qs.order_by(*order)[:n]`, computed as the first `n` of the per-branch first `n`.

    `qs` must already hold the whole filter (scope, state, cursor); the branches only
    tell the database which index to read. `rows` is the scope with the select_related and
    annotations the caller needs, without the list's own filters: re-applied around the
    few ids, those made PostgreSQL scan the whole queue again instead of reading the ids
    by primary key. One statement, on SQLite as on PostgreSQL."""
    if not branches or len(branches) * len(states) > MAX_BRANCHES:
        return qs.order_by(*order)[:n]
    parts, params = [], []
    for i, branch in enumerate(branches):
        for j, state in enumerate(states):
            one = qs.filter(branch, state=state).order_by(*order).values("pk")[:n]
            sql, p = one.query.sql_with_params()
            # Django compiled `sql`; every value is in `p`.
            parts.append(f"SELECT b{i}_{j}.pk FROM ({sql}) AS b{i}_{j}")  # noqa: S608
            params.extend(p)
    union = " UNION ALL ".join(parts)
    if connection.vendor == "postgresql":
        # `id IN (subquery)` let the planner hash-join the ids against a scan of the whole
        # scope; `= ANY(ARRAY(...))` computes them once, then reads them by primary key.
        table = connection.ops.quote_name(Ticket._meta.db_table)
        found = RawSQL(  # noqa: S611
            f"{table}.id = ANY(ARRAY({union}))",
            params,
            output_field=BooleanField(),
        )
        return rows.filter(found).order_by(*order)[:n]
    return rows.filter(pk__in=RawSQL(union, params)).order_by(*order)[:n]  # noqa: S611
