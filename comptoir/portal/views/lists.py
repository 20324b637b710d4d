"""My tickets (POR-2): my open tickets by default, search, keyset pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from comptoir.portal import selectors
from comptoir.web.access import customer_required


@customer_required
def tickets(request: HttpRequest) -> HttpResponse:
    actor = request.user
    wider = selectors.wider_view(actor=actor)
    filters = selectors.PortalFilters(
        text=request.GET.get("q", "").strip(),
        status=request.GET.get("status", "").strip(),
        closed=request.GET.get("closed") == "1",
        everyone=wider and request.GET.get("everyone") == "1",
    )
    page = selectors.my_tickets(
        actor=actor,
        filters=filters,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    kept = {
        k: v
        for k, v in (
            ("q", filters.text),
            ("status", filters.status),
            ("closed", "1" if filters.closed else ""),
            ("everyone", "1" if filters.everyone else ""),
        )
        if v
    }
    return render(
        request,
        "portal/tickets.html",
        {
            "page": page,
            "tickets": page.rows,
            "filters": filters,
            "filtered": bool(kept),
            "statuses": selectors.status_choices(),
            "wider": wider,
            "next_url": "?" + urlencode({**kept, "after": page.next_cursor})
            if page.next_cursor
            else "",
            "prev_url": "?" + urlencode({**kept, "before": page.prev_cursor})
            if page.prev_cursor
            else "",
        },
    )
