# covers: WF-6, BIL-2
"""Quotes through the workflow's moves (seed 004 "Evolution applicative"): a submission
numbers the quote and withdraws the one awaiting; the customer accepts (locked, billed in
the month still open) or refuses (comment kept, a new estimate follows); an expired quote,
no quote at all, or a re-estimate after acceptance is refused with a clear message and
nothing written; bad amounts, efforts, dates and descriptions are refused on their field;
who reads a ticket's quotes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from comptoir.billing import periods, quotes
from comptoir.billing.models import Quote, QuoteStatus, Rate, Statement
from comptoir.billing.tests.quote_helpers import (
    analysed,
    quoted,
    quotes_of,
    reload,
    submit,
    unchanged,
)
from comptoir.core.errors import InvalidInput, NotFound, WorkflowError
from comptoir.tickets import actions
from comptoir.tickets.models import Comment, Event
from comptoir.workflows.models import Transition

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


def last_status_event(t) -> Event:
    return Event.objects.filter(ticket_id=t.pk, kind="status").order_by("-id").first()


# --- submitting ------------------------------------------------------------------------------


def test_submission_records_the_quote_with_its_details(world):
    until = today() + timedelta(days=10)
    t = quoted(
        world,
        "1200.00",
        quote_effort_hours="7,5",
        quote_valid_until=until.isoformat(),
        quote_description="  Export FEC mensuel, recette comprise.  ",
    )
    assert (t.status.code, t.quote_amount) == ("attente_chiffrage", Decimal("1200.00"))
    q = Quote.objects.get(ticket=t)
    assert (q.number, q.amount, q.currency, q.status) == (1, Decimal("1200.00"), "EUR", "submitted")
    assert (q.effort_minutes, q.valid_until) == (450, until)
    assert q.description == "Export FEC mensuel, recette comprise."
    assert (q.submitted_by, q.organisation_id) == (world.agent, t.organisation_id)
    assert (q.decided_by, q.decided_at, q.period) == (None, None, None)
    assert quotes.effort_hours(q) == Decimal("7.5")
    data = last_status_event(t).data
    assert data["quote_amount"] == "1200.00"
    assert data["quote_effort_hours"] == "7.50"
    assert data["quote_valid_until"] == until.isoformat()


def test_validity_defaults_to_30_days_and_the_currency_to_the_customers_rate(world):
    Rate.objects.create(
        organisation=world.org_a,
        hourly_rate=Decimal(90),
        currency="CHF",
        valid_from=date(2025, 1, 1),
    )
    Rate.objects.create(  # another customer's rate says nothing of Alpha's quotes
        organisation=world.org_b,
        hourly_rate=Decimal(80),
        currency="USD",
        valid_from=date(2026, 1, 1),
    )
    with time_machine.travel(
        timezone.make_aware(timezone.datetime(2026, 3, 10, 23, 30)), tick=False
    ):
        t = quoted(world, "800")
        q = Quote.objects.get(ticket=t)
        assert q.valid_until == date(2026, 4, 9)  # 10 March in Paris, + 30 days
        assert q.currency == "CHF"
        assert q.effort_minutes is None and quotes.effort_hours(q) is None
        # the event, hence the customer's mail, says until when it holds
        assert last_status_event(t).data["quote_valid_until"] == "2026-04-09"
    assert quotes.quote_currency(world.org_b.pk) == "USD"
    assert quotes.quote_currency(world.provider.pk) == "EUR"


def test_a_new_submission_withdraws_the_quote_awaiting(world):
    """Seed 004's workflow only submits from "En cours"; a workflow submitting while a
    quote awaits the customer replaces it."""
    t = quoted(world, "1000")
    submit_move = Transition.objects.get(workflow=t.type.workflow, code="submit_quote")
    with transaction.atomic():
        quotes.on_transition(
            ticket=t,
            transition=submit_move,
            cleaned={"quote_amount": Decimal(900)},
            actor=world.agent,
        )
    assert quotes_of(t) == [(1, "1000.00", "withdrawn"), (2, "900.00", "submitted")]


# --- the customer's decision -----------------------------------------------------------------


def test_accepted_quote_is_locked_and_billed_in_the_open_month(world):
    t = quoted(world, "1200.00")
    t = reload(actions.ticket_transition(actor=world.customer, ticket=t, code="accept_quote"))
    assert t.status.name_fr == "En cours de réalisation"
    q = Quote.objects.get(ticket=t)
    assert (q.status, q.decided_by) == (QuoteStatus.ACCEPTED, world.customer)
    assert q.decided_at is not None
    assert q.period == periods.month_of(q.decided_at)


def test_acceptance_goes_to_the_next_month_when_this_one_was_issued(world):
    month = periods.month_of(timezone.now())
    Statement.objects.create(
        organisation=world.org_a, month=month, number="ST-A", issued_by=world.admin
    )
    t = quoted(world)
    actions.ticket_transition(actor=world.customer, ticket=t, code="accept_quote")
    assert Quote.objects.get(ticket=t).period == periods.next_month(month)


def test_refused_quote_goes_back_to_analysis_and_a_new_estimate_follows(world):
    t = quoted(world, "2400")
    t = reload(
        actions.ticket_transition(
            actor=world.customer, ticket=t, code="refuse_quote", data={"comment": "Trop cher"}
        )
    )
    assert t.status.code == "en_cours"
    first = Quote.objects.get(ticket=t, number=1)
    assert (first.status, first.decided_by, first.decision_comment) == (
        QuoteStatus.REFUSED,
        world.customer,
        "Trop cher",
    )
    assert first.period is None  # a refused quote is never billed
    assert Comment.objects.filter(ticket=t, author=world.customer, body="Trop cher").exists()
    t = submit(world, t, "1800", quote_effort_hours="12")
    assert quotes_of(t) == [(1, "2400.00", "refused"), (2, "1800.00", "submitted")]
    actions.ticket_transition(actor=world.customer, ticket=t, code="accept_quote")
    assert quotes_of(t) == [(1, "2400.00", "refused"), (2, "1800.00", "accepted")]
    assert Quote.objects.get(ticket=t, number=1).decision_comment == "Trop cher"


def test_an_expired_quote_cannot_be_accepted(world):
    t = quoted(world, quote_valid_until=today().isoformat())
    later = timezone.now() + timedelta(days=2)
    with time_machine.travel(later, tick=False):
        with translation.override("en"), unchanged(), pytest.raises(WorkflowError) as info:
            actions.ticket_transition(actor=world.customer, ticket=t, code="accept_quote")
        assert info.value.code == "quote_expired"
        assert "expired" in str(info.value) and "new estimate" in str(info.value)
        # refusing it with a comment asks for a new estimate
        actions.ticket_transition(
            actor=world.customer, ticket=t, code="refuse_quote", data={"comment": "Périmé"}
        )
    assert quotes_of(t) == [(1, "1200.00", "refused")]


def test_a_quote_holds_through_its_last_day(world):
    t = quoted(world, quote_valid_until=today().isoformat())
    actions.ticket_transition(actor=world.customer, ticket=t, code="accept_quote")
    assert quotes_of(t) == [(1, "1200.00", "accepted")]


def test_re_estimating_after_acceptance_is_refused(world):
    t = quoted(world)
    actions.ticket_transition(actor=world.customer, ticket=t, code="accept_quote")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="answer", data={"solution": "Livré"}
    )
    actions.ticket_transition(
        actor=world.customer, ticket=t, code="refute", data={"comment": "Il manque un champ"}
    )
    t = reload(t)
    assert t.status.code == "en_cours"  # where a quote is submitted from
    message = "This ticket's quote was accepted; it can no longer be re-estimated."
    for language in ("en", "fr"):
        with translation.override(language):
            with unchanged(), pytest.raises(WorkflowError) as info:
                submit(world, t, "300")
            assert info.value.code == "quote_accepted"
            assert str(info.value) == gettext(message)  # in the reader's language
    assert quotes_of(t) == [(1, "1200.00", "accepted")]


def test_no_quote_to_decide_on(world):
    t = analysed(world)
    accept = Transition.objects.get(workflow=t.type.workflow, code="accept_quote")
    with unchanged(), pytest.raises(WorkflowError) as info, transaction.atomic():
        quotes.on_transition(ticket=t, transition=accept, cleaned={}, actor=world.customer)
    assert info.value.code == "no_quote_pending"


# --- bad input -------------------------------------------------------------------------------


BAD = [
    ("quote_amount", "mille", "must be a number"),
    ("quote_amount", "0", "must be positive"),
    ("quote_amount", "-10", "must be positive"),
    ("quote_effort_hours", "huit", "number of hours"),
    ("quote_effort_hours", "NaN", "number of hours"),
    ("quote_effort_hours", "0", "more than zero"),
    ("quote_effort_hours", "-3", "more than zero"),
    ("quote_effort_hours", "0,001", "more than zero"),
    ("quote_effort_hours", "10000.5", "cannot exceed"),
    ("quote_effort_hours", "1e9", "cannot exceed"),
    ("quote_valid_until", "demain", "must be a date"),
    ("quote_valid_until", "2027-02-30", "must be a date"),
    ("quote_valid_until", "2020-01-01", "cannot be in the past"),
    ("quote_description", "x" * 10_001, "too long"),
]


@pytest.mark.parametrize(("field", "value", "words"), BAD, ids=[f"{f}={v[:12]}" for f, v, _ in BAD])
def test_bad_quote_data_is_refused_on_its_field(world, field, value, words):
    t = analysed(world)
    data = {"quote_amount": "1200", field: value}
    with translation.override("en"), unchanged(), pytest.raises(InvalidInput) as info:
        actions.ticket_transition(actor=world.agent, ticket=t, code="submit_quote", data=data)
    assert info.value.field == field
    assert words in str(info.value)


def test_the_limits_themselves_are_accepted(world):
    t = quoted(world, quote_effort_hours="10000", quote_valid_until=today().isoformat())
    q = Quote.objects.get(ticket=t)
    assert (q.effort_minutes, q.valid_until) == (600_000, today())


def test_quote_details_mean_nothing_to_another_move(world):
    """A move that submits no quote ignores them: nothing lands in its history."""
    t = analysed(world)
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="hold", data={"quote_effort_hours": "oops"}
    )
    assert "quote_effort_hours" not in last_status_event(t).data
    assert not Quote.objects.filter(ticket=t).exists()


# --- who reads them --------------------------------------------------------------------------


def test_who_reads_a_tickets_quotes(world):
    t = quoted(world)
    for who in ("customer", "customer_manager", "agent", "agent2", "manager", "admin"):
        assert [q.number for q in quotes.ticket_quotes(actor=getattr(world, who), ticket=t)] == [1]
    # a colleague of the same site who is not its requester, another site, another
    # customer, an agent of another service: as if the ticket did not exist
    for who in ("colleague", "other_site", "outsider", "other_agent"):
        with pytest.raises(NotFound):
            quotes.ticket_quotes(actor=getattr(world, who), ticket=t)
