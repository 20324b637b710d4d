"""Self-registration with a customer number (TEN-5): the page at /register/ (`web:register`).

The page parses the form and calls `accounts.actions.register_customer`, whose refusals land
on the fields they name. The newcomer is then logged in and sent to the portal's new
request page, so they file what they came for in the same visit; with
COMPTOIR_EMAIL_VERIFICATION=mandatory they verify their address first, as at any login.

Attempts are counted per client address (COMPTOIR_REGISTRATION_RATE, "10/hour") in the
shared cache, every attempt alike: an attempt that would succeed cannot be told from one
that fails by whether it is counted, and a valid code cannot be used to open accounts in
bulk either.
"""

from __future__ import annotations

import math

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, password_validation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from comptoir.accounts.actions import register_customer, registration_open
from comptoir.accounts.models import User
from comptoir.api.throttle import AuthFailureThrottle
from comptoir.web.forms import call_action

BACKEND = "comptoir.accounts.backends.UsernameOrEmailBackend"


class RegistrationForm(forms.Form):
    """The fields carry the action's argument names, so its refusals land next to them."""

    code = forms.CharField(
        label=_lazy("Customer number"),
        max_length=50,
        help_text=_lazy("Your service desk gave it to you; it names your site."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    first_name = forms.CharField(
        label=_lazy("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_lazy("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_lazy("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    username = forms.CharField(
        label=_lazy("Login (optional)"),
        max_length=150,
        required=False,
        help_text=_lazy("Leave it empty to log in with your e-mail address."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_lazy("Password"),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_lazy("Language"), choices=settings.LANGUAGES)

    def clean(self) -> dict:
        data = super().clean()
        typed = data.get("password"), data.get("password2")
        if None not in typed and typed[0] != typed[1]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class RegistrationThrottle(AuthFailureThrottle):
    """The API's sliding window per client address, counting registration attempts."""

    scope = "comptoir-register"

    def _configure(self) -> bool:
        self.rate = getattr(settings, "COMPTOIR_REGISTRATION_RATE", "10/hour") or None
        if self.rate is None:
            return False
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return True


attempts = RegistrationThrottle()


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:home")
    if not registration_open():
        status = 403 if request.method == "POST" else 200
        return render(request, "web/register.html", {"closed": True}, status=status)
    if request.method != "POST":
        form = RegistrationForm(initial={"language": translation.get_language()})
        return render(request, "web/register.html", {"form": form})
    form = RegistrationForm(request.POST)
    wait = attempts.blocked_for(request)
    if wait is not None:
        minutes = max(1, math.ceil(wait / 60))
        form.add_error(
            None,
            _(
                "Too many registration attempts from your address. "
                "Try again in %(minutes)s minutes, or ask your service desk."
            )
            % {"minutes": minutes},
        )
        return render(request, "web/register.html", {"form": form}, status=429)
    attempts.record(request)
    user = None
    if form.is_valid():
        data = form.cleaned_data
        user, _error = call_action(
            request,
            register_customer,
            form=form,
            code=data["code"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            username=data["username"],
            password=data["password"],
            language=data["language"],
        )
    if user is None:
        return render(request, "web/register.html", {"form": form}, status=400)
    return _welcome(request, user)


def _welcome(request: HttpRequest, user: User) -> HttpResponse:
    """Log the newcomer in (with their own language) and open the new request page; or,
    when the instance insists on verified addresses, send them to verify theirs first."""
    sent = _send_verification(request, user)
    if sent and getattr(settings, "ACCOUNT_EMAIL_VERIFICATION", "none") == "mandatory":
        return redirect("account_email_verification_sent")
    login(request, user, backend=BACKEND)
    translation.activate(user.language)
    messages.success(
        request, _("Welcome! Your account is ready: choose what you need and file your request.")
    )
    return redirect("portal:new")


def _send_verification(request: HttpRequest, user: User) -> bool:
    """allauth's verification mail for the new address, unless verification is off."""
    if not apps.is_installed("allauth.account"):
        return False
    if getattr(settings, "ACCOUNT_EMAIL_VERIFICATION", "none") == "none":
        return False
    from allauth.account.internal.flows.email_verification import (
        send_verification_email_to_address,
    )
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        return False
    return send_verification_email_to_address(request, address)
