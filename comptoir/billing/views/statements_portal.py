"""A customer manager's statements in the portal (BIL-2): their organisation's issued
statements and their exports. Other customers get the portal's 404, as does a statement
of another organisation or one that does not exist."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from comptoir.billing import statements as st
from comptoir.billing.models import Statement
from comptoir.billing.views.statement_exports import FORMATS, export_response
from comptoir.billing.views.statements import page_context
from comptoir.core.errors import DomainError
from comptoir.web.access import customer_required


def _statement_or_404(request: HttpRequest, pk: int) -> Statement:
    try:
        return st.statement_get(actor=request.user, pk=pk)
    except DomainError:
        raise Http404() from None


@require_GET
@customer_required
def statement_list(request: HttpRequest) -> HttpResponse:
    if not st.may_read_own(request.user):
        raise Http404()
    rows = list(st.statement_list(actor=request.user)[:120])
    return render(request, "billing/statement_portal_list.html", {"rows": rows})


@require_GET
@customer_required
def statement_page(request: HttpRequest, pk: int) -> HttpResponse:
    statement = _statement_or_404(request, pk)
    doc = st.issued_doc(statement)
    exports = {
        f: reverse("portal_billing:statement_export", kwargs={"pk": statement.pk, "fmt": f})
        for f in FORMATS
    }
    ctx = page_context(request, doc, console=False, exports=exports)
    return render(request, "billing/statement_portal.html", ctx)


@require_GET
@customer_required
def statement_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    statement = _statement_or_404(request, pk)
    if fmt not in FORMATS:
        raise Http404()
    return export_response(st.issued_doc(statement, with_lines=fmt == "pdf"), fmt)
