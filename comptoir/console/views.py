"""The agents' console: queues and ticket pages; every write calls the actions."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from comptoir.tickets.selectors import TicketFilters, ticket_list
from comptoir.web.access import staff_required


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    tickets = ticket_list(actor=request.user, filters=TicketFilters())[:50]
    return render(request, "console/queue.html", {"tickets": tickets})
