# covers: BIL-2, X-2
"""Issued statements in the API: the list each caller may see (paged, newest month first,
filtered by customer and month), one statement with its frozen lines, totals by rate and
rules in the caller's language; another organisation's statement is a 404 like a missing
one, a customer who is not a manager and an agent are refused, and nothing is written."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from comptoir.api.actions import token_create
from comptoir.billing import statements
from comptoir.billing.models import Statement, StatementLine
from comptoir.billing.tests.conftest import ON_10_FEBRUARY
from comptoir.billing.tests.test_statements import JAN, log, seed_january, set_rate, ticket

pytestmark = ON_10_FEBRUARY


def api(user) -> Client:
    _token, secret = token_create(actor=user, name="test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def issued(world, settings) -> dict[str, Statement]:
    settings.COMPTOIR_API_RATE = ""
    seed = seed_january(world)
    set_rate(world, organisation=world.org_b)
    log(ticket(world, who=world.outsider, title="Zeppelin"), world.agent, 90)
    alpha = statements.statement_issue(actor=world.admin, organisation=world.org_a, month=JAN)
    beta = statements.statement_issue(actor=world.admin, organisation=world.org_b, month=JAN)
    return {"alpha": alpha, "beta": beta, **seed}


def test_one_statement_with_its_lines_and_totals(world, issued):
    world.customer_manager.language = "en"
    world.customer_manager.save(update_fields=["language"])
    response = api(world.customer_manager).get(f"/api/v1/statements/{issued['alpha'].pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["number"] == "2026-01-ALPHA" and data["month"] == "2026-01-01"
    assert data["totals"]["grand"] == "1380.00" and data["totals"]["time"] == "180.00"
    assert data["by_rate"][0]["rate"] == "80.00" and data["by_rate"][0]["billed_minutes"] == 135
    assistance = [x for x in data["lines"] if x["ticket_key"] == issued["assistance"].key]
    assert [(x["consultant_name"], x["billed_minutes"], x["amount"]) for x in assistance] == [
        ("gaston", 60, "80.00"),
        ("gisele", 75, "100.00"),
    ]
    internal = [x for x in data["lines"] if x["kind"] == "internal"]
    assert internal[0]["amount"] is None and internal[0]["minutes"] == 300
    quote = next(x for x in data["lines"] if x["kind"] == "quote")
    assert (quote["quote_number"], quote["amount"]) == (1, "1200.00")
    assert any("rounded up to the next multiple of 15 minutes" in r for r in data["rules"])


def test_the_list_follows_who_may_read(world, issued):
    def numbers(user, query: str = "") -> list[str]:
        response = api(user).get(f"/api/v1/statements{query}")
        assert response.status_code == 200
        return [s["number"] for s in response.json()["items"]]

    assert numbers(world.admin) == ["2026-01-BETA", "2026-01-ALPHA"]  # the latest issued first
    assert numbers(world.manager, f"?organisation_id={world.org_b.pk}") == ["2026-01-BETA"]
    assert numbers(world.manager, "?month=2026-01-17") == ["2026-01-BETA", "2026-01-ALPHA"]
    assert numbers(world.manager, "?month=2026-02-01") == []
    assert numbers(world.customer_manager) == ["2026-01-ALPHA"]
    assert numbers(world.customer_manager, f"?organisation_id={world.org_b.pk}") == []
    for who in ("customer", "agent", "other_agent", "outsider"):
        assert numbers(getattr(world, who)) == []


def test_pages_are_keyed_by_month(world, issued):
    for month in (date(2025, 11, 1), date(2025, 12, 1)):
        Statement.objects.create(
            organisation=world.org_a,
            month=month,
            number=f"{month:%Y-%m}-ALPHA",
            issued_by=world.admin,
        )
    c = api(world.customer_manager)
    first = c.get("/api/v1/statements?limit=2").json()
    assert [s["number"] for s in first["items"]] == ["2026-01-ALPHA", "2025-12-ALPHA"]
    second = c.get(f"/api/v1/statements?limit=2&cursor={first['next_cursor']}").json()
    assert [s["number"] for s in second["items"]] == ["2025-11-ALPHA"]
    assert second["next_cursor"] is None


def written() -> tuple[int, int]:
    return Statement.objects.count(), StatementLine.objects.count()


def test_another_organisations_statement_is_a_404(world, issued):
    before = written()
    beta = f"/api/v1/statements/{issued['beta'].pk}"
    missing = "/api/v1/statements/999999"
    for who in ("customer_manager", "customer"):
        c = api(getattr(world, who))
        answers = [c.get(beta), c.get(missing)]
        assert [a.status_code for a in answers] == [404, 404]
        assert answers[0].content == answers[1].content
        assert b"Zeppelin" not in answers[0].content and b"BETA" not in answers[0].content
    assert written() == before


@pytest.mark.parametrize("who", ["customer", "agent", "other_agent"])
def test_who_may_not_read_statements_is_refused(world, issued, who):
    response = api(getattr(world, who)).get(f"/api/v1/statements/{issued['alpha'].pk}")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert b"Fabrice" not in response.content


def test_no_write_operation_exists(world, issued):
    c = api(world.admin)
    before = written()
    assert c.post("/api/v1/statements", {}).status_code == 405
    assert c.delete(f"/api/v1/statements/{issued['alpha'].pk}").status_code == 405
    assert written() == before
