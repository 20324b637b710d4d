"""Billing in the API: issued monthly statements (BIL-2), `/statements` and
`/statements/{id}` with its frozen lines, totals and rules.

Read through `billing.statements`: administrators and service managers see every
customer's statements, a customer manager their organisation's; anyone else gets an empty
list, and for one statement a 403 when it is their own organisation's (they know it
exists, they may not read it) or a 404 for anyone else's, as for a missing one. Drafts
are not in the API: they change until the month is issued. Amounts are decimal strings,
time in minutes; `rules` are written in the caller's language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from comptoir.api.common import actor as api_actor
from comptoir.api.common import paginate
from comptoir.api.people import Paging
from comptoir.billing import statements as st
from comptoir.billing.models import LineKind, Statement
from comptoir.billing.statement_lines import Line, RateTotal, Totals
from comptoir.billing.statement_rules import rule_texts

router = Router(tags=["billing"])


class TotalsOut(Schema):
    time: Decimal = Field(description="Billed on time spent.")
    quote: Decimal = Field(description="Billed on accepted quotes.")
    grand: Decimal
    billed_minutes: int = Field(description="Time billed, after rounding.")
    unpriced_minutes: int = Field(description="Time no rate applied to, listed unbilled.")
    internal_minutes: int = Field(description="Time listed for internal follow-up.")


class RateTotalOut(Schema):
    rate: Decimal
    currency: str
    rounding_minutes: int
    rounding_mode: str
    contract: str = Field(description="The contract's reference; empty: the customer's rate.")
    minutes: int
    billed_minutes: int
    amount: Decimal


class StatementOut(Schema):
    id: int
    number: str
    organisation_id: int
    organisation_name: str
    month: dt.date = Field(description="The first day of the month billed.")
    currency: str
    issued_at: dt.datetime
    totals: TotalsOut


class LineOut(Schema):
    kind: LineKind
    ticket_key: str
    ticket_title: str
    type_name: str
    consultant_name: str
    quote_number: int | None
    minutes: int
    billed_minutes: int
    rate: Decimal | None
    amount: Decimal | None = Field(description="None: a line that bills nothing.")


class StatementDetailOut(StatementOut):
    by_rate: list[RateTotalOut]
    lines: list[LineOut]
    rules: list[str]


class StatementPage(Schema):
    items: list[StatementOut]
    next_cursor: str | None


def _totals(t: Totals) -> TotalsOut:
    return TotalsOut(
        time=t.time,
        quote=t.quote,
        grand=t.grand,
        billed_minutes=t.billed_minutes,
        unpriced_minutes=t.unpriced_minutes,
        internal_minutes=t.internal_minutes,
    )


def _out(s: Statement) -> dict:
    return {
        "id": s.pk,
        "number": s.number,
        "organisation_id": s.organisation_id,
        "organisation_name": s.organisation.name,
        "month": s.month,
        "currency": s.currency,
        "issued_at": s.issued_at,
        "totals": _totals(Totals.from_json(s.totals or {})),
    }


def _rate(r: RateTotal) -> RateTotalOut:
    return RateTotalOut(
        rate=r.rate,
        currency=r.currency,
        rounding_minutes=r.step,
        rounding_mode=r.mode,
        contract=r.contract,
        minutes=r.minutes,
        billed_minutes=r.billed_minutes,
        amount=r.amount,
    )


def _line(line: Line) -> LineOut:
    return LineOut(
        kind=LineKind(line.kind),
        ticket_key=line.ticket_key,
        ticket_title=line.ticket_title,
        type_name=line.type_name,
        consultant_name=line.consultant_name,
        quote_number=line.quote_number,
        minutes=line.minutes,
        billed_minutes=line.billed_minutes,
        rate=line.rate,
        amount=line.amount,
    )


def _id(value: int | None) -> int | None:
    return value if value is None or 0 < value < 2**31 else -1


@router.get("/statements", response=StatementPage, summary="Issued statements")
def statement_list(
    request: HttpRequest,
    paging: Query[Paging],
    organisation_id: int | None = None,
    month: dt.date | None = None,
) -> StatementPage:
    """Newest month first; `month` is any day of the month wanted."""
    qs = st.statement_list(
        actor=api_actor(request), organisation_id=_id(organisation_id), month=month
    )
    rows, cursor = paginate(qs, paging.cursor, paging.limit, key=("-month", "-id"))
    return StatementPage(items=[StatementOut(**_out(s)) for s in rows], next_cursor=cursor)


@router.get(
    "/statements/{statement_id}", response=StatementDetailOut, summary="One issued statement"
)
def statement_detail(request: HttpRequest, statement_id: int) -> StatementDetailOut:
    statement = st.statement_get(actor=api_actor(request), pk=_id(statement_id))
    doc = st.issued_doc(statement)
    return StatementDetailOut(
        **_out(statement),
        by_rate=[_rate(r) for r in doc.totals.by_rate],
        lines=[_line(line) for line in doc.lines],
        rules=rule_texts(doc.rules),
    )
