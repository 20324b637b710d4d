# covers: BIL-2, TEN-2
"""A customer manager reads their organisation's issued statements in the portal and
downloads them; drafts never show there. Another organisation's statement is the portal's
404 on every page and file, as for one that does not exist; a customer who is not a
manager, and staff, get the same 404. Nothing is written by any of it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from comptoir.billing import statements
from comptoir.billing.models import Statement, StatementLine, TimeEntry
from comptoir.billing.tests.conftest import ON_10_FEBRUARY
from comptoir.billing.tests.test_statements import JAN, log, seed_january, set_rate, ticket
from comptoir.conftest import make_user, signed_in

pytestmark = ON_10_FEBRUARY


def urls(st: Statement) -> list[str]:
    pk = st.pk
    return [
        reverse("portal_billing:statement", kwargs={"pk": pk}),
        *[
            reverse("portal_billing:statement_export", kwargs={"pk": pk, "fmt": f})
            for f in ("csv", "xlsx", "pdf")
        ],
    ]


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def written() -> tuple[int, int, int]:
    return (
        Statement.objects.count(),
        StatementLine.objects.count(),
        TimeEntry.objects.filter(statement__isnull=False).count(),
    )


@pytest.fixture
def issued(world) -> dict[str, Statement]:
    seed_january(world)
    set_rate(world, organisation=world.org_b)
    log(ticket(world, who=world.outsider, title="Zeppelin"), world.agent, 90)
    return {
        "alpha": statements.statement_issue(actor=world.admin, organisation=world.org_a, month=JAN),
        "beta": statements.statement_issue(actor=world.admin, organisation=world.org_b, month=JAN),
    }


def test_a_customer_manager_reads_and_downloads_their_statements(world, issued):
    c = signed_in(world.customer_manager)
    listing = c.get(reverse("portal_billing:statements"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "2026-01-ALPHA" in html and "2026-01-BETA" not in html
    page = c.get(urls(issued["alpha"])[0]).content.decode()
    assert "Statement 2026-01-ALPHA" in page or "2026-01-ALPHA" in page
    assert "1\xa0380,00 EUR" in page
    assert 'name="confirm"' not in page and "/console/" not in page.split('id="main"')[1]
    csv_file = c.get(urls(issued["alpha"])[1])
    rows = list(csv.reader(io.StringIO(content(csv_file).decode("utf-8-sig")), delimiter=";"))
    assert rows[-1][13] == "1380,00"  # the manager reads French: semicolons, decimal commas
    assert 'filename="statement-2026-01-ALPHA.csv"' in csv_file["Content-Disposition"]
    xlsx = c.get(urls(issued["alpha"])[2])
    assert xlsx.status_code == 200 and content(xlsx)[:2] == b"PK"
    pdf = content(c.get(urls(issued["alpha"])[3]))
    assert pdf.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert "2026-01-ALPHA" in flat and "Total 1 380,00 EUR" in flat


def test_a_draft_is_not_in_the_portal(world):
    seed_january(world)
    c = signed_in(world.customer_manager)
    html = c.get(reverse("portal_billing:statements")).content.decode()
    assert "2026-01-ALPHA" not in html


def test_another_organisations_statement_is_a_404_everywhere(world, issued):
    c = signed_in(world.customer_manager)
    before = written()
    for url in urls(issued["beta"]):
        response = c.get(url)
        assert response.status_code == 404, url
        assert b"Zeppelin" not in content(response) and b"BETA" not in content(response)
    for url in urls(issued["alpha"]):
        missing = url.replace(f"/{issued['alpha'].pk}/", "/999999/")
        assert c.get(missing).status_code == 404
    assert written() == before


@pytest.mark.parametrize("who", ["customer", "outsider", "agent", "manager", "admin"])
def test_others_get_the_portals_404(world, issued, who):
    c = signed_in(getattr(world, who))
    before = written()
    assert c.get(reverse("portal_billing:statements")).status_code == 404
    for url in urls(issued["alpha"]) + urls(issued["beta"]):
        assert c.get(url).status_code == 404, url
    assert written() == before


def test_beta_s_manager_reads_only_beta(world, issued):
    beate = make_user("beate", "customer_manager", site=world.b1)
    c = signed_in(beate)
    html = c.get(reverse("portal_billing:statements")).content.decode()
    assert "2026-01-BETA" in html and "2026-01-ALPHA" not in html
    assert c.get(urls(issued["beta"])[0]).status_code == 200
    assert all(c.get(u).status_code == 404 for u in urls(issued["alpha"]))


def test_the_portal_list_costs_the_same_queries_for_1_or_12_statements(
    world, django_assert_max_num_queries
):
    c = signed_in(world.customer_manager)
    for month in range(1, 13):
        Statement.objects.create(
            organisation=world.org_a,
            month=JAN.replace(year=2025, month=month),
            number=f"2025-{month:02d}-ALPHA",
            issued_by=world.admin,
        )
        if month == 1:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as one:
                c.get(reverse("portal_billing:statements"))
    with django_assert_max_num_queries(len(one)):
        html = c.get(reverse("portal_billing:statements")).content.decode()
    assert "2025-12-ALPHA" in html and "2025-01-ALPHA" in html
