"""Daily reports (NOT-3, seed 002 §II.1): the outbox rows of one hourly slot.

Every hour the scheduler runs `daily_reports` with the slot (the exact UTC hour). A
preference is due when it is not suspended, lists something (scope other than "none"),
belongs to an active person with an e-mail address who is still a member of the active
service, and the slot's local hour (settings.TIME_ZONE; people have no time zone of their
own) is one of its hours; on Saturdays and Sundays only with "weekend". Hours are local
time, so 8:00 in Paris is 07:00 UTC in winter and 06:00 UTC in summer; an hour skipped by
the spring change is sent with the next one, and the autumn hour that happens twice sends
once (the key below names the local date and hour).

A report lists, per service, the open tickets the scope names: "free" every ticket of the
service, "categories" those of the categories the person manages there, "mine" those they
hold; each one is free (nobody holds it) or in progress (held). A postponed ticket leaves
that list; with "include_closed" the report adds the tickets that moved since the person's
previous report for that service (`last_report_slot`, or the slot the report was last
due when there was none) into a resolved or closed state (closed, or refused) or were
postponed. Workflows are data, so the kinds are read from them: a status entered by a
transition that requires a reason is a refusal when its state is closed and a
postponement when it stays open (ENT "Refusé" / "Reporté", ITIL "Rejected" / "Postponed").
Everything is read through `visible_tickets(recipient)`: a report never shows a ticket its
reader could not open. A report with nothing to list is not written.

"group_all" puts the person's grouped services due at this slot in one row; the others get
a row each. The row's `context` is a language-neutral snapshot (ids, keys, titles, status
and priority ids and codes, holder ids, ISO times, counts) that the mail renderer turns into
a mail in the row's `language`. Each row has the key
`daily_report:<user>:<service id|all>:<local date>:<local hour>`, unique in the outbox, so
any number of runs or schedulers write a report once. Cost: a few queries per slot plus two
ticket queries per recipient, counts and listed rows (more for a customer with visibility
grants).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber

from comptoir.accounts.models import User
from comptoir.catalog.models import ServiceMember
from comptoir.notifications.models import DailyReportPreference, Outbox, ReportScope
from comptoir.tickets.models import Ticket
from comptoir.tickets.selectors import visible_tickets
from comptoir.workflows.models import Requirement, State, Transition

KIND = "daily_report"
HOUR = timedelta(hours=1)
MAX_LISTED = 200  # tickets per service and section in one report; the counts stay exact
LOOKBACK_HOURS = 8 * 24  # how far back "the slot the report was last due" is looked for
USERS_PER_BATCH = 100
BUCKETS = ("free", "in_progress", "closed", "refused", "postponed")
TICKET_FIELDS = (
    "id",
    "key",
    "title",
    "service_id",
    "status_id",
    "status__code",
    "state",
    "priority_id",
    "priority__code",
    "assignee_id",
    "updated_at",
    "status_changed_at",
)


@dataclass(frozen=True)
class LocalSlot:
    """What a UTC slot means on the local clock."""

    date: date
    hour: int
    hours: frozenset[int]  # the local hours due now (more than one after the spring change)
    weekend: bool


def check_slot(slot: datetime) -> datetime:
    """A slot is an aware instant at an exact hour; anything else is a caller's bug."""
    if slot.tzinfo is None or slot.utcoffset() is None:
        raise ValueError(f"slot must be an aware datetime, not {slot!r}")
    slot = slot.astimezone(UTC)
    if (slot.minute, slot.second, slot.microsecond) != (0, 0, 0):
        raise ValueError(f"slot must be at an exact hour, not {slot.isoformat()}")
    return slot


def parse_slot(value: str) -> datetime:
    """The task's argument: an ISO datetime with its offset, e.g. 2026-03-02T07:00:00Z."""
    return check_slot(datetime.fromisoformat(value))


@lru_cache(maxsize=4096)
def _local(slot: datetime, zone: str) -> LocalSlot:
    tz = ZoneInfo(zone)
    here = slot.astimezone(tz)
    before = (slot - HOUR).astimezone(tz)
    first = before.hour + 1 if before.date() == here.date() else 0
    hours = frozenset({here.hour, *range(first, here.hour)})
    return LocalSlot(here.date(), here.hour, hours, here.weekday() >= 5)


def local_slot(slot: datetime) -> LocalSlot:
    return _local(check_slot(slot), settings.TIME_ZONE)


def is_due(pref: DailyReportPreference, slot: datetime) -> bool:
    """The hours and weekend rule alone (the rest is in `due_preferences`)."""
    local = local_slot(slot)
    return bool(local.hours.intersection(pref.hours())) and (pref.weekend or not local.weekend)


