"""Billing in the API: a ticket's quotes (WF-6).

Reading only: a quote is submitted, accepted or refused by firing the workflow's quote
transitions (POST /tickets/{key}/transitions/{code}, whose body takes quote_amount and
the optional quote_effort_hours, quote_valid_until, quote_description), so the API adds
no path around the workflow's guards.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from comptoir.api.tickets import get_ticket
from comptoir.billing import quotes

router = Router(tags=["billing"])


class QuoteOut(Schema):
    number: int
    amount: Decimal
    currency: str
    effort_hours: Decimal | None = Field(None, description="the estimated effort, if given")
    valid_until: date | None
    expired: bool = Field(description="awaiting the customer past its last valid day")
    description: str
    status: str = Field(description="submitted, accepted, refused or withdrawn")
    status_name: str
    submitted_by: str = Field(alias="submitted_by.username")
    submitted_at: datetime
    decided_by: str | None = Field(None, alias="decided_by.username")
    decided_at: datetime | None
    decision_comment: str


@router.get("/tickets/{key}/quotes", response=list[QuoteOut])
def quote_list(request: HttpRequest, key: str) -> Any:
    """The ticket's quotes, first to last, for whoever sees the ticket."""
    ticket = get_ticket(request, key)
    today = timezone.localdate()
    found = quotes.quotes_of_scoped_ticket(ticket)  # get_ticket read it through ticket_get
    for q in found:
        q.effort_hours = quotes.effort_hours(q)
        q.expired = quotes.is_expired(q, today=today)
        q.status_name = q.get_status_display()
    return found
