"""Directory lookup (TEN-7, 002 "Recherche LDAP"): people by login, e-mail or name, among
those the agent may see, as radio buttons a form can submit (htmx fragment). With an LDAP
directory configured, entries of the directory not yet in Comptoir follow, each with an
Import button (a POST here) that creates the person and offers them picked."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from comptoir.accounts.actions import person_sync_from_directory
from comptoir.accounts.models import User
from comptoir.accounts.selectors import (
    directory_candidates,
    directory_entry_get,
    directory_lookup,
)
from comptoir.core.errors import DomainError
from comptoir.tickets.relations import may_follow
from comptoir.tickets.selectors import ticket_get
from comptoir.web.access import staff_required

NAME = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


@require_http_methods(["GET", "POST"])
@staff_required
def people_lookup(request: HttpRequest) -> HttpResponse:
    field = request.GET.get("field", "")
    pick = request.GET.get("pick", "")
    if not (NAME.match(field) and NAME.match(pick)):
        field, pick = "user", "pick"
    if request.method == "POST":
        return _import(request, pick)
    term = request.GET.get(field) or request.GET.get("q", "")
    people = directory_lookup(actor=request.user, term=term, limit=20)
    kind = request.GET.get("kind", "any")
    if kind == "customer":
        people = [p for p in people if p.is_customer]
    elif kind == "staff":
        people = [p for p in people if p.is_staff_member or p.is_admin]
    key = request.GET.get("ticket")
    if key:
        try:
            ticket = ticket_get(actor=request.user, key=key)
            people = [p for p in people if may_follow(p, ticket)]
        except DomainError:
            people = []
    ids = [p.pk for p in people[:10]]
    rows = User.objects.filter(pk__in=ids).select_related("organisation", "site")
    by_id = {u.pk: u for u in rows}
    ctx = {
        "people": [by_id[i] for i in ids if i in by_id],
        "pick": pick,
        "term": term.strip(),
        "directory": directory_candidates(actor=request.user, term=term, limit=5),
        "query": request.GET.urlencode(),
    }
    return render(request, "console/partials/people.html", ctx)


def _import(request: HttpRequest, pick: str) -> HttpResponse:
    """Create (or find) the person of a directory entry, then show them picked."""
    ctx: dict = {"pick": pick, "people": [], "imported": True}
    try:
        entry = directory_entry_get(actor=request.user, login=request.POST.get("import", ""))
        ctx["people"] = [person_sync_from_directory(actor=request.user, entry=entry)]
    except DomainError as error:
        ctx["error"] = str(error.message)
    return render(request, "console/partials/people.html", ctx)
