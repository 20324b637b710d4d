"""Load a preset: one desk with its levels, priorities, workflows, types and services.

Idempotent: every row is found by its natural key (desk slug, codes) and updated to the
preset's values, so loading twice changes nothing, and loading after an upgrade brings a
desk's preset rows up to date. Rows an administrator added beside the preset stay.
"""

from __future__ import annotations

import importlib
from datetime import time
from typing import Any

from django.db import transaction

from comptoir.catalog.models import (
    Category,
    Desk,
    Priority,
    Service,
    SupportLevel,
    TicketType,
)
from comptoir.sla.models import BusinessHours, Calendar, SlaPolicy
from comptoir.workflows.models import Status, Transition, WaitingReason, Workflow
from comptoir.workflows.presets import PRESET_NAMES


class UnknownPreset(ValueError):
    pass


def preset_data(name: str) -> dict[str, Any]:
    if name not in PRESET_NAMES:
        raise UnknownPreset(name)
    return importlib.import_module(f"comptoir.workflows.presets.{name}").PRESET


def _upsert(model, lookup: dict[str, Any], values: dict[str, Any]):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), True
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
    return obj, bool(changed)


def _split(item: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in keys}


@transaction.atomic
def load_preset(name: str) -> Desk:
    data = preset_data(name)
    desk_values = dict(data["desk"])
    slug = desk_values.pop("slug")
    desk, _ = _upsert(Desk, {"slug": slug}, desk_values)

    levels = {}
    for item in data.get("levels", []):
        levels[item["code"]], _ = _upsert(
            SupportLevel, {"desk": desk, "code": item["code"]}, _split(item, "code")
        )
    for item in data.get("priorities", []):
        _upsert(Priority, {"desk": desk, "code": item["code"]}, _split(item, "code"))
    for item in data.get("waiting_reasons", []):
        _upsert(WaitingReason, {"desk": desk, "code": item["code"]}, _split(item, "code"))

    workflows = {wf["code"]: _load_workflow(desk, wf) for wf in data["workflows"]}

    types = {}
    for order, item in enumerate(data["types"]):
        values = _split(item, "code", "workflow", "default_level", "convertible_to")
        values.update(
            workflow=workflows[item["workflow"]],
            default_level=levels.get(item.get("default_level")),
            order=order,
        )
        types[item["code"]], _ = _upsert(TicketType, {"desk": desk, "code": item["code"]}, values)
    for item in data["types"]:
        if item.get("convertible_to"):
            _upsert(
                TicketType,
                {"desk": desk, "code": item["code"]},
                {"convertible_to": types[item["convertible_to"]]},
            )

    for item in data["services"]:
        values = _split(item, "slug", "categories", "level")
        values["level"] = levels.get(item.get("level"))
        service, _ = _upsert(Service, {"desk": desk, "slug": item["slug"]}, values)
        for cat in item["categories"]:
            _upsert(Category, {"service": service, "slug": cat["slug"]}, _split(cat, "slug"))
    _load_sla(desk)
    return desk


DEFAULT_CALENDAR = "Heures ouvrées (Europe/Paris)"
# Priority rank → (first response, resolution), in business hours (docs/sla.md).
DEFAULT_TARGETS = {1: (4, 8), 2: (8, 24), 3: (16, 40), 4: (24, 80)}


def default_calendar() -> Calendar:
    """Mon–Fri 09:00–12:00 and 13:00–18:00, French public holidays; created once."""
    calendar, created = Calendar.objects.get_or_create(
        name=DEFAULT_CALENDAR, defaults={"time_zone": "Europe/Paris", "country": "FR"}
    )
    if created:
        BusinessHours.objects.bulk_create(
            BusinessHours(calendar=calendar, weekday=day, start=start, end=end)
            for day in range(5)
            for start, end in ((time(9), time(12)), (time(13), time(18)))
        )
    return calendar


def _load_sla(desk: Desk) -> None:
    """One policy per priority of the desk (any type), brought back to the defaults on each
    load like the other preset rows; policies added beside them (per type) stay."""
    calendar = default_calendar()
    for priority in Priority.objects.filter(desk=desk):
        first, resolution = DEFAULT_TARGETS.get(priority.rank, DEFAULT_TARGETS[4])
        SlaPolicy.objects.update_or_create(
            desk=desk,
            type=None,
            priority=priority,
            defaults={
                "calendar": calendar,
                "first_response_minutes": first * 60,
                "resolution_minutes": resolution * 60,
            },
        )


def _load_workflow(desk: Desk, data: dict[str, Any]) -> Workflow:
    values = _split(data, "code", "statuses", "transitions", "taken_status")
    wf, _ = _upsert(Workflow, {"desk": desk, "code": data["code"]}, values)
    statuses = {}
    for order, item in enumerate(data["statuses"]):
        values = _split(item, "code")
        values["order"] = order
        statuses[item["code"]], _ = _upsert(Status, {"workflow": wf, "code": item["code"]}, values)
    _upsert(Workflow, {"pk": wf.pk}, {"taken_status": statuses.get(data.get("taken_status"))})
    for order, item in enumerate(data["transitions"]):
        sources = item.get("from")
        sources = (
            [None] if sources is None else ([sources] if isinstance(sources, str) else sources)
        )
        for source in sources:
            values = _split(item, "code", "from", "to")
            values.update(to_status=statuses[item["to"]], order=order)
            _upsert(
                Transition,
                {"workflow": wf, "code": item["code"], "from_status": statuses.get(source)},
                values,
            )
    wf.refresh_from_db()
    return wf
