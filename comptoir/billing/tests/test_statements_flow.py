# covers: BIL-1, BIL-2
"""Seed 004 end to end through the time actions: two consultants log time on an
assistance ticket in January, January is issued, then a correction of an entry already
billed and time dated 31 January both land on February's draft; January's statement
stays as issued."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from comptoir.billing import actions, statements
from comptoir.billing.models import Statement, TimeEntry
from comptoir.billing.tests.test_statements import (
    FEB,
    JAN,
    billed,
    in_february,  # noqa: F401 (fixture)
    set_rate,
    ticket,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_february")]


def test_time_logged_then_issued_then_corrected(world):
    set_rate(world)
    t = ticket(world)
    first = actions.time_log(actor=world.agent, ticket=t, minutes=50, worked_on=date(2026, 1, 15))
    actions.time_log(actor=world.agent2, ticket=t, minutes=70, worked_on=date(2026, 1, 16))
    assert first.period == JAN
    jan = statements.statement_issue(actor=world.admin, organisation=world.org_a, month=JAN)
    assert jan.totals["grand"] == "180.00"
    # after the issue: the billed entry corrected from 50 to 30 minutes, time dated January
    adjustment = actions.time_correct(actor=world.agent, entry=first, minutes=30)
    late = actions.time_log(actor=world.agent, ticket=t, minutes=15, worked_on=date(2026, 1, 31))
    assert (adjustment.minutes, adjustment.period, late.period) == (-20, FEB, FEB)
    feb = statements.statement_draft(organisation=world.org_a, month=FEB)
    # gaston's February line: -20 + 15 = -5, a credit rounded like billed time
    assert billed(feb.lines) == [("gaston", -5, -15, Decimal("-20.00"))]
    doc = statements.statement_doc(actor=world.admin, organisation=world.org_a, month=JAN)
    assert doc.issued and doc.totals.grand == Decimal("180.00")
    assert Statement.objects.get(pk=jan.pk).totals == jan.totals
    assert TimeEntry.objects.filter(statement=jan).count() == 2
