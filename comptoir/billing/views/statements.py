"""Monthly statements in the console (BIL-2), for administrators and service managers.

The list crosses customers and months: an issued statement's totals, else the live
draft's. A statement's page shows its lines by ticket, the time per consultant, the
accepted quotes, the totals and the rules, with its exports; an administrator issues a
month that has ended from it, after ticking a confirmation. Anyone else (agents) gets
the console's 404, as for a page that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from comptoir.accounts.models import Organisation
from comptoir.billing import statements as st
from comptoir.billing.statement_format import month_text
from comptoir.billing.statement_rules import rule_texts
from comptoir.billing.views.statement_exports import FORMATS, export_response
from comptoir.core.errors import DomainError
from comptoir.web.access import staff_required
from comptoir.web.forms import call_action

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
LIST_MONTHS = 12


def parse_month(value: str | None) -> dt.date | None:
    """ "2026-01" → 1 January 2026; anything else → None."""
    found = MONTH.match(value or "")
    if not found:
        return None
    year, month = int(found[1]), int(found[2])
    if not (2000 <= year <= 9999 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def month_choices(today: dt.date) -> list[tuple[str, str]]:
    return [(f"{m:%Y-%m}", month_text(m)) for m in st.recent_months(today, LIST_MONTHS)]


def _reader(request: HttpRequest) -> None:
    if not st.may_read_drafts(request.user):
        raise Http404()


def _customer(request: HttpRequest, org: int) -> Organisation:
    try:
        return st.customer_get(actor=request.user, pk=org)
    except DomainError:
        raise Http404() from None


def _month_or_404(month: str) -> dt.date:
    found = parse_month(month)
    if found is None:
        raise Http404()
    return found


@require_GET
@staff_required
def statement_list(request: HttpRequest) -> HttpResponse:
    _reader(request)
    today = timezone.localdate()
    month = parse_month(request.GET.get("month"))
    org_param = request.GET.get("organisation", "")
    organisation = int(org_param) if org_param.isdigit() and len(org_param) < 10 else None
    months = [month] if month else st.recent_months(today, 2)
    rows = st.statement_overview(actor=request.user, months=months, organisation_id=organisation)
    ctx = {
        "rows": rows,
        "months": month_choices(today),
        "organisations": st.customers(actor=request.user),
        "filters": {"month": f"{month:%Y-%m}" if month else "", "organisation": organisation},
        "today": today,
    }
    return render(request, "billing/statement_list.html", ctx)


def page_context(request: HttpRequest, doc: st.StatementDoc, **extra: Any) -> dict[str, Any]:
    """What the statement's body template reads, on either side."""
    return {
        "doc": doc,
        "groups": doc.by_ticket(),
        "people": doc.by_consultant(),
        "quotes": doc.quotes(),
        "rules": rule_texts(doc.rules),
        "month_label": month_text(doc.month),
        **extra,
    }


@require_GET
@staff_required
def statement_page(request: HttpRequest, org: int, month: str) -> HttpResponse:
    _reader(request)
    organisation = _customer(request, org)
    day = _month_or_404(month)
    doc = st.statement_doc(actor=request.user, organisation=organisation, month=day)
    key = {"org": organisation.pk, "month": f"{day:%Y-%m}"}
    ended = st.month_has_ended(day, timezone.localdate())
    ctx = page_context(
        request,
        doc,
        console=True,
        exports={f: reverse("billing:statement_export", kwargs={**key, "fmt": f}) for f in FORMATS},
        may_issue=st.may_issue(request.user) and not doc.issued and ended,
        not_ended=not doc.issued and not ended,
        issue_url=reverse("billing:statement_issue", kwargs=key),
        rates_url=reverse("billing:rates", kwargs={"org": organisation.pk}),
    )
    return render(request, "billing/statement.html", ctx)


@require_POST
@staff_required
def statement_issue(request: HttpRequest, org: int, month: str) -> HttpResponse:
    _reader(request)
    organisation = _customer(request, org)
    day = _month_or_404(month)
    page = reverse("billing:statement", kwargs={"org": organisation.pk, "month": f"{day:%Y-%m}"})
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the confirmation to issue the statement."))
        return redirect(page)
    issued, _error = call_action(
        request, st.statement_issue, actor=request.user, organisation=organisation, month=day
    )
    if issued is not None:
        messages.success(request, _("Statement %(number)s issued.") % {"number": issued.number})
    return redirect(page)


@require_GET
@staff_required
def statement_export(request: HttpRequest, org: int, month: str, fmt: str) -> HttpResponse:
    _reader(request)
    organisation = _customer(request, org)
    day = _month_or_404(month)
    if fmt not in FORMATS:
        raise Http404()
    doc = st.statement_doc(
        actor=request.user, organisation=organisation, month=day, with_lines=fmt == "pdf"
    )
    return export_response(doc, fmt)
