# covers: CMDB-2, TEN-2
"""The contracts report: contracts in force on a day, under the site they are attached to
(000: support contracts are sold and go to the customer's site, not to a supplier), sold
and bought counted apart with the CIs they cover; a page for service managers and
administrators, and the whole report as a streamed CSV file."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comptoir.cmdb import actions
from comptoir.cmdb.reports import ReportFilters, report_contracts, report_totals
from comptoir.core.errors import PermissionDenied

DAY = dt.date(2026, 6, 15)


@pytest.fixture
def book(world):
    m = world.manager

    def ci(name, **kw):
        return actions.ci_create(actor=m, name=name, **kw)

    lyon, lyon2 = ci("PC-LYON", site=world.a1), ci("PC-LYON-2", site=world.a1)
    lille, berlin = ci("PC-LILLE", site=world.a2), ci("PC-BERLIN", site=world.b1)
    spare = ci("SPARE", organisation=world.org_a)
    lessor = actions.supplier_create(actor=m, name="Leasecorp")

    def contract(ref, **kw):
        values = {"kind": "service", "category": "sold", "starts_on": dt.date(2026, 1, 1)} | kw
        return actions.contract_create(actor=m, reference=ref, name=f"Contract {ref}", **values)

    contract("SUP-LYON", site=world.a1, kind="support", cis=[lyon, lyon2])
    contract(
        "LEA-LYON", site=world.a1, kind="lease", category="bought", supplier=lessor, cis=[lyon]
    )
    contract("OLD-LYON", site=world.a1, ends_on=dt.date(2026, 3, 31), cis=[lyon])
    contract("NEXT-LYON", site=world.a1, starts_on=dt.date(2026, 7, 1), cis=[lyon])
    contract("SRV-LILLE", site=world.a2, cis=[lille])
    contract("SUP-BERLIN", site=world.b1, kind="support", cis=[berlin])
    contract("LEA-BERLIN", site=world.b1, kind="lease", category="bought", supplier=lessor)
    contract("SPARE-A", organisation=world.org_a, cis=[spare])
    contract("OFFICE", kind="lease", category="bought", supplier=lessor)
    return world


def totals(actor, **kw):
    groups, grand = report_totals(actor=actor, filters=ReportFilters(on=DAY, **kw))
    rows = [(g.organisation, g.site, g.sold, g.cis_sold, g.bought, g.cis_bought) for g in groups]
    return rows, (grand.sold, grand.cis_sold, grand.bought, grand.cis_bought, grand.contracts)


def test_totals_by_site_and_category_on_a_known_book(book):
    rows, grand = totals(book.manager)
    assert rows == [
        ("Alpha SA", "", 1, 1, 0, 0),  # without site, in Alpha's organisation
        ("Alpha SA", "Alpha Lille", 1, 1, 0, 0),
        ("Alpha SA", "Alpha Lyon", 1, 2, 1, 1),  # the ended and the future ones left out
        ("Beta GmbH", "Beta Berlin", 1, 1, 1, 0),
        ("", "", 0, 0, 1, 0),  # the provider's own lease, for no customer
    ]
    assert grand == (4, 5, 3, 1, 7)


def test_the_day_decides_what_is_in_force(book):
    groups, grand = report_totals(actor=book.admin, filters=ReportFilters(on=dt.date(2026, 2, 1)))
    lyon = next(g for g in groups if g.site == "Alpha Lyon")
    assert (lyon.sold, lyon.bought) == (2, 1)  # OLD-LYON was still in force
    _, grand = report_totals(actor=book.admin, filters=ReportFilters(on=dt.date(2025, 6, 1)))
    assert grand.contracts == 0


def test_filters_by_organisation_site_and_category(book):
    assert totals(book.manager, site=book.a1.pk)[1] == (1, 2, 1, 1, 2)
    assert totals(book.manager, site=0)[1] == (1, 1, 1, 0, 2)  # SPARE-A and OFFICE
    assert totals(book.manager, organisation=book.org_b.pk)[1] == (1, 1, 1, 0, 2)
    rows, grand = totals(book.manager, category="bought")
    assert grand == (0, 0, 3, 1, 3)
    assert [r[:2] for r in rows] == [
        ("Alpha SA", "Alpha Lyon"),
        ("Beta GmbH", "Beta Berlin"),
        ("", ""),
    ]
    refs = [
        c.reference for c in report_contracts(actor=book.manager, filters=ReportFilters(on=DAY))
    ]
    # by organisation (none last), site (without site first), sold before bought
    assert refs == [
        "SPARE-A",
        "SRV-LILLE",
        "SUP-LYON",
        "LEA-LYON",
        "SUP-BERLIN",
        "LEA-BERLIN",
        "OFFICE",
    ]


@pytest.mark.parametrize("who", ["agent", "customer", "customer_manager"])
def test_only_service_managers_and_admins_read_the_report(client, book, who):
    actor = getattr(book, who)
    with pytest.raises(PermissionDenied):
        report_totals(actor=actor, filters=ReportFilters(on=DAY))
    client.force_login(actor)
    assert client.get(reverse("console:contracts_report")).status_code == 404
    assert client.get(reverse("console:contracts_report_csv")).status_code == 404


def test_the_page_shows_totals_and_rows(client, book):
    client.force_login(book.manager)
    response = client.get(reverse("console:contracts_report"), {"on": "2026-06-15"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "SUP-LYON" in body and "LEA-LYON" in body and "Leasecorp" in body
    assert "OLD-LYON" not in body and "NEXT-LYON" not in body
    assert 'href="/console/cmdb/reports/contracts.csv?on=2026-06-15"' in body
    bad = client.get(reverse("console:contracts_report"), {"on": "soon", "site": "x"})
    assert bad.status_code == 200  # an unreadable filter is ignored, today is used


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_is_streamed_with_every_row(client, book):
    client.force_login(book.admin)
    response = client.get(reverse("console:contracts_report_csv"), {"on": "2026-06-15"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="contracts-2026-06-15.csv"'
    rows = read_csv(response)
    assert rows[0][:2] == ["Organisation", "Site"] and len(rows[0]) == 12
    by_ref = {r[5]: r for r in rows[1:]}
    assert sorted(by_ref) == sorted(
        ["SUP-LYON", "LEA-LYON", "SRV-LILLE", "SUP-BERLIN", "LEA-BERLIN", "SPARE-A", "OFFICE"]
    )
    sup, lea = by_ref["SUP-LYON"], by_ref["LEA-LYON"]
    assert (sup[1], sup[2], sup[7], sup[8], sup[9]) == (
        "Alpha Lyon",
        "ALY",
        "Alpha Lyon",  # sold: the party is the site
        "2026-01-01",
        "",
    )
    assert (sup[10], sup[11]) == ("2", "PC-LYON, PC-LYON-2")
    assert lea[7] == "Leasecorp"  # bought: the party is the supplier


def test_the_csv_neutralises_formulas_and_keeps_its_query_count(client, book):
    client.force_login(book.admin)
    url = reverse("console:contracts_report_csv")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            read_csv(client.get(url, {"on": "2026-06-15"}))
        return len(ctx.captured_queries)

    before = queries()
    for n in range(20):
        actions.contract_create(
            actor=book.manager,
            reference=f"BULK-{n}",
            name='=HYPERLINK("http://x")' if n == 0 else f"Bulk {n}",
            kind="service",
            category="sold",
            starts_on=dt.date(2026, 1, 1),
            site=book.a2,
        )
    assert queries() == before  # one query for the contracts, one per chunk for their CIs
    rows = read_csv(client.get(url, {"on": "2026-06-15"}))
    assert next(r for r in rows if r[5] == "BULK-0")[6] == '\'=HYPERLINK("http://x")'


def test_the_contract_list_links_to_the_report_for_managers_only(client, book):
    link = f'href="{reverse("console:contracts_report")}"'
    client.force_login(book.manager)
    assert link in client.get(reverse("console:contracts")).content.decode()
    client.force_login(book.agent)
    assert link not in client.get(reverse("console:contracts")).content.decode()
