"""The dashboards' pages and CSV exports (X-3): thin views over `scope`, `tables`,
`agent` and `exports`.

The agent dashboard is for every staff member; the manager dashboards for service
managers (over the services they manage) and administrators. A customer gets the
console's 404; a staff member who manages nothing gets a 403 page saying why.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from comptoir.core.errors import InvalidInput, PermissionDenied
from comptoir.reports import agent, exports, tables
from comptoir.reports.periods import BUCKETS, PRESETS
from comptoir.reports.scope import (
    Filters,
    Scope,
    customer_choices,
    manager_scope,
    may_read_manager_reports,
    parse_filters,
)
from comptoir.web.access import staff_required


def _refused(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return render(request, "reports/forbidden.html", {"message": error.message}, status=403)


@require_GET
@staff_required
def me(request: HttpRequest) -> HttpResponse:
    """The agent's dashboard: my queues, my tickets near a breach, recent activity."""
    actor = request.user
    offered = {str(h): h for h in agent.NEAR_HOURS}
    hours = offered.get(request.GET.get("hours", ""), agent.DEFAULT_NEAR_HOURS)
    ctx = {
        "queues": agent.queue_counts(actor),
        "held": agent.held_by_status(actor),
        "near": agent.near_breach(actor, hours=hours),
        "near_max": agent.NEAR_ROWS,
        "activity": agent.recent_activity(actor),
        "hours": hours,
        "hour_choices": agent.NEAR_HOURS,
        "now": timezone.now(),
        "manages": may_read_manager_reports(actor),
    }
    return render(request, "reports/me.html", ctx)


def _preset_links(request: HttpRequest) -> list[tuple[str, str, str]]:
    """(code, name, URL) of each preset period, keeping the desk, service and customer."""
    kept = {k: request.GET[k] for k in ("desk", "service", "organisation") if request.GET.get(k)}
    base = reverse("reports:dashboard")
    return [
        (code, str(name), f"{base}?{urlencode({'preset': code, **kept})}")
        for code, name in PRESETS.items()
    ]


def _form_context(scope: Scope, request: HttpRequest, organisations: list) -> dict:
    return {
        "preset_links": _preset_links(request),
        "scope": scope,
        "desks": scope.desks(),
        "services": scope.services,
        "organisations": organisations,
        "buckets": BUCKETS,
        "q": request.GET,
    }


@require_GET
@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The manager dashboard: every chart with its table and CSV link."""
    try:
        scope = manager_scope(request.user)
    except PermissionDenied as error:
        return _refused(request, error)
    organisations = customer_choices()
    ctx = _form_context(scope, request, organisations)
    try:
        filters = parse_filters(scope, request.GET, organisations)
    except InvalidInput as error:
        ctx.update(error=error)
        return render(request, "reports/dashboard.html", ctx, status=400)
    ctx.update(
        filters=filters,
        period=filters.period,
        tables=tables.dashboard(scope, filters),
        query=urlencode(filters.query),
    )
    return render(request, "reports/dashboard.html", ctx)


def _filters_or_error(request: HttpRequest) -> tuple[Scope, Filters] | HttpResponse:
    try:
        scope = manager_scope(request.user)
    except PermissionDenied as error:
        return _refused(request, error)
    try:
        return scope, parse_filters(scope, request.GET, customer_choices())
    except InvalidInput as error:
        return HttpResponse(
            str(error.message), status=400, content_type="text/plain; charset=utf-8"
        )


def _csv(rows, name: str, filters: Filters) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        exports.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    p = filters.period
    filename = f"{name}-{p.first.isoformat()}-{p.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_required
def export_table(request: HttpRequest, name: str) -> HttpResponse:
    """One dashboard table as CSV: its aggregate rows, or the streamed breach list."""
    if name not in tables.TABLES:
        raise Http404()
    found = _filters_or_error(request)
    if isinstance(found, HttpResponse):
        return found
    scope, filters = found
    if name == "breaches":
        return _csv(exports.breach_rows(scope, filters), name, filters)
    return _csv(iter(tables.TABLES[name](scope, filters).csv_rows()), name, filters)


@require_GET
@staff_required
def export_tickets(request: HttpRequest) -> HttpResponse:
    """Every ticket filed in the period (within the scope and filters), streamed."""
    found = _filters_or_error(request)
    if isinstance(found, HttpResponse):
        return found
    scope, filters = found
    return _csv(exports.ticket_rows(scope, filters), "tickets", filters)
