"""Monthly statements per customer (BIL-2): one import for pages, the API and tests.

The work is split by concern: `statement_compute` computes a month from live rows (the
draft), `statement_issue` freezes it (the write path), `statement_selectors` says who
reads what and reads drafts and issued copies alike as a `StatementDoc`
(`statement_lines`), `statement_rules` writes the rounding rules out, and the exports are
`statement_csv`, `statement_xlsx` and `statement_pdf`.
"""

from __future__ import annotations

import datetime as dt

from comptoir.accounts.models import Organisation
from comptoir.billing.periods import month_of
from comptoir.billing.statement_compute import Computed, compute_month
from comptoir.billing.statement_issue import statement_issue
from comptoir.billing.statement_lines import Line, StatementDoc, Totals, statement_number
from comptoir.billing.statement_selectors import (
    customer_get,
    customers,
    draft_doc,
    issued_doc,
    may_issue,
    may_read_drafts,
    may_read_own,
    month_has_ended,
    recent_months,
    statement_doc,
    statement_get,
    statement_list,
    statement_overview,
)

__all__ = [
    "Computed",
    "Line",
    "StatementDoc",
    "Totals",
    "customer_get",
    "customers",
    "draft_doc",
    "issued_doc",
    "may_issue",
    "may_read_drafts",
    "may_read_own",
    "month_has_ended",
    "recent_months",
    "statement_doc",
    "statement_draft",
    "statement_get",
    "statement_issue",
    "statement_list",
    "statement_number",
    "statement_overview",
]


def statement_draft(*, organisation: Organisation, month: dt.date) -> Computed:
    """A customer's month computed from the live rows (time entries and accepted quotes
    whose billing month it is), whether or not it was issued since."""
    return compute_month(organisation.pk, month_of(month))
