"""Writes on how people want to be told (NOT-2 watch levels, NOT-3 daily reports).

A service's agent sets their own preferences for each service they belong to (002 §II
"Editer vos préférences de gestionnaire"); a manager of the service (`can_manage`) or an
administrator may set them for any member of it. Keyword-only, one transaction, the check
inside; a refusal is a `DomainError` naming the field it concerns.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.catalog.models import Service, ServiceMember
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.notifications.models import (
    DailyReportPreference,
    ReportScope,
    Watch,
    WatchLevel,
    WatchPreference,
)


def _target(actor: User, service: Service, user: User | None) -> User:
    """Whose preferences are set: one's own, or (for a manager) a member's."""
    user = user or actor
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Sign in first."))
    memberships = {
        m.user_id: m.can_manage
        for m in ServiceMember.objects.filter(service=service, user_id__in={actor.pk, user.pk})
    }
    if user.pk not in memberships:
        raise NotFound(_("This person is not a manager of this service."), field="user")
    if user.pk != actor.pk and not (actor.is_admin or memberships.get(actor.pk)):
        raise PermissionDenied(
            _("Only a manager of the service may change someone else's preferences."),
            code="not_service_manager",
        )
    return user


def _watch(value: str | None, field: str) -> str:
    if value not in Watch.values:
        raise InvalidInput(_("Choose never, on creation or always."), field=field)
    return value


def watch_level_set(
    *,
    actor: User,
    service: Service,
    level: str,
    any_ticket: str | None = None,
    category_ticket: str | None = None,
    held_ticket: str | None = None,
    user: User | None = None,
) -> WatchPreference:
    """NOT-2: "medium" (the default grid) or a custom grid of {any ticket, ticket of a
    category I manage, ticket I hold} × {never, on creation, always}."""
    if level not in WatchLevel.values:
        raise InvalidInput(_("Choose the medium or a custom watch level."), field="level")
    grid = dict(WatchPreference.MEDIUM_GRID)
    if level == WatchLevel.CUSTOM:
        grid = {
            "any": _watch(any_ticket, "any_ticket"),
            "category": _watch(category_ticket, "category_ticket"),
            "held": _watch(held_ticket, "held_ticket"),
        }
    with transaction.atomic():
        user = _target(actor, service, user)
        pref, _created = WatchPreference.objects.update_or_create(
            user=user,
            service=service,
            defaults={
                "level": level,
                "any_ticket": grid["any"],
                "category_ticket": grid["category"],
                "held_ticket": grid["held"],
            },
        )
    return pref


def _hour(value: int | str | None, field: str, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(_("Choose the hour the report is sent."), field=field)
        return None
    try:
        hour = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        hour = -1
    if not 0 <= hour <= 23:
        raise InvalidInput(_("An hour is a number from 0 to 23."), field=field)
    return hour


def daily_report_set(
    *,
    actor: User,
    service: Service,
    scope: str,
    hour1: int | None = 8,
    hour2: int | None = None,
    weekend: bool = False,
    suspended: bool = False,
    group_all: bool = False,
    include_closed: bool = False,
    user: User | None = None,
) -> DailyReportPreference:
    """NOT-3: which tickets the daily report of this service lists (free / my categories /
    mine / none), sent at one or two hours, on weekends or not; suspend it, group all
    services in one mail, include tickets closed, refused or postponed since the last one."""
    if scope not in ReportScope.values:
        raise InvalidInput(_("Choose which tickets the report lists."), field="scope")
    first = _hour(hour1, "hour1", required=scope != ReportScope.NONE)
    second = _hour(hour2, "hour2", required=False)
    if first is None:
        first = 8
    if second == first:
        second = None
    with transaction.atomic():
        user = _target(actor, service, user)
        pref, _created = DailyReportPreference.objects.update_or_create(
            user=user,
            service=service,
            defaults={
                "scope": scope,
                "hour1": first,
                "hour2": second,
                "weekend": bool(weekend),
                "suspended": bool(suspended),
                "group_all": bool(group_all),
                "include_closed": bool(include_closed),
            },
        )
    return pref
