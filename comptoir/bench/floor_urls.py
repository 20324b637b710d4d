"""The floor of `comptoir bench run`: a bare view doing one indexed query, served through
the product's whole middleware stack. A page's time over the floor's is the cost of the
page itself, on the same machine and database.

This URLconf is the product's plus one path; only the benchmark's child uses it (with
override_settings), so the path never exists on a running instance.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from comptoir.tickets.models import Ticket
from comptoir.urls import urlpatterns as product


def floor(request: HttpRequest, pk: int) -> HttpResponse:
    key = Ticket.objects.filter(pk=pk).values_list("key", flat=True).first()
    if key is None:
        raise Http404()
    return HttpResponse(key, content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/floor/<int:pk>/", floor), *product]
