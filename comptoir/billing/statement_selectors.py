"""Who reads which statement, and the statements as pages and exports read them.

Administrators and service managers read every customer's drafts and issued statements
(in the console); a customer manager reads their own organisation's issued statements
(in the portal, the API); other customers and agents read none. A statement of another
organisation, like a missing one, is a NotFound; a customer who may see their
organisation's statements exist but may not read them is refused (PermissionDenied).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, Role, User
from comptoir.billing.models import LineKind, Statement, StatementLine
from comptoir.billing.periods import month_of, next_month, previous_month
from comptoir.billing.statement_compute import compute_many, compute_month
from comptoir.billing.statement_lines import Line, StatementDoc, Totals
from comptoir.core.errors import NotFound, PermissionDenied


def _active(actor: User) -> bool:
    return bool(actor.is_authenticated and actor.is_active)


def may_read_drafts(actor: User) -> bool:
    """Administrators and service managers: every customer's drafts and statements."""
    return _active(actor) and (actor.is_admin or actor.role == Role.SERVICE_MANAGER)


def may_issue(actor: User) -> bool:
    return _active(actor) and actor.is_admin


def may_read_own(actor: User) -> bool:
    """A customer manager reads their organisation's issued statements."""
    return _active(actor) and actor.role == Role.CUSTOMER_MANAGER and bool(actor.organisation_id)


def statement_list(
    *, actor: User, organisation_id: int | None = None, month: dt.date | None = None
) -> QuerySet[Statement]:
    """The issued statements the actor reads (none for the others: an empty list)."""
    qs = Statement.objects.select_related("organisation", "issued_by")
    if may_read_drafts(actor):
        pass
    elif may_read_own(actor):
        qs = qs.filter(organisation_id=actor.organisation_id)
    else:
        return qs.none()
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    if month is not None:
        qs = qs.filter(month=month_of(month))
    return qs.order_by("-month", "organisation__name", "pk")


