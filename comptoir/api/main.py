"""The REST API at /api/v1/: one NinjaAPI, its auth, its error handlers, its routers.

Routers live in their own modules and are added below with one line each.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from comptoir.api import tickets, tickets_actions, tickets_more
from comptoir.api.common import (
    TokenAuth,
    TokenRateThrottle,
    WebSessionAuth,
    actor,
    api_token,
    problem,
)
from comptoir.api.errors import ProblemNinjaAPI, validation_problem
from comptoir.core.errors import DomainError

api = ProblemNinjaAPI(
    title="Comptoir API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), WebSessionAuth()],
    throttle=[TokenRateThrottle()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return problem(exc.status, exc.message, code=exc.code, field=exc.field)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return validation_problem(exc)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404, _("Not found."), code="not_found")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, Throttled):
        response = problem(
            429, _("Too many requests: slow down and retry later."), code="throttled"
        )
        if exc.wait is not None:  # ninja sets it itself for its throttles, not for auth's
            response["Retry-After"] = str(max(1, math.ceil(exc.wait)))
        return response
    if isinstance(exc, AuthenticationError):
        response = problem(
            401, _("A valid API token or session is required."), code="unauthenticated"
        )
        response["WWW-Authenticate"] = 'Bearer realm="comptoir"'
        return response
    if exc.status_code == 403 and "CSRF" in str(exc.message):
        return problem(403, _("The CSRF check failed: reload the page and retry."), code="csrf")
    return problem(exc.status_code, exc.message, code=str(exc.status_code))


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database cannot hold (a number out of range…): the caller's mistake."""
    return problem(400, _("A value is out of the accepted range."), code="out_of_range")


@api.exception_handler(OverflowError)
def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    return problem(400, _("A value is out of the accepted range."), code="out_of_range")


@api.exception_handler(ValueError)
def _value_error(request: HttpRequest, exc: ValueError) -> HttpResponse:
    """PostgreSQL refuses NUL characters in text; anything else is a genuine bug."""
    if "NUL" in str(exc):
        return problem(400, _("Text may not contain NUL characters."), code="nul_character")
    raise exc


class MeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    language: str
    organisation_id: int | None
    site_id: int | None
    token_read_only: bool
    token_desk_id: int | None


@api.get("/me", response=MeOut, tags=["me"])
def me(request: HttpRequest) -> dict[str, Any]:
    """The caller, and what their token is limited to."""
    user = actor(request)
    token = api_token(request)
    return {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "language": user.language,
        "organisation_id": user.organisation_id,
        "site_id": user.site_id,
        "token_read_only": bool(token and token.read_only),
        "token_desk_id": token.desk_id if token else None,
    }


# Routers, one line each.
api.add_router("/tickets", tickets_actions.router)
api.add_router("/tickets", tickets_more.router)
api.add_router("/tickets", tickets.router)
api.add_router("", "comptoir.api.config.router")  # /desks /services /categories /types /priorities
api.add_router("", "comptoir.api.people.router")  # /organisations /sites /people /cis
api.add_router("", "comptoir.api.cmdb.router")  # /contracts /cis/{id}/contracts
api.add_router("", "comptoir.api.billing_time.router")  # /tickets/{key}/time /time-entries
api.add_router("", "comptoir.api.billing_quotes.router")  # /tickets/{key}/quotes
api.add_router("", "comptoir.api.billing_statements.router")  # /statements


def _problem_405(view: Any) -> Any:
    """Ninja answers an unknown method with a bare 405: give it the problem shape too."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").endswith(
            "problem+json"
        ):
            allow = response.get("Allow", "")
            response = problem(405, _("Method not allowed."), code="method_not_allowed")
            response["Allow"] = allow
        return response

    return wrapper


def urls() -> tuple[list[Any], str, str]:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = _problem_405(pattern.callback)
    return patterns, app_name, namespace
