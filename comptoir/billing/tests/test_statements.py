# covers: BIL-2, WF-6
"""Monthly statements computed and issued (seed 004's billing paths): time billed per
ticket and consultant with the rate's rounding, changes billed on their accepted quote,
month boundaries, a month issued once and only once it is over, contract rates.

The time and quote rows are created here directly in the shapes the time and quote
actions leave them (period set, statement empty), so these tests depend on nothing but
the models. The helpers are imported by the other test_statements_* modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from comptoir.accounts.models import User
from comptoir.billing import rates, statements
from comptoir.billing.models import (
    LineKind,
    Quote,
    QuoteStatus,
    Statement,
    StatementLine,
    TimeEntry,
    TimeTask,
)
from comptoir.billing.statement_rules import rule_text
from comptoir.cmdb.models import ConfigurationItem, Contract
from comptoir.core.errors import Conflict, InvalidInput, PermissionDenied
from comptoir.tickets.models import Ticket
from comptoir.tickets.tests.helpers import file_ticket

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
CATEGORY = {"assistance": "assistance", "incident": "applicatif", "evolution": "applicatif"}


# --- helpers (imported by the other statement tests) -----------------------------------


def ticket(
    w, type_code: str = "assistance", title: str = "Création de l'utilisateur Fabrice", **kw
) -> Ticket:
    """Seed 004: a customer of Alpha files a request on the n123 desk."""
    who = kw.pop("who", w.customer)
    return file_ticket(who, "n123", type=type_code, cat=CATEGORY[type_code], title=title, **kw)


def log(
    t: Ticket,
    consultant: User,
    minutes: int,
    *,
    on: date = date(2026, 1, 15),
    billable: bool = True,
    period: date | None = None,
    adjusts: TimeEntry | None = None,
) -> TimeEntry:
    """A time entry as the time actions write it: on the month's task, in its period."""
    period = period or on.replace(day=1)
    task, _ = TimeTask.objects.get_or_create(
        ticket=t, month=period, defaults={"organisation_id": t.organisation_id, "name": t.key}
    )
    return TimeEntry.objects.create(
        task=task,
        ticket=t,
        organisation_id=t.organisation_id,
        consultant=consultant,
        worked_on=on,
        minutes=minutes,
        billable=billable,
        period=period,
        adjusts=adjusts,
        created_by=consultant,
    )


def quote(
    t: Ticket,
    amount: str,
    by: User,
    *,
    status: str = QuoteStatus.ACCEPTED,
    period: date | None = JAN,
    number: int = 1,
) -> Quote:
    """A quote as the quote actions leave it: an accepted one has its billing month."""
    accepted = status == QuoteStatus.ACCEPTED
    return Quote.objects.create(
        ticket=t,
        organisation_id=t.organisation_id,
        number=number,
        amount=Decimal(amount),
        status=status,
        submitted_by=by,
        period=period if accepted else None,
        decided_by=t.reporter,
        decided_at=datetime(2026, 1, 20, 10, tzinfo=PARIS),
    )


def set_rate(w, amount: str = "80.00", *, step: int = 15, mode: str = "up", **kw) -> rates.Rate:
    return rates.rate_set(
        actor=w.admin,
        organisation=kw.pop("organisation", w.org_a),
        hourly_rate=amount,
        currency=kw.pop("currency", "EUR"),
        rounding_minutes=step,
        rounding_mode=mode,
        valid_from=kw.pop("valid_from", JAN),
        **kw,
    )


def seed_january(w) -> dict[str, object]:
    """Seed 004's January at Alpha: an assistance ticket worked by two consultants
    (50 min + 1 h 10), an application change with an accepted quote and internal time,
    and an incident whose quote was refused."""
    set_rate(w)
    assistance = ticket(w)
    log(assistance, w.agent, 50)
    log(assistance, w.agent2, 70, on=date(2026, 1, 16))
    change = ticket(w, "evolution", "Export comptable mensuel")
    log(change, w.agent2, 300)
    accepted = quote(change, "1200.00", w.agent2)
    refused_ticket = ticket(w, "evolution", "Nouveau tableau de bord")
    quote(refused_ticket, "900.00", w.agent2, status=QuoteStatus.REFUSED)
    return {"assistance": assistance, "change": change, "quote": accepted}


