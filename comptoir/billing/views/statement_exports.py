"""A statement's files, for the console and the portal alike: CSV streamed as it is
written, XLSX from a temporary file, PDF. Named `statement-2026-01-ALPHA.<ext>` (with
`-draft` before the issue), never cached, always an attachment."""

from __future__ import annotations

import io

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.translation import get_language

from comptoir.billing.statement_csv import csv_lines
from comptoir.billing.statement_lines import StatementDoc
from comptoir.billing.statement_pdf import statement_pdf
from comptoir.billing.statement_xlsx import write_xlsx
from comptoir.cmdb.reports import provider_name

FORMATS = ("csv", "xlsx", "pdf")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(doc: StatementDoc, fmt: str) -> HttpResponse:
    """The statement as `fmt` in the reader's (active) language."""
    language = (get_language() or "fr")[:2]
    response: HttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_lines(doc, language), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{doc.filename("csv")}"'
    elif fmt == "xlsx":
        response = FileResponse(
            write_xlsx(doc), as_attachment=True, filename=doc.filename("xlsx"), content_type=XLSX
        )
    elif fmt == "pdf":
        data = statement_pdf(doc=doc, provider=provider_name(), language=language)
        response = FileResponse(
            io.BytesIO(data),
            as_attachment=True,
            filename=doc.filename("pdf"),
            content_type="application/pdf",
        )
    else:
        raise Http404()
    response["Cache-Control"] = "private, no-store"
    return response
