"""The customer portal: my tickets, new requests, ticket pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from comptoir.tickets.selectors import TicketFilters, ticket_list
from comptoir.web.access import customer_required


@customer_required
def tickets(request: HttpRequest) -> HttpResponse:
    rows = ticket_list(actor=request.user, filters=TicketFilters(mine=True))[:50]
    return render(request, "portal/tickets.html", {"tickets": rows})