@pytest.fixture
def in_february() -> Iterator[None]:
    """10 February 2026 in Paris: January has ended, February has not."""
    with time_machine.travel(datetime(2026, 2, 10, 12, tzinfo=PARIS), tick=False):
        yield


def billed(lines, kind: str = LineKind.TIME) -> list[tuple[str, int, int, Decimal | None]]:
    return [
        (x.consultant_name, x.minutes, x.billed_minutes, x.amount) for x in lines if x.kind == kind
    ]


# --- drafts ------------------------------------------------------------------------------


def test_assistance_is_billed_on_each_consultants_rounded_time(world):
    seed = seed_january(world)
    draft = statements.statement_draft(organisation=world.org_a, month=date(2026, 1, 20))
    mine = [x for x in draft.lines if x.ticket_id == seed["assistance"].pk]
    assert billed(mine) == [
        ("gaston", 50, 60, Decimal("80.00")),
        ("gisele", 70, 75, Decimal("100.00")),
    ]
    assert {x.rate for x in mine} == {Decimal("80.00")}
    assert draft.totals.time == Decimal("180.00")
    assert draft.totals.by_rate[0].billed_minutes == 135
    assert draft.totals.by_rate[0].amount == Decimal("180.00")


def test_change_is_billed_on_its_accepted_quote_and_its_time_is_internal(world):
    seed = seed_january(world)
    draft = statements.statement_draft(organisation=world.org_a, month=JAN)
    change = [x for x in draft.lines if x.ticket_id == seed["change"].pk]
    assert [(x.kind, x.amount) for x in change] == [
        (LineKind.QUOTE, Decimal("1200.00")),
        (LineKind.INTERNAL, None),
    ]
    assert change[1].minutes == 300 and change[1].billed_minutes == 0
    assert draft.totals.quote == Decimal("1200.00")
    assert draft.totals.internal_minutes == 300
    assert draft.totals.grand == Decimal("1380.00")
    kinds = [r["kind"] for r in draft.rules]
    assert kinds == ["rate", "cents", "quote", "internal"]


def test_a_refused_quote_bills_nothing(world):
    set_rate(world)
    t = ticket(world, "evolution")
    quote(t, "900.00", world.agent, status=QuoteStatus.REFUSED)
    log(t, world.agent, 45)
    draft = statements.statement_draft(organisation=world.org_a, month=JAN)
    assert [(x.kind, x.amount) for x in draft.lines] == [(LineKind.INTERNAL, None)]
    assert draft.totals.grand == Decimal("0.00")


def test_non_billable_time_and_unbilled_types_are_internal(world):
    set_rate(world)
    t = ticket(world)
    log(t, world.agent, 30, billable=False)
    log(t, world.agent, 20)
    draft = statements.statement_draft(organisation=world.org_a, month=JAN)
    assert [(x.kind, x.minutes, x.amount) for x in draft.lines] == [
        (LineKind.TIME, 20, Decimal("40.00")),
        (LineKind.INTERNAL, 30, None),
    ]


def test_month_boundaries_follow_the_billing_month(world):
    set_rate(world)
    t = ticket(world)
    log(t, world.agent, 40, on=date(2026, 1, 31))
    log(t, world.agent, 20, on=date(2026, 2, 1))
    jan = statements.statement_draft(organisation=world.org_a, month=JAN)
    feb = statements.statement_draft(organisation=world.org_a, month=FEB)
    assert billed(jan.lines) == [("gaston", 40, 45, Decimal("60.00"))]
    assert billed(feb.lines) == [("gaston", 20, 30, Decimal("40.00"))]


def test_no_rate_lists_time_without_an_amount_and_says_so(world):
    t = ticket(world)
    log(t, world.agent, 50)
    draft = statements.statement_draft(organisation=world.org_a, month=JAN)
    assert billed(draft.lines) == [("gaston", 50, 50, None)]
    assert draft.totals.unpriced_minutes == 50
    assert draft.totals.grand == Decimal("0.00")
    assert draft.rules == [{"kind": "no_rate"}]
    assert "without an amount" in rule_text(draft.rules[0], "en")


