"""The page where a person creates and revokes their own API tokens, in the console for
staff and in the portal for customers (the same view, each side's frame)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from comptoir.api.actions import token_create, token_revoke
from comptoir.api.selectors import token_list
from comptoir.catalog.models import Desk
from comptoir.core.errors import DomainError


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    read_only = forms.BooleanField(label=_("Read only"), required=False)
    desk = forms.ModelChoiceField(
        label=_("Limited to the desk"),
        queryset=Desk.objects.filter(is_active=True),
        required=False,
        empty_label=_("Every desk"),
    )
    expires_at = forms.DateTimeField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


def _template(request: HttpRequest) -> str:
    user = request.user
    staff = user.is_staff_member or user.is_admin
    return "api/tokens_console.html" if staff else "api/tokens_portal.html"


@login_required
def token_page(request: HttpRequest) -> HttpResponse:
    secret = None
    status = 200
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                _token, secret = token_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
                status = 400
            else:
                form = TokenForm()
        else:
            status = 400
    else:
        form = TokenForm()
    ctx = {"form": form, "secret": secret, "tokens": token_list(actor=request.user)}
    response = render(request, _template(request), ctx, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token_revoke(actor=request.user, token_id=token_id)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The token has been revoked."))
    return redirect("api_tokens:list")