def due_preferences(slot: datetime) -> list[DailyReportPreference]:
    """The preferences that send a report at `slot`, with their user and service."""
    local = local_slot(slot)
    member = ServiceMember.objects.filter(
        user_id=OuterRef("user_id"), service_id=OuterRef("service_id")
    )
    qs = (
        DailyReportPreference.objects.filter(
            Q(hour1__in=local.hours) | Q(hour2__in=local.hours),
            Exists(member),
            scope__in=[ReportScope.FREE, ReportScope.CATEGORIES, ReportScope.MINE],
            suspended=False,
            user__is_active=True,
            service__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user", "service")
        .order_by("user_id", "service_id")
    )
    if local.weekend:
        qs = qs.filter(weekend=True)
    return list(qs)


def report_key(user_id: int, service_id: int | None, slot: datetime) -> str:
    local = local_slot(slot)
    target = "all" if service_id is None else str(service_id)
    return f"{KIND}:{user_id}:{target}:{local.date.isoformat()}:{local.hour:02d}"


def previous_slot(pref: DailyReportPreference, slot: datetime) -> datetime:
    """Where "since the last report" starts: the last report written for this service, or
    when there is none (a new preference, a retried slot) the last slot it was due."""
    last = pref.last_report_slot
    if last is not None and last < slot:
        return last
    for back in range(1, LOOKBACK_HOURS + 1):
        earlier = slot - back * HOUR
        if is_due(pref, earlier):
            return earlier
    return slot - timedelta(days=1)


@dataclass(frozen=True)
class StatusKinds:
    postponed: frozenset[int]
    refused: frozenset[int]


def status_kinds() -> StatusKinds:
    """Refusals and postponements, read from the workflows (see the module docstring)."""
    postponed, refused = set(), set()
    rows = Transition.objects.filter(to_status__state__in=[State.OPEN, State.CLOSED])
    for status_id, state, requires in rows.values_list(
        "to_status_id", "to_status__state", "requires"
    ):
        if Requirement.REASON in (requires or []):
            (postponed if state == State.OPEN else refused).add(status_id)
    return StatusKinds(frozenset(postponed), frozenset(refused))


def _scope_q(pref: DailyReportPreference) -> Q:
    q = Q(service_id=pref.service_id)
    if pref.scope == ReportScope.CATEGORIES:
        managed = ServiceMember.categories.through.objects.filter(
            servicemember__user_id=pref.user_id, servicemember__service_id=pref.service_id
        )
        q &= Q(category_id__in=managed.values("category_id"))
    elif pref.scope == ReportScope.MINE:
        q &= Q(assignee_id=pref.user_id)
    return q


def _bucket(row: dict[str, Any], kinds: StatusKinds) -> str:
    if row["status_id"] in kinds.postponed:
        return "postponed"
    if row["state"] == State.OPEN:
        return "free" if row["assignee_id"] is None else "in_progress"
    return "refused" if row["status_id"] in kinds.refused else "closed"


def _entry(row: dict[str, Any], bucket: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "key": row["key"],
        "title": row["title"],
        "bucket": bucket,
        "status_id": row["status_id"],
        "status": row["status__code"],
        "state": row["state"],
        "priority_id": row["priority_id"],
        "priority": row["priority__code"],
        "holder_id": row["assignee_id"],
        "updated_at": row["updated_at"].isoformat(),
        "status_changed_at": row["status_changed_at"].isoformat(),
    }


def user_sections(
    user: User, prefs: list[DailyReportPreference], slot: datetime, kinds: StatusKinds
) -> dict[int, dict[str, Any]]:
    """One section per service (by preference id), from one query through `user`'s view."""
    listed = Q(state=State.OPEN) & ~Q(status_id__in=kinds.postponed)
    moved = Q(state__in=[State.RESOLVED, State.CLOSED]) | Q(status_id__in=kinds.postponed)
    since = {p.pk: previous_slot(p, slot) for p in prefs if p.include_closed}
    wanted = Q(pk__in=[])
    for p in prefs:
        part = listed
        if p.include_closed:
            part |= moved & Q(status_changed_at__gt=since[p.pk], status_changed_at__lte=slot)
        wanted |= _scope_q(p) & part
    matching = visible_tickets(user).filter(wanted)
    counts = _bucket_counts(matching, kinds)
    by_service: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in _listed_rows(matching, listed):
        by_service[row["service_id"]].append(row)
    sections = {}
    for p in prefs:
        service_counts = counts.get(p.service_id) or dict.fromkeys(BUCKETS, 0)
        open_rows, moved_rows = [], []
        for row in by_service.get(p.service_id, []):
            bucket = _bucket(row, kinds)
            (open_rows if bucket in ("free", "in_progress") else moved_rows).append((row, bucket))
        listed_count = service_counts["free"] + service_counts["in_progress"]
        sections[p.pk] = {
            "service_id": p.service_id,
            "desk_id": p.service.desk_id,
            "scope": p.scope,
            "include_closed": p.include_closed,
            "since": since[p.pk].isoformat() if p.pk in since else None,
            "tickets": [_entry(r, b) for r, b in islice(open_rows, MAX_LISTED)],
            "moved": [_entry(r, b) for r, b in islice(moved_rows, MAX_LISTED)],
            "truncated": listed_count > MAX_LISTED
            or sum(service_counts.values()) - listed_count > MAX_LISTED,
            "counts": service_counts,
        }
    return sections


def _bucket_counts(matching: QuerySet, kinds: StatusKinds) -> dict[int, dict[str, int]]:
    """Each service's exact count per bucket, grouped in the database: at a million tickets
    a service has thousands open, and the covering index `t_service_report` counts them
    without reading the rows."""
    groups = (
        matching.annotate(held=ExpressionWrapper(Q(assignee__isnull=False), BooleanField()))
        .values("service_id", "state", "status_id", "held")
        .annotate(n=Count("*"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for g in groups:
        row = {"status_id": g["status_id"], "state": g["state"], "assignee_id": g["held"] or None}
        per = counts.setdefault(g["service_id"], dict.fromkeys(BUCKETS, 0))
        per[_bucket(row, kinds)] += g["n"]
    return counts


def _listed_rows(matching: QuerySet, listed: Q) -> QuerySet:
    """The first MAX_LISTED tickets of each service and section (open, moved), in the
    report's order: ranked inside the database, so only those rows are read and sent."""
    order = (F("priority__rank").asc(nulls_last=True), F("updated_at").desc(), F("id").desc())
    ranked = matching.annotate(
        rank_in_section=Window(
            RowNumber(),
            partition_by=[F("service_id"), ExpressionWrapper(listed, BooleanField())],
            order_by=order,
        )
    ).filter(rank_in_section__lte=MAX_LISTED)
    return Ticket.objects.filter(pk__in=ranked.values("pk")).order_by(*order).values(*TICKET_FIELDS)


def _row(user: User, sections: list[dict[str, Any]], slot: datetime, key: str) -> Outbox:
    local = local_slot(slot)
    totals = {b: sum(s["counts"][b] for s in sections) for b in BUCKETS}
    return Outbox(
        kind=KIND,
        key=key,
        organisation_id=user.organisation_id,
        recipient=user,
        email=user.email,
        language=user.language,
        context={
            "slot": slot.isoformat(),
            "time_zone": settings.TIME_ZONE,
            "local_date": local.date.isoformat(),
            "local_hour": local.hour,
            "services": sections,
            "counts": totals,
        },
    )


def user_reports(
    user: User, prefs: list[DailyReportPreference], slot: datetime, kinds: StatusKinds
) -> list[Outbox]:
    """The rows of one person at `slot`: the grouped services in one, the others alone;
    services with nothing to list are left out, and so is a report left empty."""
    sections = user_sections(user, prefs, slot, kinds)

    def worth(p: DailyReportPreference) -> bool:
        return any(sections[p.pk]["counts"].values())

    rows = [
        _row(user, [sections[p.pk]], slot, report_key(user.pk, p.service_id, slot))
        for p in prefs
        if not p.group_all and worth(p)
    ]
    grouped = [sections[p.pk] for p in prefs if p.group_all and worth(p)]
    if grouped:
        rows.append(_row(user, grouped, slot, report_key(user.pk, None, slot)))
    return rows


def write_reports(slot: datetime) -> dict[str, int]:
    """Write the reports due at `slot`; run it again and it writes nothing more."""
    slot = check_slot(slot)
    prefs = due_preferences(slot)
    result = {"due": len(prefs), "written": 0, "existing": 0, "empty": 0}
    if not prefs:
        return result
    kinds = status_kinds()
    by_user: dict[int, list[DailyReportPreference]] = defaultdict(list)
    for p in prefs:
        by_user[p.user_id].append(p)
    users = list(by_user)
    for start in range(0, len(users), USERS_PER_BATCH):
        batch = users[start : start + USERS_PER_BATCH]
        with transaction.atomic():
            rows = []
            for user_id in batch:
                user_prefs = by_user[user_id]
                made = user_reports(user_prefs[0].user, user_prefs, slot, kinds)
                result["empty"] += not made
                rows += made
            existing = set(
                Outbox.objects.filter(key__in=[r.key for r in rows]).values_list("key", flat=True)
            )
            fresh = [r for r in rows if r.key not in existing]
            # Another run may insert the same keys meanwhile: the constraint keeps one.
            Outbox.objects.bulk_create(fresh, ignore_conflicts=True)
            result["written"] += len(fresh)
            result["existing"] += len(existing)
            ids = [p.pk for user_id in batch for p in by_user[user_id]]
            DailyReportPreference.objects.filter(
                Q(last_report_slot__isnull=True) | Q(last_report_slot__lt=slot), pk__in=ids
            ).update(last_report_slot=slot)
    return result