def statement_get(*, actor: User, pk: int) -> Statement:
    """One issued statement: NotFound outside the actor's organisation (or missing),
    PermissionDenied for someone of that organisation who may not read statements."""
    if not _active(actor):
        raise NotFound()
    qs = Statement.objects.select_related("organisation", "issued_by")
    if not may_read_drafts(actor):
        if not actor.is_customer:
            raise PermissionDenied(_refusal())
        qs = qs.filter(organisation_id=actor.organisation_id)
    try:
        statement = qs.get(pk=pk)
    except (Statement.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not (may_read_drafts(actor) or may_read_own(actor)):
        raise PermissionDenied(_refusal())
    return statement


def _refusal() -> str:
    return _("Statements are read by administrators, service managers and customer managers.")


def customer_get(*, actor: User, pk: int) -> Organisation:
    """A customer organisation whose drafts the actor reads (console)."""
    if not may_read_drafts(actor):
        raise NotFound()
    try:
        return Organisation.objects.get(pk=pk, is_provider=False)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def customers(*, actor: User) -> QuerySet[Organisation]:
    if not may_read_drafts(actor):
        return Organisation.objects.none()
    return Organisation.objects.filter(is_provider=False).order_by("name", "pk")


# --- documents ---------------------------------------------------------------------------


def _issued_line(row: StatementLine) -> Line:
    priced = row.kind == LineKind.QUOTE or (row.kind == LineKind.TIME and row.rate is not None)
    return Line(
        kind=row.kind,
        ticket_id=row.ticket_id,
        ticket_key=row.ticket_key,
        ticket_title=row.ticket_title,
        type_name=row.type_name,
        consultant_id=row.consultant_id,
        consultant_name=row.consultant_name,
        minutes=row.minutes,
        billed_minutes=row.billed_minutes,
        rate=row.rate,
        amount=row.amount if priced else None,
        quote_id=row.quote_id,
        quote_number=row.quote.number if row.quote_id and row.quote else None,
    )


def issued_lines(statement: Statement) -> Iterator[Line]:
    """The frozen lines, read in chunks: an export holds one chunk at a time."""
    rows = statement.lines.select_related("quote").order_by("order", "pk")
    return (_issued_line(row) for row in rows.iterator(chunk_size=500))


def issued_doc(statement: Statement, *, with_lines: bool = True) -> StatementDoc:
    """An issued statement as pages and exports read it: only what was frozen."""
    org = statement.organisation
    issuer = statement.issued_by
    return StatementDoc(
        organisation_id=org.pk,
        organisation_name=org.name,
        organisation_code=org.code,
        month=statement.month,
        currency=statement.currency,
        lines=list(issued_lines(statement)) if with_lines else [],
        totals=Totals.from_json(statement.totals or {}),
        rules=list(statement.rules or []),
        statement=statement,
        issued_by_name=(issuer.get_full_name() or issuer.username) if issuer else "",
        source=None if with_lines else (lambda: issued_lines(statement)),
    )


def draft_doc(organisation: Organisation, month: dt.date) -> StatementDoc:
    computed = compute_month(organisation.pk, month)
    return StatementDoc(
        organisation_id=organisation.pk,
        organisation_name=organisation.name,
        organisation_code=organisation.code,
        month=month,
        currency=computed.currency,
        lines=computed.lines,
        totals=computed.totals,
        rules=computed.rules,
    )


def statement_doc(
    *, actor: User, organisation: Organisation, month: dt.date, with_lines: bool = True
) -> StatementDoc:
    """A customer's month in the console: its issued statement, else its live draft
    (an issued one's lines read as they go without `with_lines`, for the exports)."""
    if not may_read_drafts(actor) or organisation.is_provider:
        raise NotFound()
    month = month_of(month)
    issued = (
        Statement.objects.select_related("organisation", "issued_by")
        .filter(organisation=organisation, month=month)
        .first()
    )
    if issued is not None:
        return issued_doc(issued, with_lines=with_lines)
    return draft_doc(organisation, month)


# --- the overview ------------------------------------------------------------------------


@dataclass
class OverviewRow:
    organisation: Organisation
    month: dt.date
    statement: Statement | None
    currency: str
    time: Decimal
    quote: Decimal
    grand: Decimal
    unpriced_minutes: int
    internal_minutes: int

    @property
    def issued(self) -> bool:
        return self.statement is not None


def recent_months(today: dt.date, count: int = 3) -> list[dt.date]:
    """The current month and the ones before it, newest first."""
    months = [month_of(today)]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months


def statement_overview(
    *, actor: User, months: list[dt.date], organisation_id: int | None = None
) -> list[OverviewRow]:
    """Customers × months: the issued statement's totals, else the live draft's; a
    customer-month with nothing to bill and no statement is left out (unless a single
    customer is asked for). Six queries, whatever the number of customers or tickets."""
    orgs = customers(actor=actor)
    if organisation_id is not None:
        orgs = orgs.filter(pk=organisation_id)
    by_id = {o.pk: o for o in orgs}
    issued = {
        (s.organisation_id, s.month): s
        for s in Statement.objects.filter(organisation_id__in=list(by_id), month__in=months)
    }
    drafts = compute_many(organisation_ids=list(by_id), months=months)
    rows: list[OverviewRow] = []
    for month in sorted(months, reverse=True):
        for org in by_id.values():
            statement = issued.get((org.pk, month))
            if statement is not None:
                totals, currency = Totals.from_json(statement.totals or {}), statement.currency
            elif (org.pk, month) in drafts or organisation_id is not None:
                found = drafts.get((org.pk, month))
                totals = found.totals if found else Totals()
                currency = found.currency if found else ""
            else:
                continue
            rows.append(
                OverviewRow(
                    organisation=org,
                    month=month,
                    statement=statement,
                    currency=currency,
                    time=totals.time,
                    quote=totals.quote,
                    grand=totals.grand,
                    unpriced_minutes=totals.unpriced_minutes,
                    internal_minutes=totals.internal_minutes,
                )
            )
    return rows


def month_has_ended(month: dt.date, today: dt.date) -> bool:
    return next_month(month_of(month)) <= today
