# covers: BIL-2
"""Four administrators issue the same customer's month at the same instant, on real row
locks: one statement is issued, the others are told it already was, and the month's
entries carry that one statement.

PostgreSQL only: SQLite serialises whole transactions, which proves nothing about locks.
Transactional tests commit for real; the database is flushed afterwards, and the presets
are loaded back once the module is done.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from comptoir.accounts.models import Role
from comptoir.billing import statements
from comptoir.billing.models import Statement, StatementLine, TimeEntry
from comptoir.billing.tests.test_statements import JAN, PARIS, seed_january
from comptoir.conftest import ensure_presets, make_user, pg_only
from comptoir.core.errors import Conflict
from comptoir.tickets.tests.test_race import at_once

pytestmark = [pg_only(), pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def _presets_back_after_the_flush(django_db_setup, django_db_blocker):
    yield
    with django_db_blocker.unblock():
        ensure_presets()


def test_a_month_issued_at_once_by_four_administrators_is_issued_once(world):
    ensure_presets()
    seed_january(world)
    admins = [world.admin] + [
        make_user(f"admin{i}", Role.ADMIN, organisation=world.provider) for i in range(3)
    ]
    with time_machine.travel(datetime(2026, 2, 10, 12, tzinfo=PARIS), tick=False):
        results = at_once(
            len(admins),
            lambda i: (
                statements.statement_issue(actor=admins[i], organisation=world.org_a, month=JAN).pk
            ),
        )
    issued = [value for status, value in results if status == "ok"]
    refused = [value for status, value in results if status == "error"]
    assert len(issued) == 1, results
    assert all(isinstance(e, Conflict) for e in refused), refused
    st = Statement.objects.get()
    assert st.pk == issued[0] and st.totals["grand"] == "1380.00"
    assert StatementLine.objects.filter(statement=st).count() == 4
    assert set(TimeEntry.objects.values_list("statement_id", flat=True)) == {st.pk}
