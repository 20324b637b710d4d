"""How a statement's numbers read on its pages: `{{ minutes|duration }}` ("1 h 15"),
`{{ amount|money:currency }}` ("1 380,00 EUR"), `{{ month|month_name }}` ("Janvier 2026")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template

from comptoir.billing import statement_format as fmt

register = template.Library()


@register.filter
def duration(minutes: int | None) -> str:
    return fmt.duration(int(minutes or 0))


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    return fmt.money(amount, currency)


@register.filter
def month_name(month: dt.date) -> str:
    return fmt.month_text(month)
