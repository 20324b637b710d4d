"""Queues (SPEC §4): free tickets of my services, mine, my categories', waiting on the
customer, those I follow, all; filtered, sorted, paged by keyset, saved per user, and
refreshed in place by htmx every 30 seconds and on every filter change."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.console import selectors as sel
from comptoir.console.actions import KEPT, saved_queue_delete, saved_queue_save
from comptoir.console.forms import SaveQueueForm
from comptoir.console.models import SavedQueue
from comptoir.core.errors import DomainError
from comptoir.web.access import staff_required
from comptoir.web.forms import call_action


def _int(value: str | None) -> int | None:
    if not value or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def params_from(query: QueryDict) -> sel.QueueParams:
    queue = query.get("queue", "free")
    state = query.get("state", "")
    sort = query.get("sort", "updated")
    return sel.QueueParams(
        queue=queue if queue in sel.QUEUES else "free",
        state=state if state in sel.STATES else "",
        text=query.get("q", "")[:200],
        desk_id=_int(query.get("desk")),
        service_id=_int(query.get("service")),
        status_id=_int(query.get("status")),
        priority_id=_int(query.get("priority")),
        sort=sort if sort in sel.SORTS else "updated",
        after=query.get("after", "")[:500],
        before=query.get("before", "")[:500],
    )


def _query(query: QueryDict, **changes: str) -> str:
    """The current filters (no cursor) with `changes`, as a query string."""
    pairs = {k: v for k, v in query.items() if k in KEPT and v}
    pairs.update({k: v for k, v in changes.items() if v})
    for k, v in changes.items():
        if not v:
            pairs.pop(k, None)
    return urlencode(pairs)


def _grouped(items, desk_of) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(desk_of(item), []).append(item)
    return list(groups.items())


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    actor = request.user
    params = params_from(request.GET)
    # Read first: it remembers the agent's services, which the queue's query needs.
    services = None if request.htmx else sel.my_services(actor)
    page = sel.queue_page(actor=actor, params=params)
    base = reverse("console:queue")
    filters = _query(request.GET)
    counts = sel.queue_counts(actor)
    ctx = {
        "page": page,
        "params": params,
        "state": params.state or sel.default_state(params.queue),
        "tabs": [
            (
                code,
                name,
                counts[code],
                f"{base}?{_query(request.GET, queue=code, status='', state='')}",
            )
            for code, name in sel.QUEUES.items()
        ],
        "states": sel.STATES,
        "sorts": {k: v[0] for k, v in sel.SORTS.items()},
        "filters": filters,
        "refresh_url": f"{base}?{request.GET.urlencode()}",
        "next_url": f"{base}?{_query(request.GET, after=page.next_cursor)}"
        if page.next_cursor
        else "",
        "prev_url": f"{base}?{_query(request.GET, before=page.prev_cursor)}"
        if page.prev_cursor
        else "",
    }
    if request.htmx:
        return render(request, "console/partials/queue_table.html", ctx)
    desks = sel.my_desks(actor)
    ctx.update(
        desks=desks,
        services=services,
        statuses=_grouped(sel.filter_statuses(desks), lambda s: str(s.workflow)),
        priorities=_grouped(sel.filter_priorities(desks), lambda p: str(p.desk)),
        saved=list(SavedQueue.objects.filter(user=actor)),
        save_form=SaveQueueForm(initial={"query": filters}),
    )
    return render(request, "console/queue.html", ctx)


@staff_required
@require_POST
def queue_save(request: HttpRequest) -> HttpResponse:
    form = SaveQueueForm(request.POST)
    if form.is_valid():
        saved, error = call_action(
            request,
            saved_queue_save,
            actor=request.user,
            name=form.cleaned_data["name"],
            query=form.cleaned_data["query"],
        )
        if error is None:
            messages.success(request, _("View “%(name)s” saved.") % {"name": saved.name})
            return redirect(f"{reverse('console:queue')}?{saved.query}")
    else:
        messages.error(request, _("Give this view a name."))
    return redirect(f"{reverse('console:queue')}?{form.data.get('query', '')}")


@staff_required
@require_POST
def queue_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        saved_queue_delete(actor=request.user, pk=pk)
        messages.success(request, _("View deleted."))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("console:queue")
