"""My profile: who I am (read-only: no site choice and no approval delegation, TEN-4),
my language (X-1), and the links to my password and two-factor authentication (POR-6,
allauth's pages: comptoir/accounts/urls.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.actions import user_set_language
from comptoir.core.middleware import set_language_cookie
from comptoir.portal.forms import LanguageForm
from comptoir.web.access import customer_required
from comptoir.web.forms import call_action


def _render(
    request: HttpRequest, language_form: LanguageForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    return render(
        request,
        "portal/profile.html",
        {
            "person": user,
            "language_form": language_form
            or LanguageForm(prefix="lang", initial={"language": user.language}),
        },
        status=status,
    )


@customer_required
def profile(request: HttpRequest) -> HttpResponse:
    return _render(request)


@require_POST
@customer_required
def language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST, prefix="lang")
    if form.is_valid():
        _user, error = call_action(
            request,
            user_set_language,
            form=form,
            actor=request.user,
            language=form.cleaned_data["language"],
        )
        if error is None:
            translation.activate(request.user.language)
            messages.success(request, _("Your language has been saved."))
            response = redirect("portal:profile")
            set_language_cookie(response, request.user.language)
            return response
    return _render(request, language_form=form, status=400)
