"""Billing months: which month a moment belongs to, and which month is still open.

Months are calendar months in the provider's time zone (`COMPTOIR_TIME_ZONE`): time
logged at 00:30 on 1 February in Paris is February's even though it is still January in
UTC. A month whose statement a customer was issued is closed for that customer; what
would fall in it goes to the first later month still open, so an issued statement is
never changed after the fact.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone, translation
from django.utils.dates import MONTHS

from comptoir.accounts.models import Organisation
from comptoir.billing.models import Statement


def month_of(when: date | datetime) -> date:
    """The first day of the month `when` falls in (a datetime in the provider's zone)."""
    if isinstance(when, datetime):
        when = timezone.localdate(when) if timezone.is_aware(when) else when.date()
    return when.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def open_period(organisation_id: int, when: date | datetime) -> date:
    """The month something dated `when` is billed in for this customer: its own month,
    or the first later one whose statement is not issued yet.

    Called inside an action's transaction: it locks the customer's row, as issuing a
    statement does, so an entry written while its month is being issued waits and then
    goes to the next month instead of landing, unbilled, in the issued one."""
    list(Organisation.objects.select_for_update().filter(pk=organisation_id).values_list("pk"))
    month = month_of(when)
    issued = set(
        Statement.objects.filter(organisation_id=organisation_id, month__gte=month).values_list(
            "month", flat=True
        )
    )
    while month in issued:
        month = next_month(month)
    return month


def is_issued(organisation_id: int, month: date) -> bool:
    return Statement.objects.filter(organisation_id=organisation_id, month=month).exists()


def month_label(month: date, language: str) -> str:
    """ "Janvier 2022" / "January 2022": the month as the seed writes it, capitalised."""
    with translation.override(language):
        name = str(MONTHS[month.month])
    return f"{name[:1].upper()}{name[1:]} {month.year}"


def task_name(*, key: str, title: str, month: date, language: str) -> str:
    """BIL-1: "#88 - Création de l'utilisateur Fabrice - Janvier 2022"."""
    return f"{key} - {title} - {month_label(month, language)}"
