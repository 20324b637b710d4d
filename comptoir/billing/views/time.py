"""What the time panel of the console's ticket page posts to (BIL-1).

Each view reads the ticket or the entry through the selectors (another tenant's, or one
whose time the person may not see, is a 404 like a missing one), calls one action and
goes back to the ticket page with a message; a refused form is shown again on the ticket
page, open, with what was typed and the error next to its field.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.billing import actions
from comptoir.billing import selectors as sel
from comptoir.billing.durations import format_minutes
from comptoir.billing.statement_format import month_text
from comptoir.billing.time_forms import TimeEditForm, TimeLogForm, TimerStopForm
from comptoir.console.views.common import safe_next, ticket_or_404, ticket_url
from comptoir.console.views.ticket import render_ticket
from comptoir.core.errors import DomainError
from comptoir.tickets.models import Ticket
from comptoir.tickets.selectors import ticket_get
from comptoir.web.access import staff_required
from comptoir.web.forms import call_action

PANEL = "#time"


def _back(request: HttpRequest, ticket: Ticket | None = None) -> HttpResponse:
    target = safe_next(request)
    if target:
        return redirect(target)
    if ticket is not None:
        return redirect(ticket_url(ticket) + PANEL)
    return redirect("console:queue")


def _entry_or_404(request: HttpRequest, pk: int):
    try:
        entry = sel.time_entry_get(actor=request.user, pk=pk)
        ticket = ticket_get(actor=request.user, pk=entry.ticket_id)
    except DomainError:
        raise Http404() from None
    return entry, ticket


def _refused(request: HttpRequest, ticket: Ticket, name: str, form: forms.Form) -> HttpResponse:
    return render_ticket(request, ticket, name, form)


@staff_required
@require_POST
def log(request: HttpRequest, key: str) -> HttpResponse:
    ticket = ticket_or_404(request, key)
    consultants = sel.time_consultants(actor=request.user, ticket=ticket)
    form = TimeLogForm(request.POST, prefix="time", consultants=consultants)
    if not form.is_valid():
        return _refused(request, ticket, "time_log", form)
    data = form.cleaned_data
    entry, error = call_action(
        request,
        actions.time_log,
        form=form,
        actor=request.user,
        ticket=ticket,
        minutes=data["minutes"],
        worked_on=data["worked_on"],
        note=data["note"],
        billable=data["billable"],
        consultant=form.chosen_consultant(consultants),
    )
    if error is not None:
        return _refused(request, ticket, "time_log", form)
    messages.success(
        request,
        _("Logged %(duration)s on %(key)s.")
        % {"duration": format_minutes(entry.minutes), "key": ticket.key},
    )
    return _back(request, ticket)


@staff_required
@require_POST
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    entry, ticket = _entry_or_404(request, pk)
    form = TimeEditForm(request.POST, entry=entry, effective=entry.minutes)
    name = f"time_entry_{entry.pk}"
    if not form.is_valid():
        return _refused(request, ticket, name, form)
    result, error = call_action(
        request, actions.time_correct, form=form, actor=request.user, entry=entry, **form.changes()
    )
    if error is not None:
        return _refused(request, ticket, name, form)
    if result.adjusts_id is not None:
        message = _("Already billed: the correction (%(delta)s) is counted in %(month)s.") % {
            "delta": format_minutes(result.minutes),
            "month": month_text(result.period),
        }
    else:
        message = _("Time entry corrected.")
    messages.success(request, message)
    return _back(request, ticket)


@staff_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry, ticket = _entry_or_404(request, pk)
    result, error = call_action(request, actions.time_delete, actor=request.user, entry=entry)
    if error is None:
        if result is not None:
            messages.success(
                request,
                _("Already billed: its time is taken off in %(month)s.")
                % {"month": month_text(result.period)},
            )
        else:
            messages.success(request, _("Time entry deleted."))
    return _back(request, ticket)


@staff_required
@require_POST
def timer_start(request: HttpRequest, key: str) -> HttpResponse:
    ticket = ticket_or_404(request, key)
    _timer, error = call_action(request, actions.timer_start, actor=request.user, ticket=ticket)
    if error is None:
        messages.success(request, _("Timer started on %(key)s.") % {"key": ticket.key})
    return _back(request, ticket)


@staff_required
@require_POST
def timer_stop(request: HttpRequest) -> HttpResponse:
    form = TimerStopForm(request.POST, prefix="timer")
    form.is_valid()
    data = {"note": form.cleaned_data.get("note", ""), "billable": True}
    if f"{form.prefix}-shown" in request.POST:  # the full form: an unticked box is "no"
        data["billable"] = form.cleaned_data.get("billable", False)
    entry, error = call_action(request, actions.timer_stop, actor=request.user, **data)
    if error is not None:
        return _back(request)
    messages.success(
        request,
        _("Timer stopped: %(duration)s logged on %(key)s.")
        % {"duration": format_minutes(entry.minutes), "key": entry.ticket.key},
    )
    return _back(request, entry.ticket)


@staff_required
@require_POST
def timer_cancel(request: HttpRequest) -> HttpResponse:
    _r, error = call_action(request, actions.timer_cancel, actor=request.user)
    if error is None:
        messages.success(request, _("Timer cancelled: nothing was logged."))
    return _back(request)
