"""Reads the console needs beyond `tickets.selectors`, all scoped to the actor.

Every ticket read starts from `visible_tickets(actor)`. Queues are paged by keyset (the
sort columns plus `id`), never by OFFSET and never counted in full: a tab shows "99+"
after a bounded count, so a million tickets cost what fifty do.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import User
from comptoir.catalog.models import (
    Category,
    Desk,
    PermanentGuest,
    Priority,
    Service,
    ServiceMember,
    SupportLevel,
)
from comptoir.cmdb.models import ConfigurationItem
from comptoir.notifications.models import DailyReportPreference, WatchPreference
from comptoir.search import fts
from comptoir.search import selectors as search
from comptoir.tickets import topn
from comptoir.tickets.models import Guest, Ticket, TicketLink
from comptoir.tickets.relations import relations, service_roster
from comptoir.tickets.selectors import LIST_RELATED, visible_tickets
from comptoir.workflows import engine
from comptoir.workflows.models import Actor, Party, State, Status, Transition, WaitingReason

PAGE_SIZE = 50
COUNT_CAP = 100

QUEUES: dict[str, Any] = {
    "free": _("Free"),
    "mine": _("Mine"),
    "categories": _("My categories"),
    "waiting": _("Waiting on customer"),
    "following": _("Following"),
    "all": _("All"),
}
STATES: dict[str, Any] = {
    "active": _("Open or resolved"),
    "open": _("Open"),
    "resolved": _("Resolved"),
    "closed": _("Closed"),
    "any": _("Any state"),
}
# name → ((column, descending), …); `id` always ends the key so the order is total.
SORTS: dict[str, tuple[Any, tuple[tuple[str, bool], ...]]] = {
    "updated": (_("Last updated"), (("updated_at", True), ("id", True))),
    "oldest": (_("Least recently updated"), (("updated_at", False), ("id", False))),
    "created": (_("Newest"), (("created_at", True), ("id", True))),
    "priority": (_("Priority"), (("prank", False), ("updated_at", True), ("id", True))),
    "status": (_("Status"), (("sorder", False), ("updated_at", True), ("id", True))),
    "age": (_("Longest in its status"), (("status_changed_at", False), ("id", False))),
    "sla": (_("SLA due first"), (("sdue", False), ("id", False))),
}
# Tickets without a running SLA deadline sort after every real one (SLA-2).
NO_DUE = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class QueueParams:
    queue: str = "free"
    state: str = ""  # "" = the queue's default
    text: str = ""
    desk_id: int | None = None
    service_id: int | None = None
    status_id: int | None = None
    priority_id: int | None = None
    sort: str = "updated"
    after: str = ""
    before: str = ""


@dataclass
class QueuePage:
    rows: list[Ticket]
    next_cursor: str = ""
    prev_cursor: str = ""
    params: QueueParams = field(default_factory=QueueParams)


def my_service_ids(actor: User) -> QuerySet:
    return ServiceMember.objects.filter(user_id=actor.pk).values("service_id")


def default_state(queue: str) -> str:
    return "open" if queue == "free" else "active"


def queue_queryset(actor: User, queue: str, state: str = "") -> QuerySet[Ticket]:
    """The tickets of one queue, unfiltered and unsorted, within what `actor` sees."""
    qs = visible_tickets(actor)
    if queue == "free":
        qs = qs.filter(service_id__in=my_service_ids(actor), assignee__isnull=True)
    elif queue == "mine":
        qs = qs.filter(assignee_id=actor.pk)
    elif queue == "categories":
        managed = ServiceMember.categories.through.objects.filter(servicemember__user_id=actor.pk)
        qs = qs.filter(category_id__in=managed.values("category_id"))
    elif queue == "waiting":
        awaiting = Status.objects.filter(awaiting_party=Party.REQUESTER).values("id")
        qs = qs.filter(status_id__in=awaiting)
    elif queue == "following":
        qs = qs.filter(pk__in=Guest.objects.filter(user_id=actor.pk).values("ticket_id"))
    state = state or default_state(queue)
    if state == "active":
        qs = qs.filter(state__in=[State.OPEN, State.RESOLVED])
    elif state in State.values:
        qs = qs.filter(state=state)
    return qs


def queue_counts(actor: User) -> dict[str, str]:
    """Each queue's size for its tab, counted up to COUNT_CAP only ("99+"): each count
    stops at COUNT_CAP rows, and the six counts go to the database as one statement of
    six scalar subqueries rather than six round trips."""
    parts, params = [], []
    for i, name in enumerate(QUEUES):
        inner = queue_queryset(actor, name).order_by().values("id")[:COUNT_CAP]
        sql, p = inner.query.sql_with_params()
        # Django compiled `sql`; every value is in `params`.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{i})")  # noqa: S608
        params.extend(p)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {
        name: f"{COUNT_CAP - 1}+" if n >= COUNT_CAP else str(n)
        for name, n in zip(QUEUES, row, strict=True)
    }


def _filtered(actor: User, p: QueueParams) -> QuerySet[Ticket]:
    qs = queue_queryset(actor, p.queue, p.state)
    if p.desk_id:
        qs = qs.filter(desk_id=p.desk_id)
    if p.service_id:
        qs = qs.filter(service_id=p.service_id)
    if p.status_id:
        qs = qs.filter(status_id=p.status_id)
    if p.priority_id:
        qs = qs.filter(priority_id=p.priority_id)
    words = fts.clean(p.text)
    if words:
        people = User.objects.filter(Q(last_name__icontains=words) | Q(username__iexact=words))
        qs = qs.filter(
            search.text_q(actor, words, also=Q(affected_id__in=search.people_ids(people)))
        )
    return _sort_keys(qs)


def _sort_keys(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.annotate(
        prank=Coalesce(F("priority__rank"), Value(32767)),
        sorder=F("status__order"),
        sdue=Coalesce(F("sla_resolution_due"), Value(NO_DUE)),
    )


def _encode(row: Ticket, keys: Sequence[tuple[str, bool]]) -> str:
    values = []
    for name, _desc in keys:
        v = getattr(row, name)
        values.append(["d", v.isoformat()] if isinstance(v, datetime) else ["i", int(v)])
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, keys: Sequence[tuple[str, bool]]) -> list[Any] | None:
    """The sort values a cursor carries; None for a malformed one (then: the first page).
    A forged cursor only moves within the actor's own scope."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys):
            return None
        out = []
        for kind, v in values:
            if kind == "d":
                when = datetime.fromisoformat(v)
                if when.tzinfo is None:
                    return None
                out.append(when)
            else:
                out.append(int(v))
        return out
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        return None


