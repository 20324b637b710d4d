"""Issuing a customer's monthly statement (BIL-2): the write path of statements.

Issuing freezes a month: the statement, a copy of every line with its labels, the totals
and the rules are written, and the month's time entries and accepted quotes are marked as
billed on it, all in one transaction. The customer's row is locked first, so two
administrators issuing the same month at once queue up and the second is refused; the
unique (organisation, month) constraint is the last word. The lines are computed from
exactly the rows just marked, so what the statement bills and what it marks are the same
rows. From then on `periods.open_period` sends anything dated in that month to the next
one, and the statement never changes.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, User
from comptoir.billing.models import Quote, QuoteStatus, Statement, StatementLine, TimeEntry
from comptoir.billing.periods import month_label, month_of
from comptoir.billing.statement_compute import compute_month
from comptoir.billing.statement_lines import Line, statement_number
from comptoir.billing.statement_rules import with_text
from comptoir.billing.statement_selectors import may_issue, month_has_ended
from comptoir.core.errors import Conflict, InvalidInput, PermissionDenied


def _frozen(statement: Statement, line: Line, order: int) -> StatementLine:
    return StatementLine(
        statement=statement,
        kind=line.kind,
        ticket_id=line.ticket_id,
        ticket_key=line.ticket_key[:30],
        ticket_title=line.ticket_title[:250],
        type_name=line.type_name[:200],
        consultant_id=line.consultant_id,
        consultant_name=line.consultant_name[:300],
        minutes=line.minutes,
        billed_minutes=line.billed_minutes,
        rate=line.rate,
        amount=line.amount if line.amount is not None else 0,
        quote_id=line.quote_id,
        order=order,
    )


def _check(actor: User, organisation: Organisation, month: dt.date) -> dt.date:
    if not may_issue(actor):
        raise PermissionDenied(_("Only an administrator may issue a statement."))
    if organisation.is_provider:
        raise InvalidInput(_("Statements are issued to customer organisations."))
    month = month_of(month)
    if not month_has_ended(month, timezone.localdate()):
        raise InvalidInput(
            _("%(month)s has not ended yet: a month is issued once it is over.")
            % {"month": month_label(month, get_language() or "fr")},
            field="month",
        )
    return month


def statement_issue(*, actor: User, organisation: Organisation, month: dt.date) -> Statement:
    """Issue `organisation`'s statement of `month`, once, after the month has ended."""
    month = _check(actor, organisation, month)
    language = actor.language or "fr"
    try:
        with transaction.atomic():
            return _issue(actor, organisation, month, language)
    except IntegrityError:  # the constraint caught what the lock did not (another process)
        raise Conflict(_already(month)) from None


def _already(month: dt.date) -> str:
    return _("The statement of %(month)s was already issued for this customer.") % {
        "month": month_label(month, get_language() or "fr")
    }


def _issue(actor: User, organisation: Organisation, month: dt.date, language: str) -> Statement:
    list(Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk"))
    if Statement.objects.filter(organisation=organisation, month=month).exists():
        raise Conflict(_already(month))
    statement = Statement.objects.create(
        organisation=organisation,
        month=month,
        number=statement_number(organisation.code, month),
        language=language,
        issued_by=actor,
        issued_at=timezone.now(),
    )
    TimeEntry.objects.filter(
        organisation=organisation, period=month, statement__isnull=True
    ).update(statement=statement)
    Quote.objects.filter(
        organisation=organisation,
        period=month,
        status=QuoteStatus.ACCEPTED,
        statement__isnull=True,
    ).update(statement=statement)
    computed = compute_month(organisation.pk, month, language=language, statement_id=statement.pk)
    StatementLine.objects.bulk_create(
        (_frozen(statement, line, order) for order, line in enumerate(computed.lines, 1)),
        batch_size=500,
    )
    statement.currency = computed.currency
    statement.totals = computed.totals.as_json()
    statement.rules = with_text(computed.rules, language)
    statement.save(update_fields=["currency", "totals", "rules"])
    return statement
