"""Who may read which manager dashboard, and the filters they chose (X-3).

A service manager reads the services they manage (`ServiceMember.can_manage`), an
administrator every service; anyone else is refused. The scope is a list of service ids
put into every query's WHERE clause, never a filter applied after fetching. The desk,
service and customer filters must name one of the choices offered, so a service the
actor does not manage is refused like an unknown one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, User
from comptoir.catalog.models import Desk, Service
from comptoir.core.errors import InvalidInput, PermissionDenied
from comptoir.reports.periods import Period, parse_period


@dataclass(frozen=True)
class Scope:
    """The services an actor reports on; `everything` for administrators."""

    actor: User
    services: tuple[Service, ...]
    everything: bool = False

    @property
    def service_ids(self) -> list[int]:
        return [s.pk for s in self.services]

    def desks(self) -> list[Desk]:
        seen: dict[int, Desk] = {}
        for s in self.services:
            seen.setdefault(s.desk_id, s.desk)
        return sorted(seen.values(), key=lambda d: d.slug)


def may_read_manager_reports(actor: User) -> bool:
    """Cheap check for a link: an administrator, or a manager of at least one service."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_admin:
        return True
    return actor.is_staff_member and actor.memberships.filter(can_manage=True).exists()


def manager_scope(actor: User) -> Scope:
    """The services `actor` may report on; PermissionDenied when none (one query)."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Only the provider's staff may read dashboards."))
    qs = Service.objects.select_related("desk").order_by("desk__slug", "name_fr")
    if actor.is_admin:
        return Scope(actor=actor, services=tuple(qs), everything=True)
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only the provider's staff may read dashboards."))
    services = tuple(qs.filter(members__user_id=actor.pk, members__can_manage=True))
    if not services:
        raise PermissionDenied(
            _(
                "The manager dashboards show the services you manage, and you manage none. "
                "Your own dashboard shows your queues."
            ),
            code="manages_nothing",
        )
    return Scope(actor=actor, services=services)


def customer_choices() -> list[Organisation]:
    """The customer organisations a dashboard may be narrowed to."""
    return list(Organisation.objects.filter(is_provider=False).order_by("name"))


@dataclass(frozen=True)
class Filters:
    """A dashboard's question: the period and, optionally, one desk, service, customer."""

    period: Period
    desk_id: int | None = None
    service_id: int | None = None
    organisation_id: int | None = None
    query: dict[str, str] = field(default_factory=dict)


def _id(raw: str | None, fieldname: str) -> int | None:
    if not raw:
        return None
    # `isdigit` alone lets "²" through, which `int` refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise InvalidInput(_("Choose a value from the list."), field=fieldname)
    return int(raw)


KEPT = ("preset", "from", "to", "bucket", "desk", "service", "organisation")


def parse_filters(
    scope: Scope, query: Mapping[str, str], organisations: list[Organisation]
) -> Filters:
    """The filters of a query string, each checked against what `scope` offers."""
    period = parse_period(query)
    desk_id = _id(query.get("desk"), "desk")
    service_id = _id(query.get("service"), "service")
    organisation_id = _id(query.get("organisation"), "organisation")
    if desk_id is not None and desk_id not in {d.pk for d in scope.desks()}:
        raise InvalidInput(_("Choose a desk from the list."), field="desk")
    if service_id is not None and service_id not in set(scope.service_ids):
        raise InvalidInput(_("Choose a service from the list."), field="service")
    if organisation_id is not None and organisation_id not in {o.pk for o in organisations}:
        raise InvalidInput(_("Choose a customer from the list."), field="organisation")
    kept = {k: query.get(k, "") for k in KEPT if query.get(k)}
    return Filters(period, desk_id, service_id, organisation_id, kept)


def ticket_q(scope: Scope, filters: Filters, prefix: str = "") -> Q:
    """The WHERE clause that keeps the tickets of the scope and filters; `prefix` is the
    path to the ticket from another model ("ticket__")."""
    q = Q()
    if not scope.everything:
        q &= Q(**{f"{prefix}service_id__in": scope.service_ids})
    if filters.service_id:
        q &= Q(**{f"{prefix}service_id": filters.service_id})
    if filters.desk_id:
        q &= Q(**{f"{prefix}desk_id": filters.desk_id})
    if filters.organisation_id:
        q &= Q(**{f"{prefix}organisation_id": filters.organisation_id})
    return q
