# covers: BIL-2
"""A statement's files, draft or issued: CSV in the reader's conventions (UTF-8 with a
byte order mark; commas in English, semicolons and decimal commas in French), an XLSX
whose numbers are numbers, a PDF with the totals written out; named after the statement."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from comptoir.billing import statements
from comptoir.billing.models import Statement
from comptoir.billing.tests.test_statements import (
    JAN,
    in_february,  # noqa: F401 (fixture)
    log,
    seed_january,
    ticket,
)

# Every test runs on 10 February 2026 in Paris: January has ended, February has not.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_february")]


def export(user, org, fmt: str, month: str = "2026-01", language: str = "en"):
    user.language = language
    user.save(update_fields=["language"])
    c = Client()
    c.force_login(user)
    url = reverse("billing:statement_export", kwargs={"org": org.pk, "month": month, "fmt": fmt})
    response = c.get(url)
    assert response.status_code == 200, url
    assert response["Cache-Control"] == "private, no-store"
    return response


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_csv_in_english(world):
    seed = seed_january(world)
    response = export(world.manager, world.org_a, "csv")
    assert response.streaming
    assert 'filename="statement-2026-01-ALPHA-draft.csv"' in response["Content-Disposition"]
    data = body(response)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Statement", "Month", "Customer", "Ticket"]
    lines = [r for r in rows[1:] if r and r[3] == seed["assistance"].key]
    assert [(r[7], r[9], r[10], r[11], r[12], r[13]) for r in lines] == [
        ("gaston", "50", "60", "1.00", "80.00", "80.00"),
        ("gisele", "70", "75", "1.25", "80.00", "100.00"),
    ]
    change = [r for r in rows[1:] if r and r[3] == seed["change"].key]
    assert [(r[6], r[13]) for r in change] == [("Accepted quote", "1200.00"), ("Not billed", "")]
    total = next(r for r in rows if r and r[6] == "Total")
    assert total[13] == "1380.00" and total[14] == "EUR"


def test_csv_in_french_uses_semicolons_and_decimal_commas(world):
    seed_january(world)
    data = body(export(world.manager, world.org_a, "csv", language="fr")).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    assert len(rows[0]) == 15
    total = rows[-1]
    assert total[13] == "1380,00"
    assert any(r and r[11] == "1,25" for r in rows)


def test_csv_cells_are_never_formulas(world):
    t = ticket(world, title="=HYPERLINK(1)")
    log(t, world.agent, 30)
    data = body(export(world.admin, world.org_a, "csv")).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in data


def test_xlsx_keeps_numbers_as_numbers(world):
    seed = seed_january(world)
    response = export(world.admin, world.org_a, "xlsx")
    assert 'filename="statement-2026-01-ALPHA-draft.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(body(response)))
    ws = wb.active
    rows = list(ws.iter_rows())
    assert rows[0][0].value == "Statement 2026-01-ALPHA"
    line = next(r for r in rows if r[0].value == seed["assistance"].key and r[4].value == "gisele")
    time, billed, rate, amount = line[6], line[7], line[8], line[9]
    assert time.value == pytest.approx(70 / 60) and billed.value == 1.25
    assert billed.number_format == '0.00" h"'
    assert rate.value == 80 and amount.value == 100
    assert amount.number_format == "#,##0.00"
    total = next(r for r in rows if r[0].value == "Total")
    assert total[9].value == 1380 and total[10].value == "EUR"
    assert any(r[0].value and "rounded up" in str(r[0].value) for r in rows)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_states_the_totals_and_the_rules(world):
    seed = seed_january(world)
    response = export(world.admin, world.org_a, "pdf")
    assert 'filename="statement-2026-01-ALPHA-draft.pdf"' in response["Content-Disposition"]
    data = body(response)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Draft statement 2026-01-ALPHA" in text
    assert "1,380.00 EUR" in text and "180.00 EUR" in text and "1,200.00 EUR" in text
    assert seed["assistance"].key in text and "gisele" in text
    assert "rounded up to the next multiple of 15 minutes" in text.replace("\n", " ")


def test_an_issued_statements_files_are_its_frozen_copy(world):
    seed = seed_january(world)
    statements.statement_issue(actor=world.admin, organisation=world.org_a, month=JAN)
    # afterwards: more time dated in January, billed in February; a renamed ticket
    log(seed["assistance"], world.agent, 600, on=date(2026, 1, 29), period=date(2026, 2, 1))
    seed["assistance"].__class__.objects.filter(pk=seed["assistance"].pk).update(title="Autre")
    csv_response = export(world.admin, world.org_a, "csv")
    assert 'filename="statement-2026-01-ALPHA.csv"' in csv_response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body(csv_response).decode("utf-8-sig"))))
    assert rows[-1][13] == "1380.00"
    assert {r[4] for r in rows[1:] if r and r[3] == seed["assistance"].key} == {
        "Création de l'utilisateur Fabrice"
    }
    text = pdf_text(body(export(world.admin, world.org_a, "pdf")))
    assert "Statement 2026-01-ALPHA" in text and "Draft" not in text and "1,380.00 EUR" in text
    ws = load_workbook(io.BytesIO(body(export(world.admin, world.org_a, "xlsx")))).active
    total = next(r for r in ws.iter_rows() if r[0].value == "Total")
    assert Decimal(str(total[9].value)) == Decimal("1380")
    assert Statement.objects.get().totals["grand"] == "1380.00"


def test_an_empty_month_exports_cleanly(world):
    for fmt in ("csv", "xlsx", "pdf"):
        assert body(export(world.admin, world.org_b, fmt))
    text = pdf_text(body(export(world.admin, world.org_b, "pdf")))
    assert "Nothing to bill this month." in text
