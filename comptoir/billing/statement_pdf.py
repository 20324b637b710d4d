"""A statement printed as PDF (BIL-2), on the page every printed document shares
(`core/pdf.py`: fpdf2, the shipped font, the footer).

In the reader's language: the number and status (a draft says it is one), the totals by
billing mode and by rate, the lines grouped by ticket, the time per consultant, the
accepted quotes and the rules the amounts follow — stated in words, since the paper
travels without the page around it.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from comptoir.billing.statement_format import (
    duration,
    kind_label,
    money,
    month_text,
    status_text,
)
from comptoir.billing.statement_lines import Line, StatementDoc
from comptoir.billing.statement_rules import rule_texts
from comptoir.core.pdf import FONT, Document

RIGHT3 = ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT")


def _title(pdf: Document, doc: StatementDoc, provider: str) -> None:
    pdf.set_font(FONT, "B", 9)
    pdf.set_text_color(90)
    pdf.cell(0, 5, provider, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_font(FONT, "B", 16)
    if doc.issued:
        title = _("Statement %(number)s") % {"number": doc.number}
    else:
        title = _("Draft statement %(number)s") % {"number": doc.number}
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.cell(
        0, 6, f"{doc.organisation_name} — {month_text(doc.month)}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FONT, "", 9)
    issued_at = doc.statement.issued_at if doc.statement else None
    pdf.multi_cell(0, 5, status_text(doc.issued, issued_at, doc.issued_by_name))


def _totals(pdf: Document, doc: StatementDoc) -> None:
    t, cur = doc.totals, doc.currency
    pdf.heading(_("Totals"))
    rows = [
        (_("Billed on time"), duration(t.billed_minutes), money(t.time, cur)),
        (_("Billed on accepted quotes"), str(t.quotes), money(t.quote, cur)),
        (_("Total"), "", money(t.grand, cur)),
    ]
    if t.unpriced_minutes:
        rows.append((_("Time without a rate"), duration(t.unpriced_minutes), "—"))
    if t.internal_minutes:
        rows.append((_("Time for internal follow-up"), duration(t.internal_minutes), "—"))
    pdf.rows((100, 40, 40), None, rows, text_align=("LEFT", "RIGHT", "RIGHT"))
    if t.by_rate:
        pdf.heading(_("By rate"))
        head = (_("Hourly rate"), _("Contract"), _("Time"), _("Billed time"), _("Amount"))
        pdf.rows(
            (40, 50, 30, 30, 30),
            head,
            [
                (
                    money(r.rate, r.currency),
                    r.contract or _("Customer rate"),
                    duration(r.minutes),
                    duration(r.billed_minutes),
                    money(r.amount, r.currency),
                )
                for r in t.by_rate
            ],
            text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        )


def _who(line: Line) -> str:
    if line.kind == "quote":
        return _("Quote no. %(number)s") % {"number": line.quote_number or "—"}
    return line.consultant_name


def _lines(pdf: Document, doc: StatementDoc) -> None:
    pdf.heading(_("Lines by ticket"))
    if not doc.lines:
        pdf.cell(0, 6, _("Nothing to bill this month."), new_x="LMARGIN", new_y="NEXT")
        return
    head = (_("Ticket"), _("Line"), _("Consultant or quote"), _("Time"), _("Billed"), _("Amount"))
    rows = []
    for first, lines in doc.by_ticket():
        for i, line in enumerate(lines):
            ticket = (
                f"{first.ticket_key} — {first.ticket_title}\n{first.type_name}" if i == 0 else ""
            )
            rows.append(
                (
                    ticket,
                    kind_label(line.kind),
                    _who(line),
                    duration(line.minutes) if line.kind != "quote" else "",
                    duration(line.billed_minutes) if line.kind == "time" else "",
                    money(line.amount, doc.currency) if line.amount is not None else "—",
                )
            )
    pdf.rows((58, 28, 34, 18, 18, 24), head, rows, text_align=RIGHT3)


def _people(pdf: Document, doc: StatementDoc) -> None:
    people = doc.by_consultant()
    if not people:
        return
    pdf.heading(_("Time per consultant"))
    head = (_("Consultant"), _("Billable time"), _("After rounding"), _("Internal follow-up"))
    rows = [
        (p.name, duration(p.minutes), duration(p.billed_minutes), duration(p.internal_minutes))
        for p in people
    ]
    pdf.rows((75, 35, 35, 35), head, rows, text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"))


def _quotes(pdf: Document, doc: StatementDoc) -> None:
    quotes = doc.quotes()
    if not quotes:
        return
    pdf.heading(_("Accepted quotes"))
    head = (_("Ticket"), _("Quote"), _("Amount"))
    rows = [
        (
            f"{q.ticket_key} — {q.ticket_title}",
            str(q.quote_number or "—"),
            money(q.amount, doc.currency),
        )
        for q in quotes
    ]
    pdf.rows((120, 25, 35), head, rows, text_align=("LEFT", "RIGHT", "RIGHT"))


def statement_pdf(*, doc: StatementDoc, provider: str, language: str) -> bytes:
    """The statement in the active language (`language` names it in the document)."""
    printed = _("Printed by %(provider)s on %(date)s") % {
        "provider": provider,
        "date": formats.date_format(timezone.localdate(), "DATE_FORMAT"),
    }
    pdf = Document(footer_text=printed)
    pdf.set_lang(language)
    pdf.set_title(_("Statement %(number)s") % {"number": doc.number})
    pdf.set_author(provider)
    pdf.set_creator("Comptoir")
    pdf.add_page()
    _title(pdf, doc, provider)
    _totals(pdf, doc)
    _lines(pdf, doc)
    _people(pdf, doc)
    _quotes(pdf, doc)
    if doc.rules:
        pdf.heading(_("Rules"))
        for text in rule_texts(doc.rules):
            pdf.multi_cell(0, 5, f"• {text}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
