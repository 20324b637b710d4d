"""Hourly rates in the console (BIL-2): the customers with their current rate, and one
customer's rates with the form an administrator sets them with (service managers read
them). Writes go through `billing.rates`, whose refusals show next to their field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from comptoir.accounts.models import Organisation
from comptoir.billing import rates as rt
from comptoir.billing import statements as st
from comptoir.billing.models import Rate, RoundingMode
from comptoir.billing.periods import month_of
from comptoir.billing.views.statements import parse_month
from comptoir.core.errors import DomainError
from comptoir.web.access import staff_required
from comptoir.web.forms import call_action


class RateForm(forms.Form):
    hourly_rate = forms.CharField(label=gettext_lazy("Hourly rate"), max_length=20)
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3, initial="EUR")
    rounding_minutes = forms.IntegerField(
        label=gettext_lazy("Rounding step (minutes)"), min_value=1, max_value=480, initial=15
    )
    rounding_mode = forms.ChoiceField(
        label=gettext_lazy("Rounding"), choices=RoundingMode.choices, initial=RoundingMode.UP
    )
    valid_from = forms.CharField(
        label=gettext_lazy("From the month of"),
        widget=forms.TextInput(attrs={"type": "month"}),
        max_length=7,
    )
    contract = forms.ChoiceField(label=gettext_lazy("For"), required=False)

    def __init__(self, *args: Any, contracts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [("", _("Every ticket of the customer")), *contracts]

    def clean_valid_from(self) -> dt.date:
        found = parse_month(self.cleaned_data["valid_from"])
        if found is None:
            raise forms.ValidationError(_("Choose a month."))
        return found


def _reader(request: HttpRequest) -> None:
    if not rt.may_read_rates(request.user):
        raise Http404()


def _customer(request: HttpRequest, pk: int) -> Organisation:
    try:
        return st.customer_get(actor=request.user, pk=pk)
    except DomainError:
        raise Http404() from None


@staff_required
def rate_index(request: HttpRequest) -> HttpResponse:
    _reader(request)
    month = month_of(timezone.localdate())
    orgs = list(st.customers(actor=request.user))
    current: dict[int, Rate] = {}
    own = Rate.objects.filter(contract__isnull=True, valid_from__lte=month)
    for rate in own.order_by("organisation_id", "-valid_from"):
        current.setdefault(rate.organisation_id, rate)
    rows = [(org, current.get(org.pk)) for org in orgs]
    return render(request, "billing/statement_rates_index.html", {"rows": rows, "month": month})


def _contracts(org: Organisation) -> list[tuple[str, str]]:
    return [(str(c.pk), f"{c.reference} — {c.name}") for c in rt.rate_contracts(org)]


def _page(request: HttpRequest, org: Organisation, form: RateForm | None) -> HttpResponse:
    manager = rt.may_manage_rates(request.user)
    found = list(rt.rate_list(actor=request.user, organisation=org))
    if manager and form is None:
        currency = found[0].currency if found else "EUR"
        form = RateForm(contracts=_contracts(org), initial={"currency": currency})
    ctx = {
        "organisation": org,
        "rates": [(r, rt.rate_used(r)) for r in found] if manager else [(r, True) for r in found],
        "form": form if manager else None,
        "manager": manager,
        "statements_url": reverse("billing:statements") + f"?organisation={org.pk}",
    }
    return render(request, "billing/statement_rates.html", ctx)


@staff_required
def rates(request: HttpRequest, org: int) -> HttpResponse:
    _reader(request)
    organisation = _customer(request, org)
    if request.method != "POST":
        return _page(request, organisation, None)
    form = RateForm(request.POST, contracts=_contracts(organisation))
    if not form.is_valid():
        return _page(request, organisation, form)
    data = form.cleaned_data
    contract = None
    if data["contract"]:
        contract = rt.rate_contracts(organisation).filter(pk=int(data["contract"])).first()
        if contract is None:
            form.add_error("contract", _("Choose a contract from the list."))
            return _page(request, organisation, form)
    _rate, error = call_action(
        request,
        rt.rate_set,
        form=form,
        actor=request.user,
        organisation=organisation,
        hourly_rate=data["hourly_rate"],
        currency=data["currency"],
        rounding_minutes=data["rounding_minutes"],
        rounding_mode=data["rounding_mode"],
        valid_from=data["valid_from"],
        contract=contract,
    )
    if error is not None:
        return _page(request, organisation, form)
    messages.success(request, _("Rate saved."))
    return redirect("billing:rates", org=organisation.pk)


@require_POST
@staff_required
def rate_delete(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    _reader(request)
    organisation = _customer(request, org)
    try:
        rate = rt.rate_get(actor=request.user, organisation=organisation, pk=pk)
    except DomainError:
        raise Http404() from None
    _done, error = call_action(request, rt.rate_delete, actor=request.user, rate=rate)
    if error is None:
        messages.success(request, _("Rate deleted."))
    return redirect("billing:rates", org=organisation.pk)
