"""My tickets (POR-2): my open tickets by default, search, keyset pages; a customer who
sees more (customer manager, TEN-3 grant) picks a wider list (`scope`; the older
`everyone=1` is "all")."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from comptoir.portal import selectors
from comptoir.web.access import customer_required


@customer_required
def tickets(request: HttpRequest) -> HttpResponse:
    actor = request.user
    scopes = selectors.ticket_scopes(actor=actor)
    asked = request.GET.get("scope") or ("all" if request.GET.get("everyone") == "1" else "")
    scope = asked if asked in {s.value for s in scopes} else "mine"
    filters = selectors.PortalFilters(
        text=request.GET.get("q", "").strip(),
        status=request.GET.get("status", "").strip(),
        closed=request.GET.get("closed") == "1",
        scope=scope,
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
            ("scope", "" if scope == "mine" else scope),
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
            "wider": len(scopes) > 1,
            "scopes": scopes,
            "next_url": "?" + urlencode({**kept, "after": page.next_cursor})
            if page.next_cursor
            else "",
            "prev_url": "?" + urlencode({**kept, "before": page.prev_cursor})
            if page.prev_cursor
            else "",
        },
    )