def test_a_contract_rate_wins_over_the_organisations(world):
    set_rate(world)
    ci = ConfigurationItem.objects.create(site=world.a1, name="Serveur ERP")
    support = Contract.objects.create(
        site=world.a1,
        reference="SUP-ERP",
        name="Support ERP",
        kind="support",
        category="sold",
        starts_on=date(2025, 6, 1),
        ends_on=date(2026, 1, 31),
    )
    support.cis.add(ci)
    set_rate(world, "95.00", step=30, contract=support)
    covered = ticket(world, ci=ci)
    other = ticket(world, title="Imprimante")
    for t in (covered, other):
        log(t, world.agent, 50, on=date(2026, 1, 10))
        log(t, world.agent, 50, on=date(2026, 2, 10))
    jan = statements.statement_draft(organisation=world.org_a, month=JAN)
    assert [(x.ticket_id, x.billed_minutes, x.rate, x.amount) for x in jan.lines] == [
        (covered.pk, 60, Decimal("95.00"), Decimal("95.00")),
        (other.pk, 60, Decimal("80.00"), Decimal("80.00")),
    ]
    assert [(r.contract, r.amount) for r in jan.totals.by_rate] == [
        ("", Decimal("80.00")),
        ("SUP-ERP", Decimal("95.00")),
    ]
    assert [r.get("contract") for r in jan.rules if r["kind"] == "rate"] == ["", "SUP-ERP"]
    # the contract ended on 31 January: February is billed at the organisation's rate
    feb = statements.statement_draft(organisation=world.org_a, month=FEB)
    assert {x.rate for x in feb.lines} == {Decimal("80.00")}


def test_the_rate_in_force_on_the_first_day_of_the_month(world):
    set_rate(world, "80.00", valid_from=JAN)
    set_rate(world, "90.00", mode="none", valid_from=FEB)
    t = ticket(world)
    log(t, world.agent, 50, on=date(2026, 1, 10))
    log(t, world.agent, 50, on=date(2026, 2, 10))
    assert billed(statements.statement_draft(organisation=world.org_a, month=JAN).lines) == [
        ("gaston", 50, 60, Decimal("80.00"))
    ]
    assert billed(statements.statement_draft(organisation=world.org_a, month=FEB).lines) == [
        ("gaston", 50, 50, Decimal("75.00"))
    ]


def test_another_organisations_time_is_not_on_the_statement(world):
    seed_january(world)
    bob_ticket = file_ticket(world.outsider, "ent", title="Zeppelin boiler leaks")
    log(bob_ticket, world.agent, 600)
    draft = statements.statement_draft(organisation=world.org_a, month=JAN)
    assert bob_ticket.pk not in {x.ticket_id for x in draft.lines}
    beta = statements.statement_draft(organisation=world.org_b, month=JAN)
    assert [x.ticket_id for x in beta.lines] == [bob_ticket.pk]


def test_a_draft_costs_the_same_queries_for_3_or_30_tickets(world, django_assert_num_queries):
    set_rate(world)
    made = [ticket(world, title=f"Demande {i}") for i in range(30)]
    for t in made[:3]:
        log(t, world.agent, 25)
        log(t, world.agent2, 35)
    with django_assert_num_queries(3):
        small = statements.statement_draft(organisation=world.org_a, month=JAN)
    for t in made[3:]:
        log(t, world.agent, 25)
        log(t, world.agent2, 35)
        quote(t, "10.00", world.agent)
    with django_assert_num_queries(3):
        large = statements.statement_draft(organisation=world.org_a, month=JAN)
    assert len(small.lines) == 6 and len(large.lines) == 60 + 27


# --- issuing -----------------------------------------------------------------------------


def frozen(st: Statement) -> list[tuple]:
    return list(
        st.lines.order_by("order").values_list(
            "kind", "ticket_key", "ticket_title", "consultant_name", "minutes", "billed_minutes"
        )
    )


