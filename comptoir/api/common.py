"""What every router of the API shares: who the caller is, problem details, pagination.

Routers import from here only; the NinjaAPI object and its handlers live in main.py.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja.errors import Throttled
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import SimpleRateThrottle
from pydantic import Field

from comptoir.accounts.models import User
from comptoir.api.actions import token_authenticate
from comptoir.api.models import ApiToken
from comptoir.api.throttle import auth_failures, client_ip
from comptoir.core.errors import InvalidInput, PermissionDenied

# A row id as the database holds it: larger numbers are refused as input (422), not a 500.
DbId = Annotated[int, Field(ge=1, le=2**31 - 1)]

PROBLEM_CONTENT_TYPE = "application/problem+json"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

TITLES = {
    400: _("Bad request"),
    401: _("Authentication required"),
    403: _("Forbidden"),
    404: _("Not found"),
    405: _("Method not allowed"),
    409: _("Conflict"),
    412: _("Precondition failed"),
    413: _("Content too large"),
    422: _("Invalid input"),
    428: _("Precondition required"),
    429: _("Too many requests"),
    507: _("Insufficient storage"),
}


def problem(
    status: int,
    detail: Any = "",
    *,
    code: str = "",
    field: str | None = None,
    **extra: Any,
) -> HttpResponse:
    """An RFC 9457 problem details response; `type` is a URN naming the stable code."""
    code = code or str(status)
    body: dict[str, Any] = {
        "type": f"urn:comptoir:problem:{code}",
        "title": str(TITLES.get(status, _("Error"))),
        "status": status,
        "detail": str(detail or TITLES.get(status, "")),
        "code": code,
    }
    if field:
        body["field"] = field
    body.update(extra)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def actor(request: HttpRequest) -> User:
    """The person calling, whichever way they authenticated."""
    return request.auth if isinstance(request.auth, User) else request.user


def api_token(request: HttpRequest) -> ApiToken | None:
    """The token the call came with, None for a session call."""
    return getattr(request, "api_token", None)


def token_desk_id(request: HttpRequest) -> int | None:
    """The one desk a desk-limited token may reach, None when not limited."""
    token = api_token(request)
    return token.desk_id if token else None


def _use_language(request: HttpRequest, user: User) -> None:
    """A script seldom sends Accept-Language: answer in the person's own language then."""
    if "HTTP_ACCEPT_LANGUAGE" not in request.META and user.language:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


class TokenAuth(HttpBearer):
    """Personal API tokens; a read-only token is refused on anything but a read.

    Any Authorization header that does not give a usable token counts as a failure for
    the caller's address (throttle.py); an address past its failures is refused before
    its token is even looked at.
    """

    def __call__(self, request: HttpRequest) -> User | None:
        if not request.headers.get(self.header):
            return None
        wait = auth_failures.blocked_for(request)
        if wait is not None:
            raise Throttled(wait=wait)
        user = super().__call__(request)
        if user is None:
            auth_failures.record(request)
        return user

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = token_authenticate(token)
        if found is None:
            return None
        request.api_token = found
        request.user = found.user
        _use_language(request, found.user)
        if found.read_only and request.method not in SAFE_METHODS:
            raise PermissionDenied(
                _("This token is read-only: it cannot change anything."), code="read_only_token"
            )
        return found.user


class WebSessionAuth(SessionAuth):
    """The web pages' own calls: the login session, with Django's CSRF check."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if user.is_authenticated and user.is_active:
            _use_language(request, user)
            return user
        return None


class TokenRateThrottle(SimpleRateThrottle):
    """COMPTOIR_API_RATE per token (per person for session calls, per address otherwise)."""

    scope = "comptoir-api"

    def get_rate(self) -> str | None:
        return getattr(settings, "COMPTOIR_API_RATE", "120/min") or None

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_ident(self, request: HttpRequest) -> str:
        return client_ip(request)  # ninja's own would believe any X-Forwarded-For

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = api_token(request)
        if token is not None:
            ident = f"t{token.pk}"
        elif request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = f"a{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


# --- cursor pagination -------------------------------------------------------------------

MAX_LIMIT = 100


def _encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except ValueError:
        values = None
    if not isinstance(values, list) or len(values) != size:
        raise InvalidInput(_("This cursor is not valid."), field="cursor")
    if any(not isinstance(v, (str, int)) or isinstance(v, bool) for v in values):
        raise InvalidInput(_("This cursor is not valid."), field="cursor")
    return values


def paginate(
    queryset: QuerySet,
    cursor: str | None,
    limit: int,
    key: Sequence[str] = ("-id",),
) -> tuple[list[Any], str | None]:
    """Keyset pagination over `key` (its last field must be unique, e.g. "-id"): a page
    never repeats nor skips a row when rows are added in between, unlike offsets."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    fields = [k.lstrip("-") for k in key]
    qs = queryset.order_by(*key)
    if cursor:
        values = _decode(cursor, len(key))
        after = Q()
        for i, k in enumerate(key):
            op = "lt" if k.startswith("-") else "gt"
            step = Q(**{f"{fields[i]}__{op}": values[i]})
            for j in range(i):
                step &= Q(**{fields[j]: values[j]})
            after |= step
        try:
            qs = qs.filter(after)
            rows = list(qs[: limit + 1])
        except (ValueError, TypeError, DjangoValidationError):
            raise InvalidInput(_("This cursor is not valid."), field="cursor") from None
    else:
        rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode([getattr(last, f) for f in fields])
    return rows, next_cursor
