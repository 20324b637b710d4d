"""The time panel of the agents' ticket page (BIL-1): totals, monthly tasks, entries, the
forms to log and correct time, and the person's timer.

Shown to the agents of the ticket's service and administrators only. Its reads are three
queries however many entries the ticket has: the service's members (how the person
stands to the ticket, whom a manager may log for, the person's timer), the entries with
their consultants and tasks, the tasks with their totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from comptoir.billing import selectors as sel
from comptoir.billing.actions import timer_elapsed
from comptoir.billing.durations import format_minutes
from comptoir.billing.models import TimeEntry
from comptoir.billing.time_forms import TimeEditForm, TimeLogForm, TimerStopForm

register = template.Library()


@register.filter
def duration(minutes: int | None) -> str:
    """Minutes as people read them: "1 h 30", "45 min"."""
    return format_minutes(int(minutes or 0))


@dataclass
class Row:
    entry: TimeEntry
    form: forms.Form | None
    is_open: bool
    name: str


def _rows(entries: list[TimeEntry], actor_id: int, manages: bool, ctx: Any) -> list[Row]:
    bound = ctx.get("forms") or {}
    opened = ctx.get("open", "")
    effective = sel.effective(entries)
    rows = []
    for e in entries:
        name = f"time_entry_{e.pk}"
        form = None
        if e.adjusts_id is None and (manages or e.consultant_id == actor_id):
            form = bound.get(name) or TimeEditForm(entry=e, effective=effective[e.pk])
        rows.append(Row(entry=e, form=form, is_open=opened == name, name=name))
    return rows


@register.simple_tag(takes_context=True)
def ticket_time_panel(context: template.Context) -> str:
    request = context.get("request")
    ticket = context.get("ticket")
    if request is None or ticket is None or not request.user.is_authenticated:
        return ""
    actor = request.user
    standing = sel.time_standing(actor=actor, ticket=ticket)
    if not standing.sees:
        return ""
    manages, consultants = standing.manages, standing.consultants
    entries = list(sel.time_entries(actor=actor, ticket=ticket))
    bound = context.get("forms") or {}
    timer = standing.timer
    ctx = {
        "ticket": ticket,
        "totals": sel.totals_of(entries),
        "tasks": list(sel.time_tasks(actor=actor, ticket=ticket)),
        "rows": _rows(entries, actor.pk, manages, context),
        "log_form": bound.get("time_log") or TimeLogForm(prefix="time", consultants=consultants),
        "log_open": context.get("open") == "time_log",
        "timer": timer,
        "timer_here": timer is not None and timer.ticket_id == ticket.pk,
        "timer_minutes": timer_elapsed(timer) if timer else 0,
        "stop_form": TimerStopForm(prefix="timer"),
        "today": timezone.localdate(),
        "here": reverse("console:ticket", kwargs={"key": ticket.key}) + "#time",
    }
    return render_to_string("billing/time_panel.html", ctx, request=request)
