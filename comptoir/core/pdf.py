"""What every printed document shares (docs/decisions/0012-pdf.md): an A4 page in fpdf2
with the DejaVu Sans font shipped in `comptoir/cmdb/fonts/` (Unicode, the same output on
every machine), a footer naming who printed it with the page count, headings and tables.

The CI sheet (`cmdb/pdf.py`) and the monthly statement (`billing/statement_pdf.py`) draw
on it; each document writes its own content.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace

FONT_DIR = Path(__file__).resolve().parent.parent / "cmdb" / "fonts"
FONT = "DejaVu"
MARGIN = 15
GREY = (235, 235, 235)


class Document(FPDF):
    """A portrait A4 document with the shipped font and a footer on every page."""

    def __init__(self, *, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 5)

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FONT, "", 8)
        self.set_text_color(90)
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, f"{self.footer_text} — {page}", align="C")

    def heading(self, text: str) -> None:
        self.ln(4)
        self.set_font(FONT, "B", 12)
        self.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 9)

    def rows(
        self,
        widths: Sequence[float],
        head: Sequence[str] | None,
        rows: Iterable[Sequence[object]],
        *,
        text_align: str | Sequence[str] = "LEFT",
    ) -> None:
        """A table: `head` repeated on every page it spans, cells wrapped."""
        self.set_font(FONT, "", 9)
        with self.table(
            col_widths=widths,
            width=sum(widths),
            align="LEFT",
            text_align=text_align,
            first_row_as_headings=head is not None,
            headings_style=FontFace(emphasis="BOLD", fill_color=GREY),
            line_height=5,
            padding=1,
        ) as table:
            for values in [head] if head is not None else []:
                table.row(values)
            for values in rows:
                table.row([str(v) for v in values])
