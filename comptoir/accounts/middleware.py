"""COMPTOIR_MFA_REQUIRED_FOR_STAFF: agents, service managers and administrators without an
authenticator app set one up before anything else (docs/decisions/0010-identity.md).

Only the pages that setting it up may need stay open: two-factor authentication itself
(with the password check allauth asks for first, and the address verification it needs),
the logout, the language switch and static files. On the API the login session does not
count until then (the person is anonymous there); a token still does.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

OPEN_VIEWS = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_reauthenticate",
    "account_reauthenticate",
    "account_logout",
    "account_email",
    "account_confirm_email",
    "account_email_verification_sent",
    "web:language",
}
API_PREFIX = "/api/"


def must_set_up_mfa(user: object) -> bool:
    """Staff (and administrators) without TOTP, when the instance requires it."""
    if not settings.COMPTOIR_MFA_REQUIRED_FOR_STAFF:
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    if not (user.is_staff_member or user.is_admin):  # type: ignore[attr-defined]
        return False
    return not is_mfa_enabled(user, [Authenticator.Type.TOTP])


def is_open(request: HttpRequest) -> bool:
    path = request.path_info
    if path.startswith(settings.STATIC_URL):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.view_name in OPEN_VIEWS


class StaffMfaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        required = must_set_up_mfa(request.user)
        request.mfa_setup_required = required  # type: ignore[attr-defined]
        if required and request.path_info.startswith(API_PREFIX):
            request.user = AnonymousUser()  # only a token authenticates there

            async def anonymous() -> AnonymousUser:
                return AnonymousUser()

            request.auser = anonymous  # type: ignore[attr-defined]
        elif required and not is_open(request):
            target = reverse("mfa_activate_totp")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return HttpResponseRedirect(target)
        return self.get_response(request)
