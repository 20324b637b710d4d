"""Configuration items in the console (CMDB-1): the list (search by name or serial number,
filters by organisation, site and status, keyset pages), a CI's page (its fields, the people
using it, the contracts covering it, sold or bought, in force today or not, its recent
tickets), and for service managers and administrators the forms to create and edit a CI and
to link people to it. Reads go through `cmdb.selectors`, writes through `cmdb.actions`;
the 000 site rule's refusal is shown next to the person's field."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.models import Department, Site
from comptoir.accounts.selectors import visible_organisations, visible_sites
from comptoir.cmdb import actions as cmdb
from comptoir.cmdb import selectors as sel
from comptoir.cmdb.models import CiStatus, ConfigurationItem
from comptoir.console import cmdb_forms as cf
from comptoir.console.views.common import lift_non_field_errors, person_from
from comptoir.core.errors import DomainError
from comptoir.tickets.selectors import visible_tickets
from comptoir.web.access import staff_required
from comptoir.web.forms import call_action

PAGE_SIZE = 50


def int_param(value: str | None) -> int | None:
    if not value or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def ci_or_404(request: HttpRequest, pk: int) -> ConfigurationItem:
    try:
        return sel.ci_get(actor=request.user, pk=pk)
    except DomainError:
        raise Http404() from None


def keyset_page(qs, after: int | None) -> tuple[list, int | None]:
    """One page of `qs` ordered by (name, id) after the row `after`, and the next cursor."""
    qs = qs.order_by("name", "pk")
    if after is not None:
        last = qs.filter(pk=after).values_list("name", flat=True).first()
        if last is not None:
            qs = qs.filter(Q(name__gt=last) | Q(name=last, pk__gt=after))
    rows = list(qs[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].pk if more else None)


@staff_required
def ci_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    q = request.GET
    status = q.get("status", "")
    site_param = q.get("site", "")
    site = 0 if site_param == "none" else int_param(site_param)
    qs = sel.ci_search(
        actor=actor,
        term=q.get("q", ""),
        organisation=int_param(q.get("organisation")),
        site=site,
        status=status if status in CiStatus.values else "",
    )
    rows, next_after = keyset_page(qs, int_param(q.get("after")))
    kept = {k: v for k, v in q.items() if k in {"q", "organisation", "site", "status"} and v}
    ctx = {
        "rows": rows,
        "filters": kept,
        "site_param": site_param,
        "organisations": list(visible_organisations(actor).order_by("name")),
        "sites": list(visible_sites(actor).select_related("organisation")),
        "statuses": CiStatus.choices,
        "next_url": f"?{urlencode(kept | {'after': next_after})}" if next_after else "",
        "first_url": f"?{urlencode(kept)}" if q.get("after") else "",
        "manager": cmdb.may_manage_cmdb(actor),
    }
    return render(request, "console/cmdb/ci_list.html", ctx)


def ci_context(request: HttpRequest, ci: ConfigurationItem, **extra: Any) -> dict[str, Any]:
    actor = request.user
    today = timezone.localdate()
    contracts = list(sel.contracts_for_ci(actor=actor, ci=ci, on=today))
    tickets = list(
        visible_tickets(actor)
        .filter(ci=ci)
        .select_related("status")
        .order_by("-created_at", "-id")[:10]
    )
    return {
        "ci": ci,
        "users": list(ci.users.select_related("site").order_by("last_name", "username")),
        "contracts": contracts,
        "covered": sel.is_covered(contracts),
        "tickets": tickets,
        "today": today,
        "manager": cmdb.may_manage_cmdb(actor),
        "link_form": extra.pop("link_form", None) or cf.LinkUserForm(prefix="link"),
        **extra,
    }


@staff_required
def ci_page(request: HttpRequest, pk: int) -> HttpResponse:
    ci = ci_or_404(request, pk)
    return render(request, "console/cmdb/ci.html", ci_context(request, ci))


def site_pool(request: HttpRequest, current: int | None = None) -> QuerySet[Site]:
    """The sites a form offers: the active ones, plus the one the object is on now."""
    visible = visible_sites(request.user)
    if current:
        visible = Site.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk=current))
    return visible.select_related("organisation").order_by("organisation__name", "name")


def _ci_form(
    request: HttpRequest, data=None, initial=None, ci: ConfigurationItem | None = None
) -> cf.CiForm:
    actor = request.user
    sites = site_pool(request, ci.site_id if ci else None)
    departments = Department.objects.filter(site__in=sites).select_related("site")
    return cf.CiForm(
        data,
        initial=initial,
        sites=sites,
        organisations=visible_organisations(actor).order_by("name"),
        departments=departments.order_by("site__name", "name")[:1000],
    )


def placement(
    request: HttpRequest, data: dict[str, Any], current: int | None = None
) -> dict[str, Any]:
    """The form's site and organisation ids as objects, read within what the actor sees
    (an organisation is given only for an object without site)."""
    data["site"] = site_pool(request, current).filter(pk=int_param(data["site"]) or 0).first()
    data["organisation"] = (
        None
        if data["site"] is not None
        else visible_organisations(request.user)
        .filter(pk=int_param(data["organisation"]) or 0)
        .first()
    )
    return data


def _ci_values(
    request: HttpRequest, form: cf.CiForm, ci: ConfigurationItem | None
) -> dict[str, Any]:
    data = placement(request, dict(form.cleaned_data), ci.site_id if ci else None)
    # Staff see every site's departments; the action refuses one of another site.
    data["department"] = Department.objects.filter(pk=int_param(data["department"]) or 0).first()
    return data


@staff_required
def ci_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a CI (no pk) or edit one; managers only, the actions check it again."""
    ci = ci_or_404(request, pk) if pk is not None else None
    if not cmdb.may_manage_cmdb(request.user):
        raise Http404()
    status = 200
    if request.method == "POST":
        form = _ci_form(request, request.POST, ci=ci)
        if form.is_valid():
            values = _ci_values(request, form, ci)
            if ci is None:
                done, error = call_action(
                    request, cmdb.ci_create, form=form, actor=request.user, **values
                )
            else:
                done, error = call_action(
                    request, cmdb.ci_update, form=form, actor=request.user, ci=ci, changes=values
                )
            if error is None:
                messages.success(request, _("%(name)s saved.") % {"name": done.name})
                return redirect(reverse("console:ci", kwargs={"pk": done.pk}))
        lift_non_field_errors(request, form)
        status = 400
    elif ci is not None:
        form = _ci_form(
            request,
            ci=ci,
            initial={
                "name": ci.name,
                "kind": ci.kind,
                "serial": ci.serial,
                "status": ci.status,
                "site": str(ci.site_id or ""),
                "organisation": str(ci.organisation_id or ""),
                "department": str(ci.department_id or ""),
                "notes": ci.notes,
            },
        )
    else:
        form = _ci_form(request, initial={"status": CiStatus.IN_SERVICE})
    ctx = {"ci": ci, "form": form}
    return render(request, "console/cmdb/ci_form.html", ctx, status=status)


@staff_required
@require_POST
def ci_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ci = ci_or_404(request, pk)
    back = redirect(reverse("console:ci", kwargs={"pk": ci.pk}))
    if action == "link-user":
        form = cf.LinkUserForm(request.POST, prefix="link")
        user = person_from(request, form) if form.is_valid() else None
        if user is not None:
            _r, error = call_action(
                request, cmdb.ci_link_user, form=form, actor=request.user, ci=ci, user=user
            )
            if error is None:
                messages.success(request, _("%(name)s now uses this item.") % {"name": user})
                return back
        lift_non_field_errors(request, form)
        ctx = ci_context(request, ci, link_form=form, open="link")
        return render(request, "console/cmdb/ci.html", ctx, status=400)
    if action == "unlink-user":
        user = ci.users.filter(pk=int_param(request.POST.get("user")) or 0).first()
        if user is None:
            raise Http404()
        _r, error = call_action(request, cmdb.ci_unlink_user, actor=request.user, ci=ci, user=user)
        if error is None:
            messages.success(request, _("%(name)s no longer uses this item.") % {"name": user})
        return back
    raise Http404()
