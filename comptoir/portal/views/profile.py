"""My profile: who I am (read-only: no site choice and no approval delegation, TEN-4),
my language (X-1) and my password (POR-6)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.actions import user_set_language
from comptoir.portal.forms import LanguageForm
from comptoir.web.access import customer_required
from comptoir.web.forms import call_action


def _render(
    request: HttpRequest,
    language_form: LanguageForm | None = None,
    password_form: PasswordChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    return render(
        request,
        "portal/profile.html",
        {
            "person": user,
            "language_form": language_form
            or LanguageForm(prefix="lang", initial={"language": user.language}),
            "password_form": _no_autofocus(password_form or PasswordChangeForm(user, prefix="pw")),
        },
        status=status,
    )


def _no_autofocus(form: PasswordChangeForm) -> PasswordChangeForm:
    """Django focuses the old password; on a page with other forms that is a surprise."""
    form.fields["old_password"].widget.attrs.pop("autofocus", None)
    return form


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
            response.set_cookie(
                "django_language", request.user.language, samesite="Lax", httponly=True
            )
            return response
    return _render(request, language_form=form, status=400)


@require_POST
@customer_required
def password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST, prefix="pw")
    if form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)  # stay signed in on this browser
        messages.success(request, _("Your password has been changed."))
        return redirect("portal:profile")
    return _render(request, password_form=form, status=400)
