"""Preferences of a service's agents (002 §II): the watch level of each service (NOT-2) and
its daily report (NOT-3). Everyone edits their own; a manager of a service also edits its
members' (the notification actions check who may)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.models import User
from comptoir.catalog.actions import may_manage
from comptoir.catalog.models import Service, ServiceMember
from comptoir.console import forms as cf
from comptoir.console import selectors as sel
from comptoir.console.views.common import lift_non_field_errors
from comptoir.core.errors import DomainError
from comptoir.notifications.actions import daily_report_set, watch_level_set
from comptoir.notifications.models import (
    DailyReportPreference,
    ReportScope,
    WatchLevel,
    WatchPreference,
)
from comptoir.web.access import staff_required
from comptoir.web.forms import call_action


def _watch_initial(pref: WatchPreference | None) -> dict[str, Any]:
    pref = pref or WatchPreference()
    return {
        "level": pref.level or WatchLevel.MEDIUM,
        "any_ticket": pref.any_ticket,
        "category_ticket": pref.category_ticket,
        "held_ticket": pref.held_ticket,
    }


def _report_initial(pref: DailyReportPreference | None) -> dict[str, Any]:
    if pref is None:
        return {"scope": ReportScope.NONE, "hour1": "8"}
    return {
        "scope": pref.scope,
        "hour1": str(pref.hour1),
        "hour2": "" if pref.hour2 is None else str(pref.hour2),
        "weekend": pref.weekend,
        "suspended": pref.suspended,
        "group_all": pref.group_all,
        "include_closed": pref.include_closed,
    }


def blocks(
    services: list[Service], user: User, bound: dict[str, forms.Form] | None = None
) -> list[dict[str, Any]]:
    """One block per service: its watch form and its report form, filled from the rows."""
    bound = bound or {}
    ids = [s.pk for s in services]
    watch = sel.watch_preferences(service_ids=ids, user_ids=[user.pk])
    reports = sel.report_preferences(service_ids=ids, user_ids=[user.pk])
    out = []
    for s in services:
        w, r = f"w{s.pk}", f"r{s.pk}"
        out.append(
            {
                "service": s,
                "watch": bound.get(w)
                or cf.WatchForm(prefix=w, initial=_watch_initial(watch.get((s.pk, user.pk)))),
                "report": bound.get(r)
                or cf.ReportForm(prefix=r, initial=_report_initial(reports.get((s.pk, user.pk)))),
                "open": w in bound or r in bound,
            }
        )
    return out


def _own(request: HttpRequest, bound=None, status: int = 200) -> HttpResponse:
    services = [m.service for m in sel.memberships(request.user)]
    ctx = {"person": request.user, "blocks": blocks(services, request.user, bound), "own": True}
    return render(request, "console/preferences.html", ctx, status=status)


def _member(request: HttpRequest, service: Service, user: User, bound=None, status: int = 200):
    ctx = {
        "person": user,
        "service": service,
        "blocks": blocks([service], user, bound),
        "own": user.pk == request.user.pk,
        "manager": may_manage(request.user, service),
    }
    return render(request, "console/preferences.html", ctx, status=status)


@staff_required
def preferences(request: HttpRequest) -> HttpResponse:
    return _own(request)


def _service_and_member(request: HttpRequest, pk: int, user_id: int) -> tuple[Service, User]:
    try:
        service = sel.service_get(actor=request.user, pk=pk)
    except DomainError:
        raise Http404() from None
    member = ServiceMember.objects.filter(service=service, user_id=user_id).select_related("user")
    found = member.first()
    if found is None:
        raise Http404()
    return service, found.user


@staff_required
def member_preferences(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    service, user = _service_and_member(request, pk, user_id)
    return _member(request, service, user)


@staff_required
@require_POST
def preferences_save(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Save one service's watch level (`kind="watch"`) or daily report (`"report"`) for the
    signed-in agent, or for the member named by `user` (a manager's edit)."""
    if kind not in {"watch", "report"}:
        raise Http404()
    try:
        user_id = int(request.POST.get("user") or request.user.pk)
    except ValueError:
        raise Http404() from None
    service, user = _service_and_member(request, pk, user_id)
    name = f"{kind[0]}{service.pk}"
    if kind == "watch":
        form: forms.Form = cf.WatchForm(request.POST, prefix=name)
        fn, done = watch_level_set, _("Watch level saved for %(service)s.")
    else:
        form = cf.ReportForm(request.POST, prefix=name)
        fn, done = daily_report_set, _("Daily report saved for %(service)s.")
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v != "" or k == "hour1"}
        _r, error = call_action(
            request, fn, form=form, actor=request.user, service=service, user=user, **data
        )
        if error is None:
            messages.success(request, done % {"service": service})
            if user.pk == request.user.pk:
                return redirect("console:preferences")
            return redirect(
                reverse("console:member_preferences", kwargs={"pk": service.pk, "user_id": user.pk})
            )
    lift_non_field_errors(request, form)
    if user.pk == request.user.pk and not request.POST.get("single"):
        return _own(request, {name: form}, status=400)
    return _member(request, service, user, {name: form}, status=400)
