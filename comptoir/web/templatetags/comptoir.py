"""Template helpers shared by the console and the portal: labels and timeline sentences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from comptoir.billing.time_events import KINDS as TIME_KINDS
from comptoir.billing.time_events import time_event_sentence
from comptoir.core.i18n import tr
from comptoir.sla.models import AlertTarget
from comptoir.tickets.models import Event, Ticket
from comptoir.workflows.models import WaitingReason

register = template.Library()


@register.filter
def label(value: Any) -> str:
    """An old/new value as events store it ({"id", "fr", "en"} or {"id", "name"})."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        lang = (translation.get_language() or "fr")[:2]
        return str(value.get(lang) or value.get("fr") or value.get("en") or value.get("name") or "")
    return str(value)


@register.filter
def bilingual(obj: Any, field: str) -> str:
    return tr(obj, field)


@register.simple_tag
def event_sentence(event: Event) -> str:
    """One line saying what happened, in the reader's language."""
    d = event.data or {}
    kind = event.kind
    if kind == "created":
        return _("created the ticket")
    if kind == "status":
        return _("changed the status from “%(old)s” to “%(new)s”") % {
            "old": label(d.get("old")),
            "new": label(d.get("new")),
        }
    if kind == "comment":
        return _("added an internal note") if event.internal else _("commented")
    if kind == "taken":
        return _("took the ticket")
    if kind == "assigned":
        return _("assigned the ticket to %(name)s") % {"name": label(d.get("new"))}
    if kind == "released":
        return _("released the ticket")
    if kind == "transferred":
        return _("transferred the ticket from “%(old)s” to “%(new)s”") % {
            "old": label(d.get("old")),
            "new": label(d.get("new")),
        }
    if kind == "escalated":
        return _("escalated the ticket from %(old)s to %(new)s") % {
            "old": label(d.get("old")),
            "new": label(d.get("new")),
        }
    if kind == "guest_added":
        return _("invited %(name)s to follow the ticket") % {"name": label(d.get("guest"))}
    if kind == "guest_removed":
        return _("removed %(name)s from the guests") % {"name": label(d.get("guest"))}
    if kind == "attachment":
        return _("attached %(files)s") % {"files": ", ".join(d.get("files", []))}
    if kind == "link":
        return _("linked this ticket to %(key)s") % {"key": d.get("target", "")}
    if kind == "fields":
        return _("changed %(fields)s") % {"fields": ", ".join(_field_name(f) for f in d)}
    if kind == "confirmation":
        return _("confirmed the resolution") if d.get("accepted") else _("refuted the resolution")
    if kind == "assessment":
        return _("assessed the solution: %(n)s/5") % {"n": d.get("satisfaction")}
    if kind == "converted":
        return _("converted the ticket from “%(old)s” to “%(new)s”") % {
            "old": label(d.get("old")),
            "new": label(d.get("new")),
        }
    if kind == "mute":
        return _("muted the ticket") if d.get("muted") else _("unmuted the ticket")
    if kind == "sla_warning":
        return _("warned that %(percent)s %% of the %(target)s time has elapsed (due %(due)s)") % {
            "percent": d.get("percent") or "?",
            "target": _sla_target(d.get("target")),
            "due": _moment(d.get("due")),
        }
    if kind in TIME_KINDS:
        return time_event_sentence(kind, d, event.actor_id)
    if kind == "sla_breached":
        return _("recorded an SLA breach: the %(target)s was due %(due)s") % {
            "target": _sla_target(d.get("target")),
            "due": _moment(d.get("at")),
        }
    return kind


def _sla_target(code: str | None) -> str:
    try:
        return str(AlertTarget(code).label)
    except ValueError:
        return code or "—"


def _moment(value: str | None) -> str:
    """An ISO moment stored in an event, in the reader's time zone and format."""
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return value or "—"
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


@register.simple_tag
def waiting_reason_name(event: Event) -> str:
    """The waiting reason a status event keeps by its code, named in the reader's language."""
    code = (event.data or {}).get("waiting_reason", "")
    desk = Ticket.objects.filter(pk=event.ticket_id).values("desk_id")[:1]
    reason = WaitingReason.objects.filter(desk_id=desk, code=code).first()
    return tr(reason, "name") if reason else code


def _field_name(name: str) -> str:
    names = {
        "title": _("the title"),
        "priority": _("the priority"),
        "qualification": _("the qualification"),
        "personal_reference": _("the personal reference"),
        "ci": _("the configuration item"),
    }
    return str(names.get(name, name))
