"""Reads the customer portal needs beyond `tickets.selectors`, each scoped to the actor.

Tickets are always read from `visible_tickets(actor)` (TEN-2); the catalogue rows a
customer may file against (types, categories, priorities) and the configuration items of
their own site (TEN-4, CMDB-1) are read here so the views stay thin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from comptoir.accounts.models import CUSTOMER_ROLES, Role, Site, User, VisibilityGrant
from comptoir.catalog.models import Category, Priority, TicketType
from comptoir.cmdb.models import ConfigurationItem
from comptoir.cmdb.selectors import visible_cis
from comptoir.core.errors import NotFound
from comptoir.core.i18n import tr
from comptoir.search import fts
from comptoir.search import selectors as search
from comptoir.tickets.models import Assessment, Mute, Ticket, TicketLink
from comptoir.tickets.selectors import LIST_RELATED, visible_tickets
from comptoir.workflows.models import State, Status, Transition

PAGE_SIZE = 25


# --- what a customer may file ------------------------------------------------------------


def creatable_types(*, actor: User) -> list[TicketType]:
    """The types a customer may create (TIC-1: 001's Licence is staff only), active desks."""
    return list(
        TicketType.objects.filter(customer_may_create=True, desk__is_active=True)
        .select_related("desk")
        .order_by("desk__slug", "order", "id")
    )


def creatable_type_get(*, actor: User, desk: str, code: str) -> TicketType:
    found = (
        TicketType.objects.filter(
            desk__slug=desk, code=code, customer_may_create=True, desk__is_active=True
        )
        .select_related("desk")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def category_choices(*, desk_id: int) -> QuerySet[Category]:
    """The desk's active categories, grouped by service (TIC-4)."""
    return (
        Category.objects.filter(service__desk_id=desk_id, is_active=True, service__is_active=True)
        .select_related("service")
        .order_by("service__name_fr", "service_id", "name_fr", "id")
    )


def priority_choices(*, desk_id: int) -> QuerySet[Priority]:
    return Priority.objects.filter(desk_id=desk_id).order_by("rank", "id")


def ci_choices(*, actor: User) -> QuerySet[ConfigurationItem]:
    """TEN-4, CMDB-1: only the CIs of the customer's own site; none without a site. With
    COMPTOIR_CI_BY_DEPARTMENT (000's option), only those of their department. The same
    scope as `cmdb.selectors.visible_cis`, which the API's search and `ticket_create`
    apply, so what the page offers is exactly what the write path accepts."""
    if not actor.is_customer:
        return ConfigurationItem.objects.none()
    return visible_cis(actor).order_by("name", "id")


def ci_refusal() -> str:
    """What a customer is told when they name a CI outside `ci_choices` (or a missing one:
    the same words, so nothing tells them another site's CI exists)."""
    if getattr(settings, "COMPTOIR_CI_BY_DEPARTMENT", False):
        return _("Choose equipment of your own department.")
    return _("Choose equipment of your own site.")


def affected_choices(*, actor: User) -> QuerySet[User]:
    """Whom a customer may name as the affected person. In external mode (TEN-4, 000: "the
    portal does not let the requester choose the user") only themself; otherwise a
    customer of their own site, or only themself without a site."""
    if settings.COMPTOIR_EXTERNAL_SUPPORT_MODE or not actor.site_id:
        return User.objects.filter(pk=actor.pk)
    return User.objects.filter(
        site_id=actor.site_id, role__in=list(CUSTOMER_ROLES), is_active=True
    ).order_by("last_name", "first_name", "username")


def template_for(*, actor: User, category: Category | None) -> tuple[str, str]:
    """TIC-6: the category's subject and body in the active language; empty for a user
    without site in external mode (TEN-4)."""
    if category is None or cannot_file(actor=actor):
        return "", ""
    return tr(category, "template_subject"), tr(category, "template_body")


def cannot_file(*, actor: User) -> bool:
    """TEN-4: in external mode a customer without a site cannot file a request."""
    return bool(settings.COMPTOIR_EXTERNAL_SUPPORT_MODE and not actor.site_id)


# --- my tickets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalFilters:
    """POR-2: by default my open tickets; search by number, title, status, name, reference.
    `scope` widens the list to one of `ticket_scopes` (TEN-3, TEN-7)."""

    text: str = ""
    status: str = ""  # a status name, in either language
    closed: bool = False  # closed ones too
    scope: str = "mine"

    @property
    def everyone(self) -> bool:
        return self.scope != "mine"


@dataclass(frozen=True)
class Page:
    rows: list[Ticket]
    next_cursor: str | None
    prev_cursor: str | None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(ticket: Ticket) -> str:
    micros = (ticket.updated_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{ticket.pk}"


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    match = re.fullmatch(r"(-?\d{1,20})\.(\d{1,20})", value or "")
    if not match:
        return None
    try:
        when = _EPOCH + timedelta(microseconds=int(match[1]))
    except OverflowError:
        return None
    return when, int(match[2])


@dataclass(frozen=True)
class Scope:
    value: str
    label: str


def ticket_scopes(*, actor: User) -> list[Scope]:
    """The lists a customer may pick in My tickets: their own (the default), and when they
    see more, their site's (customer manager, TEN-7), each grant's company or division
    (TEN-3), and everything they see. Each is a filter on `visible_tickets`, so no choice
    ever shows more than they may see; a grant revoked is gone from the next page."""
    wider: list[Scope] = []
    if actor.role == Role.CUSTOMER_MANAGER and actor.site_id:
        wider.append(
            Scope("site", _("All tickets of my site (%(site)s)") % {"site": actor.site.name})
        )
    grants = (
        VisibilityGrant.objects.filter(user_id=actor.pk)
        .select_related("organisation")
        .order_by("organisation__name", "division", "id")
    )
    for grant in grants:
        names = {"organisation": grant.organisation.name, "division": grant.division}
        if grant.division:
            label = _("All tickets of %(organisation)s, division %(division)s") % names
        elif grant.organisation_id == actor.organisation_id:
            label = _("All tickets of my company (%(organisation)s)") % names
        else:
            label = _("All tickets of %(organisation)s") % names
        wider.append(Scope(f"grant-{grant.pk}", label))
    if not wider:
        return [Scope("mine", _("My tickets"))]
    return [Scope("mine", _("My tickets")), *wider, Scope("all", _("All the tickets I may see"))]


def _scope_q(actor: User, scope: str) -> Q | None:
    """The filter of one of `ticket_scopes`, on top of `visible_tickets`; None: no filter.
    Anything else (a forged or revoked scope) is the actor's own tickets."""
    if scope == "all":
        return None
    if scope == "site" and actor.role == Role.CUSTOMER_MANAGER and actor.site_id:
        return Q(site_id=actor.site_id)
    match = re.fullmatch(r"grant-(\d{1,18})", scope)
    grant = (
        VisibilityGrant.objects.filter(user_id=actor.pk, pk=int(match[1])).first()
        if match
        else None
    )
    if grant is not None:
        q = Q(organisation_id=grant.organisation_id)
        if grant.division:
            sites = Site.objects.filter(
                organisation_id=grant.organisation_id, division=grant.division
            )
            q &= Q(site_id__in=sites.values("id"))
        return q
    return Q(reporter_id=actor.pk) | Q(affected_id=actor.pk)


def status_choices() -> list[str]:
    """Status names a customer may search for, in the active language, each once."""
    seen: dict[str, None] = {}
    statuses = Status.objects.filter(workflow__desk__is_active=True).order_by(
        "state", "order", "id"
    )
    for s in statuses.only("name_fr", "name_en", "state", "order"):
        seen.setdefault(s.name, None)
    return list(seen)


def _search(actor: User, qs: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    text = fts.clean(text)[:100]
    if not text:
        return qs
    people = User.objects.filter(role__in=list(CUSTOMER_ROLES)).filter(
        Q(first_name__icontains=text) | Q(last_name__icontains=text) | Q(username__iexact=text)
    )
    named = search.people_ids(people)
    also = Q(reporter_id__in=named) | Q(affected_id__in=named)
    number = text.lstrip("#")
    if number.isdigit() and len(number) < 10:
        also |= Q(number=int(number))
    words = search.text_q(actor, text, also=also)
    if words is None:
        return qs
    # A status named in full is a filter of its own (its tickets are most of the table:
    # not something to gather as ids); asked first, so the id set stays the words' one.
    statuses = list(
        Status.objects.filter(Q(name_fr__iexact=text) | Q(name_en__iexact=text)).values_list(
            "id", flat=True
        )
    )
    return qs.filter(words | Q(status_id__in=statuses)) if statuses else qs.filter(words)


def my_tickets(
    *, actor: User, filters: PortalFilters, after: str | None = None, before: str | None = None
) -> Page:
    """One page of tickets, newest updated first, by keyset (no count over millions)."""
    qs = visible_tickets(actor)
    if not filters.closed:
        qs = qs.filter(state__in=[State.OPEN, State.RESOLVED])
    scope = _scope_q(actor, filters.scope)
    if scope is not None:
        qs = qs.filter(scope)
    if filters.status:
        named = Status.objects.filter(Q(name_fr=filters.status) | Q(name_en=filters.status))
        qs = qs.filter(status_id__in=named.values("id"))
    qs = _search(actor, qs, filters.text).select_related(*LIST_RELATED)
    back = decode_cursor(before)
    forth = decode_cursor(after)
    if back is not None:
        when, pk = back
        older_first = qs.filter(Q(updated_at__gt=when) | Q(updated_at=when, id__gt=pk))
        rows = list(older_first.order_by("updated_at", "id")[: PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        has_prev, has_next = more, True
    else:
        if forth is not None:
            when, pk = forth
            qs = qs.filter(Q(updated_at__lt=when) | Q(updated_at=when, id__lt=pk))
        rows = list(qs.order_by("-updated_at", "-id")[: PAGE_SIZE + 1])
        has_next = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_prev = forth is not None
    return Page(
        rows=rows,
        next_cursor=encode_cursor(rows[-1]) if rows and has_next else None,
        prev_cursor=encode_cursor(rows[0]) if rows and has_prev else None,
    )


# --- one ticket ------------------------------------------------------------------------------


def is_muted(*, actor: User, ticket: Ticket) -> bool:
    """NOT-5; `ticket` comes from a selector, so it is one the actor may see."""
    return Mute.objects.filter(ticket_id=ticket.pk, user_id=actor.pk).exists()


def my_assessment(*, actor: User, ticket: Ticket) -> Assessment | None:
    return Assessment.objects.filter(
        ticket_id=ticket.pk, user_id=actor.pk, ticket__in=visible_tickets(actor)
    ).first()


def linked_tickets(*, actor: User, ticket: Ticket) -> list[tuple[str, Ticket]]:
    """TIC-5: the tickets this one references or is referenced by, that the actor sees."""
    visible = visible_tickets(actor).values("id")
    links = (
        TicketLink.objects.filter(Q(source_id=ticket.pk) | Q(target_id=ticket.pk))
        .filter(source_id__in=visible, target_id__in=visible)
        .select_related("source__status", "target__status")
        .order_by("created_at", "id")
    )
    out = []
    for link in links:
        if link.source_id == ticket.pk:
            out.append(("out", link.target))
        else:
            out.append(("in", link.source))
    return out


def awaiting_confirmation_status(*, ticket: Ticket) -> bool:
    """Whether the ticket sits where a resolution asks the requester to confirm (WF-5)."""
    return Transition.objects.filter(
        workflow_id=ticket.type.workflow_id, to_status_id=ticket.status_id, asks_confirmation=True
    ).exists()
