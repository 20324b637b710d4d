"""Pages shared by the console and the portal: home, language, downloads (the login is
allauth's, comptoir/accounts/urls.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from comptoir.accounts.actions import user_set_language
from comptoir.core.errors import DomainError
from comptoir.core.middleware import set_language_cookie
from comptoir.tickets.selectors import attachment_get
from comptoir.web.downloads import download_response


def home(request: HttpRequest) -> HttpResponse:
    """Staff land on their queue, customers on their tickets."""
    user = request.user
    if not user.is_authenticated:
        return redirect("account_login")
    if user.is_staff_member or user.is_admin:
        return redirect("console:queue")
    return redirect("portal:tickets")


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """X-1: switch language; signed-in people keep it on their account."""
    code = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request))
    if request.user.is_authenticated:
        try:
            user_set_language(actor=request.user, language=code)
        except DomainError:
            return response
    if code in {"fr", "en"}:
        translation.activate(code)
        set_language_cookie(response, code)
    return response


@login_required
def attachment(request: HttpRequest, token: str) -> HttpResponse:
    """Download through the selectors: another tenant's token is a plain 404."""
    try:
        att = attachment_get(actor=request.user, token=token)
    except DomainError:
        raise Http404() from None
    return download_response(att.file.open("rb"), att.filename)