def _beyond(keys: Sequence[tuple[str, bool]], values: list[Any], *, forward: bool) -> Q:
    """Rows strictly after (forward) or before the row with `values` in the sort order."""
    q = Q(pk__in=[])
    first, desc0 = keys[0]
    # Implied by the OR below, but an index range bound the planner can use on its own.
    bound = Q(**{f"{first}__{'lte' if (desc0 if forward else not desc0) else 'gte'}": values[0]})
    for i, (name, desc) in enumerate(keys):
        down = desc if forward else not desc
        step = Q(**{f"{name}__{'lt' if down else 'gt'}": values[i]})
        for j in range(i):
            step &= Q(**{keys[j][0]: values[j]})
        q |= step
    return bound & q


def queue_page(*, actor: User, params: QueueParams) -> QueuePage:
    """One page of a queue, PAGE_SIZE rows, with cursors to the next and previous pages."""
    p = params
    keys = SORTS.get(p.sort, SORTS["updated"])[1]
    order = [f"-{n}" if desc else n for n, desc in keys]
    reverse = [n if desc else f"-{n}" for n, desc in keys]
    related = (*LIST_RELATED, "site", "organisation")
    qs = _filtered(actor, p).select_related(*related)
    split = {
        "rows": _sort_keys(visible_tickets(actor)).select_related(*related),
        "branches": topn.visibility_branches(actor),
        "states": topn.state_values(p.state or default_state(p.queue)),
        "n": PAGE_SIZE + 1,
    }
    before = _decode(p.before, keys) if p.before else None
    after = _decode(p.after, keys) if p.after and before is None else None
    if before is not None:
        back = qs.filter(_beyond(keys, before, forward=False))
        rows = list(topn.first_rows(back, order=reverse, **split))
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        page = QueuePage(rows=rows, params=p)
        if rows:
            page.prev_cursor = _encode(rows[0], keys) if more else ""
            page.next_cursor = _encode(rows[-1], keys)
        return page
    if after is not None:
        qs = qs.filter(_beyond(keys, after, forward=True))
    rows = list(topn.first_rows(qs, order=order, **split))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    page = QueuePage(rows=rows, params=p)
    if rows:
        page.next_cursor = _encode(rows[-1], keys) if more else ""
        page.prev_cursor = _encode(rows[0], keys) if after is not None else ""
    return page


# --- Choices for the queue filters and the ticket page -----------------------------------


def my_desks(actor: User) -> list[Desk]:
    qs = Desk.objects.filter(is_active=True)
    if not actor.is_admin:
        qs = qs.filter(services__members__user_id=actor.pk).distinct()
    return list(qs.order_by("slug"))


def my_services(actor: User) -> list[Service]:
    """The active services of the actor (all, for an administrator). An agent's inactive
    ones are read too, to remember every membership for the queue's branches (topn)."""
    qs = Service.objects.select_related("desk").order_by("desk__slug", "name_fr")
    if actor.is_admin:
        return list(qs.filter(is_active=True))
    found = list(qs.filter(members__user_id=actor.pk))
    topn.remember_member_services(actor, [s.pk for s in found])
    return [s for s in found if s.is_active]


def filter_statuses(desks: Sequence[Desk]) -> list[Status]:
    return list(
        Status.objects.filter(workflow__desk__in=desks)
        .select_related("workflow__desk")
        .order_by("workflow__desk__slug", "workflow__code", "order")
    )


def filter_priorities(desks: Sequence[Desk]) -> list[Priority]:
    return list(
        Priority.objects.filter(desk__in=desks)
        .select_related("desk")
        .order_by("desk__slug", "rank")
    )


