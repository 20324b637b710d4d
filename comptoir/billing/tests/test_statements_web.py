# covers: BIL-2
"""Statements and rates in the console: administrators and service managers read every
customer's drafts and statements, an administrator issues a month that has ended after a
confirmation and sets rates; agents and customers get the console's 404 and write nothing.
Pages cost the same queries for 3 or 30 tickets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from comptoir.billing.models import Rate, Statement, StatementLine, TimeEntry
from comptoir.billing.tests.conftest import ON_10_FEBRUARY
from comptoir.billing.tests.test_statements import JAN, log, seed_january, set_rate, ticket
from comptoir.conftest import signed_in

pytestmark = ON_10_FEBRUARY


def page_url(org, month: str = "2026-01") -> str:
    return reverse("billing:statement", kwargs={"org": org.pk, "month": month})


def issue_url(org, month: str = "2026-01") -> str:
    return reverse("billing:statement_issue", kwargs={"org": org.pk, "month": month})


def written() -> tuple:
    return (
        Statement.objects.count(),
        StatementLine.objects.count(),
        TimeEntry.objects.filter(statement__isnull=False).count(),
        list(Rate.objects.order_by("pk").values_list("pk", "hourly_rate", "valid_from")),
    )


def test_the_draft_page_shows_lines_by_ticket_totals_and_rules(world):
    seed = seed_january(world)
    response = signed_in(world.manager).get(page_url(world.org_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026-01-ALPHA" in html and seed["assistance"].key in html
    assert "Création de l&#x27;utilisateur Fabrice" in html
    assert 'id="statement-grand">1\xa0380,00 EUR' in html  # the manager reads French
    assert "1 h 15" in html and "gisele" in html
    assert 'id="statement-rules"' in html and 'id="statement-quotes"' in html
    assert 'name="confirm"' not in html  # a service manager reads, an administrator issues
    english = signed_in(world.colleague)  # not staff: the console's 404
    assert english.get(page_url(world.org_a)).status_code == 404


def test_an_administrator_issues_after_confirming(world):
    seed_january(world)
    admin = signed_in(world.admin)
    page = admin.get(page_url(world.org_a)).content.decode()
    assert 'name="confirm"' in page
    before = written()
    refused = admin.post(issue_url(world.org_a), {}, follow=True)
    assert "Tick the confirmation" in refused.content.decode() or "Cochez" in (
        refused.content.decode()
    )
    assert written() == before
    done = admin.post(issue_url(world.org_a), {"confirm": "1"}, follow=True)
    assert done.status_code == 200
    st = Statement.objects.get()
    assert st.number == "2026-01-ALPHA" and st.totals["grand"] == "1380.00"
    html = done.content.decode()
    assert 'name="confirm"' not in html and "2026-01-ALPHA" in html
    again = admin.post(issue_url(world.org_a), {"confirm": "1"}, follow=True)
    assert again.status_code == 200 and Statement.objects.count() == 1


def test_the_current_month_cannot_be_issued_from_the_page(world):
    set_rate(world)
    log(ticket(world), world.agent, 30, on=date(2026, 2, 3))
    admin = signed_in(world.admin)
    html = admin.get(page_url(world.org_a, "2026-02")).content.decode()
    assert 'name="confirm"' not in html
    admin.post(issue_url(world.org_a, "2026-02"), {"confirm": "1"})
    assert not Statement.objects.exists()


@pytest.mark.parametrize("who", ["agent", "customer", "customer_manager"])
def test_others_get_the_consoles_404_and_write_nothing(world, who):
    seed_january(world)
    c = signed_in(getattr(world, who))
    rate = Rate.objects.get()
    before = written()
    urls = [
        reverse("billing:statements"),
        page_url(world.org_a),
        reverse(
            "billing:statement_export",
            kwargs={"org": world.org_a.pk, "month": "2026-01", "fmt": "csv"},
        ),
        reverse("billing:rate_index"),
        reverse("billing:rates", kwargs={"org": world.org_a.pk}),
    ]
    for url in urls:
        assert c.get(url).status_code == 404, url
    assert c.post(issue_url(world.org_a), {"confirm": "1"}).status_code == 404
    assert c.post(reverse("billing:rates", kwargs={"org": world.org_a.pk}), {}).status_code == 404
    delete = reverse("billing:rate_delete", kwargs={"org": world.org_a.pk, "pk": rate.pk})
    assert c.post(delete).status_code == 404
    assert written() == before


def test_a_service_manager_neither_issues_nor_sets_rates(world):
    seed_january(world)
    c = signed_in(world.manager)
    before = written()
    c.post(issue_url(world.org_a), {"confirm": "1"})
    c.post(
        reverse("billing:rates", kwargs={"org": world.org_a.pk}),
        {
            "hourly_rate": "1",
            "currency": "EUR",
            "rounding_minutes": "15",
            "rounding_mode": "up",
            "valid_from": "2026-03",
        },
    )
    assert written() == before


def test_bad_addresses_are_404(world):
    c = signed_in(world.admin)
    for url in (
        page_url(world.org_a, "2026-13"),
        page_url(world.org_a, "janvier"),
        page_url(world.provider),
        "/console/billing/statements/999999/2026-01/",
        reverse(
            "billing:statement_export",
            kwargs={"org": world.org_a.pk, "month": "2026-01", "fmt": "doc"},
        ),
    ):
        assert c.get(url).status_code == 404, url


def test_the_list_crosses_customers_and_months(world):
    seed_january(world)
    bob_ticket = ticket(world, who=world.customer)
    log(bob_ticket, world.agent, 30, on=date(2026, 2, 2))
    Statement.objects.create(
        organisation=world.org_b,
        month=JAN,
        number="2026-01-BETA",
        issued_by=world.admin,
        totals={"by_mode": {"time": "12.00", "quote": "0.00"}, "grand": "12.00"},
    )
    c = signed_in(world.manager)
    html = c.get(reverse("billing:statements") + "?month=2026-01").content.decode()
    assert "Alpha SA" in html and "1\xa0380,00" in html
    assert "Beta GmbH" in html and "2026-01-BETA" in html
    only_beta = c.get(
        reverse("billing:statements") + f"?month=2026-01&organisation={world.org_b.pk}"
    )
    assert "Alpha SA" not in only_beta.content.decode().split('id="statements"')[1]
    default = c.get(reverse("billing:statements")).content.decode()
    assert "Alpha SA" in default  # February's draft (this month) and January's


def test_pages_cost_the_same_queries_for_3_or_30_tickets(world, django_assert_max_num_queries):
    set_rate(world)
    c = signed_in(world.admin)
    made = [ticket(world, title=f"Demande {i}") for i in range(30)]

    def counted(url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200
        return len(ctx)

    for t in made[:3]:
        log(t, world.agent, 25)
    urls = [page_url(world.org_a), reverse("billing:statements") + "?month=2026-01"]
    small = [counted(u) for u in urls]
    for t in made[3:]:
        log(t, world.agent, 25)
        log(t, world.agent2, 40)
    assert [counted(u) for u in urls] == small
    c.post(issue_url(world.org_a), {"confirm": "1"})
    issued = counted(page_url(world.org_a))
    with django_assert_max_num_queries(issued):
        c.get(page_url(world.org_a))
    assert issued <= small[0] + 2


def test_an_administrator_sets_and_deletes_rates_in_the_console(world):
    c = signed_in(world.admin)
    url = reverse("billing:rates", kwargs={"org": world.org_a.pk})
    assert c.get(url).status_code == 200
    bad = c.post(
        url,
        {
            "hourly_rate": "-5",
            "currency": "EUR",
            "rounding_minutes": "15",
            "rounding_mode": "up",
            "valid_from": "2026-01",
        },
    )
    assert bad.status_code == 200 and not Rate.objects.exists()
    assert 'name="hourly_rate"' in bad.content.decode()
    ok = c.post(
        url,
        {
            "hourly_rate": "80",
            "currency": "EUR",
            "rounding_minutes": "15",
            "rounding_mode": "up",
            "valid_from": "2026-01",
        },
    )
    assert ok.status_code == 302
    rate = Rate.objects.get()
    assert (rate.hourly_rate, rate.valid_from, rate.contract_id) == (Decimal("80.00"), JAN, None)
    other = c.post(
        url,
        {
            "hourly_rate": "80",
            "currency": "USD",
            "rounding_minutes": "15",
            "rounding_mode": "up",
            "valid_from": "2026-02",
        },
    )
    assert other.status_code == 200 and Rate.objects.count() == 1
    index = c.get(reverse("billing:rate_index")).content.decode()
    assert "Alpha SA" in index and "80,00 EUR" in index
    delete = reverse("billing:rate_delete", kwargs={"org": world.org_a.pk, "pk": rate.pk})
    assert c.post(delete).status_code == 302 and not Rate.objects.exists()
    # another customer's rate through this customer's address is a 404
    beta = set_rate(world, organisation=world.org_b)
    assert c.post(delete.replace(str(rate.pk), str(beta.pk))).status_code == 404
    assert Rate.objects.filter(pk=beta.pk).exists()


def test_the_django_admin_shows_rates_and_statements_read_only(world):
    from comptoir.billing import statements

    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save(update_fields=["is_staff", "is_superuser"])
    seed_january(world)
    st = statements.statement_issue(actor=world.admin, organisation=world.org_a, month=JAN)
    c = signed_in(world.admin)
    for url in (
        "/admin/billing/rate/",
        "/admin/billing/statement/",
        f"/admin/billing/statement/{st.pk}/change/",
    ):
        response = c.get(url)
        assert response.status_code == 200, url
    assert "2026-01-ALPHA" in c.get("/admin/billing/statement/").content.decode()
    assert c.get("/admin/billing/rate/add/").status_code == 403
    before = written()
    c.post(f"/admin/billing/statement/{st.pk}/delete/", {"post": "yes"})
    assert written() == before
