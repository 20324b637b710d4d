"""The CMDB's documents: the printable CI sheet (CMDB-3) and the contracts report (CMDB-2).

The sheet is reading: whoever sees a CI may print it, so a customer may print their own
site's CIs (TEN-2) and gets the same 404 as anyone for another's. The report is for
service managers and administrators: a page with the totals and the first rows, and the
whole of it as CSV, streamed row by row from a database cursor.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from comptoir.accounts.selectors import visible_organisations, visible_sites
from comptoir.cmdb import reports
from comptoir.cmdb.models import ContractCategory
from comptoir.cmdb.pdf import ci_sheet_pdf
from comptoir.core.csvstream import csv_lines
from comptoir.core.errors import DomainError

PAGE_ROWS = 200


def int_param(value: str | None) -> int | None:
    if not value or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def sheet_filename(name: str, pk: int) -> str:
    """ASCII only, no path or quote: `ci-12-laptop-compta.pdf`."""
    stem = slugify(name)[:60].strip("-")
    return f"ci-{pk}-{stem}.pdf" if stem else f"ci-{pk}.pdf"


@require_GET
@login_required
def ci_sheet(request: HttpRequest, pk: int) -> FileResponse:
    try:
        sheet = reports.ci_sheet(actor=request.user, pk=pk)
    except DomainError:
        raise Http404() from None
    data = ci_sheet_pdf(
        ci=sheet.ci,
        users=sheet.users,
        contracts=sheet.contracts,
        provider=sheet.provider,
        printed_on=sheet.printed_on,
        language=get_language() or "fr",
    )
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=sheet_filename(sheet.ci.name, sheet.ci.pk),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def report_filters(request: HttpRequest) -> reports.ReportFilters:
    q = request.GET
    try:
        on = dt.date.fromisoformat(q.get("on", "")[:10])
    except ValueError:
        on = timezone.localdate()
    site_param = q.get("site", "")
    category = q.get("category", "")
    return reports.ReportFilters(
        on=on,
        organisation=int_param(q.get("organisation")),
        site=0 if site_param == "none" else int_param(site_param),
        category=category if category in ContractCategory.values else "",
    )


def _report_or_404(request: HttpRequest) -> reports.ReportFilters:
    if not request.user.is_authenticated or not reports.may_read_reports(request.user):
        raise Http404()
    return report_filters(request)


@require_GET
@login_required
def contracts_report(request: HttpRequest) -> HttpResponse:
    filters = _report_or_404(request)
    groups, grand = reports.report_totals(actor=request.user, filters=filters)
    rows = list(reports.report_contracts(actor=request.user, filters=filters)[: PAGE_ROWS + 1])
    ctx = {
        "filters": filters,
        "groups": groups,
        "grand": grand,
        "rows": rows[:PAGE_ROWS],
        "truncated": len(rows) > PAGE_ROWS,
        "page_rows": PAGE_ROWS,
        "organisations": visible_organisations(request.user),
        "sites": visible_sites(request.user).select_related("organisation"),
        "categories": ContractCategory.choices,
        "query": request.GET.urlencode(),
    }
    return render(request, "console/cmdb/contracts_report.html", ctx)


@require_GET
@login_required
def contracts_report_csv(request: HttpRequest) -> StreamingHttpResponse:
    filters = _report_or_404(request)
    rows = reports.report_csv_rows(actor=request.user, filters=filters)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    name = f"contracts-{filters.on.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