def moves_after_take(*, actor: User, ticket: Ticket) -> list[Transition]:
    """The moves "take and …" may chain (AG-1: take and close, take and request
    information): those the actor could fire once holding the ticket, from the status the
    take leads to, minus releasing it again and the scheduler's own moves."""
    if ticket.assignee_id is not None or ticket.status.is_final:
        return []
    rel = relations(actor, ticket)
    if not rel & {Actor.AGENT, Actor.ADMIN}:
        return []
    workflow = ticket.type.workflow
    status = ticket.status
    take = engine.take_transition(status, workflow)
    if take is not None:
        status = take.to_status
    release = engine.release_transition(status, workflow)
    out = []
    for t in engine.available_transitions(status, rel | {Actor.ASSIGNEE}):
        if release is not None and t.pk == release.pk:
            continue
        if t.needs_confirmation or (Actor.SYSTEM in t.actors and len(t.actors) == 1):
            continue
        out.append(t)
    return out


def service_agents(service_id: int) -> list[ServiceMember]:
    """The agents a ticket of this service may be assigned to (AG-2), from the roster the
    ticket page reads once (tickets/relations.py)."""
    return [m for m in service_roster(service_id) if m.user.is_active]


def desk_categories(desk_id: int) -> list[Category]:
    """The service/category tree of a desk, for transfers and new tickets (AG-4, AG-7)."""
    return list(
        Category.objects.filter(service__desk_id=desk_id, is_active=True, service__is_active=True)
        .select_related("service")
        .order_by("service__name_fr", "name_fr")
    )


def higher_levels(ticket: Ticket) -> list[SupportLevel]:
    qs = SupportLevel.objects.filter(desk_id=ticket.desk_id).order_by("rank")
    if ticket.level is not None:
        qs = qs.filter(rank__gt=ticket.level.rank)
    return list(qs)


def waiting_reasons(desk_id: int) -> list[WaitingReason]:
    return list(WaitingReason.objects.filter(desk_id=desk_id).order_by("order"))


def ticket_cis(ticket: Ticket) -> list[ConfigurationItem]:
    """The configuration items a ticket may name (CMDB-1): those of its own site, within
    its own organisation (a ticket without site: CIs without site of that organisation)."""
    return list(
        ConfigurationItem.objects.filter(
            organisation_id=ticket.organisation_id, site_id=ticket.site_id
        ).order_by("name")[:500]
    )


def desk_priorities(desk_id: int) -> list[Priority]:
    return list(Priority.objects.filter(desk_id=desk_id).order_by("rank"))


@dataclass
class LinkRow:
    kind: str
    direction: str  # "out" (this ticket → other) or "in"
    other: Ticket


def ticket_links(*, actor: User, ticket: Ticket) -> list[LinkRow]:
    """Links from and to the ticket whose other end the actor may see (TIC-5)."""
    seen = visible_tickets(actor).values("pk")
    links = (
        TicketLink.objects.filter(
            Q(source_id=ticket.pk, target__in=seen) | Q(target_id=ticket.pk, source__in=seen)
        )
        .select_related("source__status", "target__status")
        .order_by("created_at", "id")
    )
    out = []
    for link in links:
        if link.source_id == ticket.pk:
            out.append(LinkRow(kind=link.get_kind_display(), direction="out", other=link.target))
        else:
            out.append(LinkRow(kind=link.get_kind_display(), direction="in", other=link.source))
    return out


# --- Service management -------------------------------------------------------------------


def service_get(*, actor: User, pk: int) -> Service:
    """A service the actor belongs to (any service for an administrator); else NotFound."""
    from comptoir.core.errors import NotFound

    qs = Service.objects.select_related("desk", "level")
    if not actor.is_admin:
        qs = qs.filter(members__user_id=actor.pk)
    found = qs.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def service_members(service: Service) -> list[ServiceMember]:
    return list(
        ServiceMember.objects.filter(service=service)
        .select_related("user", "level")
        .prefetch_related("categories")
        .order_by("-can_manage", "user__last_name", "user__username")
    )


def service_permanent_guests(service: Service) -> list[PermanentGuest]:
    return list(
        PermanentGuest.objects.filter(service=service)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )


def service_categories(service: Service) -> list[Category]:
    return list(
        Category.objects.filter(service=service).select_related("service").order_by("name_fr")
    )


def watch_preferences(*, service_ids: Sequence[int], user_ids: Sequence[int]) -> dict:
    rows = WatchPreference.objects.filter(service_id__in=service_ids, user_id__in=user_ids)
    return {(p.service_id, p.user_id): p for p in rows}


def report_preferences(*, service_ids: Sequence[int], user_ids: Sequence[int]) -> dict:
    rows = DailyReportPreference.objects.filter(service_id__in=service_ids, user_id__in=user_ids)
    return {(p.service_id, p.user_id): p for p in rows}


def memberships(actor: User) -> list[ServiceMember]:
    return list(
        ServiceMember.objects.filter(user_id=actor.pk, service__is_active=True)
        .select_related("service__desk")
        .order_by("service__desk__slug", "service__name_fr")
    )
