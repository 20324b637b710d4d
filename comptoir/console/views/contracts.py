"""Contracts in the console (CMDB-2): the list (search by reference or name, sold or bought,
type, in force today), a contract's page (its party — the customer's site when sold, the
supplier when bought —, its dates, the CIs it covers) and, for service managers and
administrators, the forms to create and edit a contract, add a supplier, and cover or
uncover CIs of the contract's own site. Reads through `cmdb.selectors`, writes through
`cmdb.actions`, whose refusals show next to the field they name."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.selectors import visible_organisations
from comptoir.cmdb import actions as cmdb
from comptoir.cmdb import selectors as sel
from comptoir.cmdb.models import ContractCategory, ContractKind
from comptoir.console import cmdb_forms as cf
from comptoir.console.views.cmdb import PAGE_SIZE, int_param, placement, site_pool
from comptoir.console.views.common import lift_non_field_errors
from comptoir.core.errors import DomainError
from comptoir.web.access import staff_required
from comptoir.web.forms import call_action

FILTERS = {"q", "category", "kind", "active"}


def contract_or_404(request: HttpRequest, pk: int):
    try:
        return sel.contract_get(actor=request.user, pk=pk)
    except DomainError:
        raise Http404() from None


@staff_required
def contract_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    q = request.GET
    category = q.get("category", "")
    kind = q.get("kind", "")
    qs = sel.contract_search(
        actor=actor,
        term=q.get("q", ""),
        category=category if category in ContractCategory.values else "",
        kind=kind if kind in ContractKind.values else "",
        active={"1": True, "0": False}.get(q.get("active", "")),
    ).order_by("reference", "pk")
    after = q.get("after", "")[:50]
    if after:
        qs = qs.filter(reference__gt=after)
    rows = list(qs[: PAGE_SIZE + 1])
    kept = {k: v for k, v in q.items() if k in FILTERS and v}
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    ctx = {
        "rows": rows,
        "filters": kept,
        "categories": ContractCategory.choices,
        "kinds": ContractKind.choices,
        "next_url": f"?{urlencode(kept | {'after': rows[-1].reference})}" if more else "",
        "first_url": f"?{urlencode(kept)}" if after else "",
        "manager": cmdb.may_manage_cmdb(actor),
        "supplier_form": cf.SupplierForm(prefix="supplier"),
    }
    return render(request, "console/cmdb/contract_list.html", ctx)


def _cover_form(request: HttpRequest, contract, data=None) -> cf.CoverForm:
    """The CIs of the contract's own place that it does not cover yet."""
    place = (
        Q(site_id=contract.site_id)
        if contract.site_id
        else Q(site__isnull=True, organisation_id=contract.organisation_id)
    )
    candidates = (
        sel.visible_cis(request.user)
        .filter(place)
        .exclude(contracts=contract)
        .order_by("name", "pk")[:500]
    )
    return cf.CoverForm(data, prefix="cover", cis=candidates)


def contract_context(request: HttpRequest, contract, **extra: Any) -> dict[str, Any]:
    manager = cmdb.may_manage_cmdb(request.user)
    cis = sel.visible_cis(request.user).filter(contracts=contract).order_by("name", "pk")
    return {
        "contract": contract,
        "cis": list(cis),
        "today": timezone.localdate(),
        "manager": manager,
        "cover_form": extra.pop("cover_form", None)
        or (_cover_form(request, contract) if manager else None),
        **extra,
    }


@staff_required
def contract_page(request: HttpRequest, pk: int) -> HttpResponse:
    contract = contract_or_404(request, pk)
    return render(request, "console/cmdb/contract.html", contract_context(request, contract))


def _form(request: HttpRequest, data=None, initial=None, contract=None) -> cf.ContractForm:
    return cf.ContractForm(
        data,
        initial=initial,
        sites=site_pool(request, contract.site_id if contract else None),
        organisations=visible_organisations(request.user).order_by("name"),
        suppliers=sel.visible_suppliers(request.user),
    )


def _values(request: HttpRequest, form: cf.ContractForm, contract) -> dict[str, Any]:
    data = placement(request, dict(form.cleaned_data), contract.site_id if contract else None)
    supplier = int_param(data["supplier"])
    data["supplier"] = (
        sel.visible_suppliers(request.user).filter(pk=supplier).first() if supplier else None
    )
    return data


def _initial(contract) -> dict[str, Any]:
    return {
        "reference": contract.reference,
        "name": contract.name,
        "kind": contract.kind,
        "category": contract.category,
        "site": str(contract.site_id or ""),
        "organisation": str(contract.organisation_id or ""),
        "supplier": str(contract.supplier_id or ""),
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "notes": contract.notes,
    }


@staff_required
def contract_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a contract (no pk) or edit one; managers only, the actions check it again."""
    contract = contract_or_404(request, pk) if pk is not None else None
    if not cmdb.may_manage_cmdb(request.user):
        raise Http404()
    status = 200
    if request.method == "POST":
        form = _form(request, request.POST, contract=contract)
        if form.is_valid():
            values = _values(request, form, contract)
            if contract is None:
                fn, kw = cmdb.contract_create, values
            else:
                fn, kw = cmdb.contract_update, {"contract": contract, "changes": values}
            done, error = call_action(request, fn, form=form, actor=request.user, **kw)
            if error is None:
                messages.success(request, _("Contract %(ref)s saved.") % {"ref": done.reference})
                return redirect(reverse("console:contract", kwargs={"pk": done.pk}))
        lift_non_field_errors(request, form)
        status = 400
    elif contract is not None:
        form = _form(request, initial=_initial(contract), contract=contract)
    else:
        form = _form(request, initial={"starts_on": timezone.localdate()})
    ctx = {"contract": contract, "form": form}
    return render(request, "console/cmdb/contract_form.html", ctx, status=status)


@staff_required
@require_POST
def supplier_new(request: HttpRequest) -> HttpResponse:
    form = cf.SupplierForm(request.POST, prefix="supplier")
    if form.is_valid():
        done, _error = call_action(
            request, cmdb.supplier_create, actor=request.user, **form.cleaned_data
        )
        if done is not None:
            messages.success(request, _("Supplier %(name)s added.") % {"name": done.name})
    else:
        messages.error(request, _("Give the supplier's name."))
    return redirect("console:contracts")


@staff_required
@require_POST
def contract_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    contract = contract_or_404(request, pk)
    back = redirect(reverse("console:contract", kwargs={"pk": contract.pk}))
    if action == "cover":
        form = _cover_form(request, contract, request.POST)
        if form.is_valid():
            ids = [int(i) for i in form.cleaned_data["cis"]]
            cis = list(sel.visible_cis(request.user).filter(pk__in=ids))
            _r, error = call_action(
                request,
                cmdb.contract_cover,
                form=form,
                actor=request.user,
                contract=contract,
                cis=cis,
            )
            if error is None:
                messages.success(request, _("The contract covers the items chosen."))
                return back
        lift_non_field_errors(request, form)
        ctx = contract_context(request, contract, cover_form=form, open="cover")
        return render(request, "console/cmdb/contract.html", ctx, status=400)
    if action == "uncover":
        ci = contract.cis.filter(pk=int_param(request.POST.get("ci")) or 0).first()
        if ci is None:
            raise Http404()
        _r, error = call_action(
            request, cmdb.contract_uncover, actor=request.user, contract=contract, cis=[ci]
        )
        if error is None:
            messages.success(
                request, _("The contract no longer covers %(name)s.") % {"name": ci.name}
            )
        return back
    raise Http404()