def test_issuing_freezes_the_month(world, in_february):
    seed = seed_january(world)
    st = statements.statement_issue(actor=world.admin, organisation=world.org_a, month=JAN)
    assert st.number == "2026-01-ALPHA"
    assert st.language == world.admin.language and st.currency == "EUR"
    assert st.totals["grand"] == "1380.00"
    assert st.totals["by_mode"] == {"time": "180.00", "quote": "1200.00"}
    assert [r["text"] for r in st.rules] == [rule_text(r, st.language) for r in st.rules]
    assert StatementLine.objects.filter(statement=st).count() == 4
    assert not TimeEntry.objects.filter(organisation=world.org_a, statement__isnull=True).exists()
    assert Quote.objects.get(pk=seed["quote"].pk).statement_id == st.pk
    refused = Quote.objects.get(status=QuoteStatus.REFUSED)
    assert refused.statement_id is None
    before = frozen(st)
    # later: a renamed ticket, time dated in January but billed in February (the month
    # was issued), a rate changed: the issued statement shows what it showed
    Ticket.objects.filter(pk=seed["assistance"].pk).update(title="Renommé")
    log(seed["assistance"], world.agent, 45, on=date(2026, 1, 30), period=FEB)
    set_rate(world, "120.00", valid_from=FEB)
    doc = statements.statement_doc(actor=world.manager, organisation=world.org_a, month=JAN)
    assert doc.issued and doc.totals.grand == Decimal("1380.00")
    assert frozen(st) == before
    assert {x.ticket_title for x in doc.lines} >= {"Création de l'utilisateur Fabrice"}
    feb = statements.statement_draft(organisation=world.org_a, month=FEB)
    assert billed(feb.lines) == [("gaston", 45, 45, Decimal("90.00"))]


def test_a_month_is_issued_once(world, in_february):
    seed_january(world)
    statements.statement_issue(actor=world.admin, organisation=world.org_a, month=JAN)
    lines = StatementLine.objects.count()
    with pytest.raises(Conflict):
        statements.statement_issue(actor=world.admin, organisation=world.org_a, month=JAN)
    assert Statement.objects.count() == 1 and StatementLine.objects.count() == lines


@pytest.mark.parametrize("month", [FEB, MAR])
def test_a_month_not_over_is_not_issued(world, in_february, month):
    seed_january(world)
    with pytest.raises(InvalidInput) as refused:
        statements.statement_issue(actor=world.admin, organisation=world.org_a, month=month)
    assert refused.value.field == "month"
    assert not Statement.objects.exists()


def test_the_month_ends_at_midnight_in_paris(world):
    seed_january(world)
    # 31 January 23:30 UTC is already 1 February in Paris
    with time_machine.travel(datetime(2026, 1, 31, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        st = statements.statement_issue(actor=world.admin, organisation=world.org_a, month=JAN)
    assert st.month == JAN
    with (
        time_machine.travel(datetime(2026, 2, 28, 22, 30, tzinfo=ZoneInfo("UTC")), tick=False),
        pytest.raises(InvalidInput),
    ):
        statements.statement_issue(actor=world.admin, organisation=world.org_a, month=FEB)


@pytest.mark.parametrize("who", ["manager", "agent", "customer_manager"])
def test_only_an_administrator_issues(world, in_february, who):
    seed_january(world)
    with pytest.raises(PermissionDenied):
        statements.statement_issue(actor=getattr(world, who), organisation=world.org_a, month=JAN)
    assert not Statement.objects.exists()
    assert not TimeEntry.objects.filter(statement__isnull=False).exists()


def test_the_provider_has_no_statement(world, in_february):
    with pytest.raises(InvalidInput):
        statements.statement_issue(actor=world.admin, organisation=world.provider, month=JAN)


def test_an_empty_month_issues_an_empty_statement(world, in_february):
    st = statements.statement_issue(actor=world.admin, organisation=world.org_b, month=JAN)
    assert st.number == "2026-01-BETA"
    assert st.totals["grand"] == "0.00" and not st.lines.exists()


def test_a_correction_after_the_issue_is_credited_the_next_month(world, in_february):
    set_rate(world)
    t = ticket(world)
    entry = log(t, world.agent, 50)
    statements.statement_issue(actor=world.admin, organisation=world.org_a, month=JAN)
    log(t, world.agent, -20, on=entry.worked_on, period=FEB, adjusts=entry)
    feb = statements.statement_draft(organisation=world.org_a, month=FEB)
    assert billed(feb.lines) == [("gaston", -20, -30, Decimal("-40.00"))]
    assert "credit" in [r["kind"] for r in feb.rules]
