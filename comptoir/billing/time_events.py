"""The timeline's sentences for time events (BIL-1), in the reader's language.

The events are internal (staff only) and keep the entry's facts, so the sentence is
built from the event alone, even once the entry is gone: "logged 1 h 30 on 12/01/2026".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from comptoir.billing.durations import format_minutes
from comptoir.billing.periods import month_label

KINDS = ("time_logged", "time_corrected", "time_deleted")


def _label(value: Any) -> str:
    if isinstance(value, dict):
        lang = (translation.get_language() or "fr")[:2]
        return str(value.get(lang) or value.get("name") or value.get("fr") or "")
    return str(value or "")


def _day(value: str | None) -> str:
    try:
        return date_format(date.fromisoformat(value or ""), "SHORT_DATE_FORMAT")
    except ValueError:
        return value or "—"


def _month(value: str | None) -> str:
    try:
        return month_label(date.fromisoformat(value or ""), translation.get_language() or "fr")
    except ValueError:
        return value or "—"


def _consultant(data: dict[str, Any]) -> str:
    who = data.get("consultant") or (data.get("old") or {}).get("consultant")
    return _label(who) or "—"


def _is_own(data: dict[str, Any], actor_id: int | None) -> bool:
    who = data.get("consultant") or (data.get("old") or {}).get("consultant")
    return isinstance(who, dict) and who.get("id") == actor_id


def _minutes(value: Any) -> str:
    return format_minutes(int(value)) if isinstance(value, int) else "—"


def _changes(old: dict[str, Any], new: dict[str, Any]) -> str:
    said = []
    if "minutes" in new:
        said.append(f"{_minutes(old.get('minutes'))} → {_minutes(new.get('minutes'))}")
    if "worked_on" in new:
        said.append(_("moved to %(date)s") % {"date": _day(new.get("worked_on"))})
    if "billable" in new:
        said.append(_("now billable") if new["billable"] else _("now not billable"))
    if "note" in new:
        said.append(_("note changed"))
    return ", ".join(said)


def time_event_sentence(kind: str, data: dict[str, Any], actor_id: int | None) -> str:
    """What a time event says after the actor's name."""
    facts = {"name": _consultant(data), "date": _day(data.get("worked_on"))}
    own = _is_own(data, actor_id)
    if kind == "time_logged":
        facts["duration"] = _minutes(data.get("minutes"))
        if own:
            sentence = _("logged %(duration)s of work on %(date)s") % facts
        else:
            sentence = _("logged %(duration)s of work by %(name)s on %(date)s") % facts
        if data.get("billable") is False:
            sentence += _(" (not billable)")
        return sentence
    if kind == "time_corrected":
        facts["changes"] = _changes(data.get("old") or {}, data.get("new") or {})
        if own:
            sentence = _("corrected their time of %(date)s: %(changes)s") % facts
        else:
            sentence = _("corrected the time of %(name)s on %(date)s: %(changes)s") % facts
    elif kind == "time_deleted":
        old = data.get("old") or {}
        facts.update(duration=_minutes(old.get("minutes")), date=_day(old.get("worked_on")))
        if own:
            sentence = _("deleted %(duration)s of their time on %(date)s") % facts
        else:
            sentence = _("deleted %(duration)s of the time of %(name)s on %(date)s") % facts
    else:
        return kind
    if data.get("adjustment"):
        sentence += _(" (already billed: %(delta)s counted in %(month)s)") % {
            "delta": _minutes(data.get("delta")),
            "month": _month(data.get("period")),
        }
    return sentence
