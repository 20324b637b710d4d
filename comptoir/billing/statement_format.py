"""How a statement's numbers read in the active language: money, durations, months.

Pages and the PDF show "1 h 15" and "1 380,00 EUR" (French) or "1,380.00 EUR" (English);
the spreadsheet exports keep numbers as numbers (see statement_csv and statement_xlsx).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from comptoir.billing.durations import format_minutes
from comptoir.billing.models import LineKind
from comptoir.billing.periods import month_label


def language() -> str:
    return (translation.get_language() or "fr")[:2]


def money(value: Decimal | None, currency: str = "") -> str:
    if value is None:
        return "—"
    text = formats.number_format(value, 2, use_l10n=True, force_grouping=True)
    return f"{text} {currency}".strip()


def duration(minutes: int) -> str:
    """A statement reads its times exactly as the time panel does ("45 min", "1 h 15")."""
    return format_minutes(minutes)


def month_text(month: dt.date) -> str:
    return month_label(month, language())


def kind_label(kind: str) -> str:
    return str(LineKind(kind).label) if kind in LineKind.values else kind


def status_text(issued: bool, issued_at: dt.datetime | None = None, issuer: str = "") -> str:
    if not issued:
        return _("Draft: computed from the live time and quotes; it changes until it is issued.")
    when = formats.date_format(timezone.localtime(issued_at), "DATE_FORMAT") if issued_at else ""
    return _("Issued on %(date)s by %(name)s.") % {"date": when, "name": issuer}
