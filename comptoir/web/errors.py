"""The answer to a request that failed on our side (`handler500` in comptoir/urls.py).

Django's own 500 page is one bare line of HTML, for the API too, whose callers expect
problem details (RFC 9457). And while PostgreSQL restarts or is out of reach, every
request fails the same way: a 503 with `Retry-After` tells people, API clients and load
balancers that trying again shortly will work, where a 500 says something is broken.
Nothing here reads the database, since it may be what is down: the page is rendered
without the request (no context processor, no session, no user).
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

RETRY_AFTER = 5  # seconds: about what a restart of PostgreSQL takes


def database_unavailable(exc: BaseException | None) -> bool:
    """Lost or refused connections, a server starting up or shutting down, a deadlock
    victim, SQLite's "database is locked": the database's trouble, not the request's."""
    return isinstance(exc, (OperationalError, InterfaceError))


def server_error(request: HttpRequest) -> HttpResponse:
    unavailable = database_unavailable(sys.exc_info()[1])
    if unavailable:
        status, code, heading = 503, "unavailable", _("Temporarily unavailable")
        message = _("Comptoir cannot reach its database just now. Try again in a few seconds.")
    else:
        status, code, heading = 500, "server_error", _("Error")
        message = _("Something went wrong on our side. Try again later.")
    if request.path.startswith("/api/"):
        from comptoir.api.common import problem

        response = problem(status, message, code=code)
    else:
        page = render_to_string("web/server_error.html", {"heading": heading, "message": message})
        response = HttpResponse(page, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER)
    return response
