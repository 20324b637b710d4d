"""How django-allauth fits Comptoir (docs/decisions/0010-identity.md).

Accounts are made by the service desk, the directory or the registration with a customer
number (TEN-5), never by allauth's own signup. allauth's mails (password reset, address
verification, security notices) are rendered in the recipient's language and sent at once
through the configured mailer (`MAILERS`, SMTP or the `.eml` files), not the outbox: the
outbox renders ticket notifications from their rows at delivery time, and a reset link is a
secret that should not wait in a table an administrator can read. Their links start with
`SITE_URL`, never with the Host header of the request that asked for them.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import quote

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import mailers
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import User

log = logging.getLogger(__name__)


def recipient_language(email: str, user: Any = None) -> str:
    """The language the person chose (X-1); for an address nobody holds, the page's."""
    languages = dict(settings.LANGUAGES)
    language = getattr(user, "language", None)
    if language not in languages and email:
        language = (
            User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
        )
    if language not in languages:
        language = translation.get_language()
    return language if language in languages else settings.LANGUAGE_CODE


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed login attempts. Wait a few minutes before trying again, "
            "or reset your password."
        ),
        "username_password_mismatch": _("Wrong username, e-mail address or password."),
        "email_password_mismatch": _("Wrong username, e-mail address or password."),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Closed: people register with their customer number on Comptoir's own page."""
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A login of the last few minutes proves it is you as well as typing the password
        again: staff sent to set up their app right after logging in are not asked twice."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request
        records = get_authentication_records(request, getattr(request, "user", None))
        if not records:
            return True
        return time.time() - records[-1]["at"] >= account_settings.REAUTHENTICATION_TIMEOUT

    def can_delete_email(self, email_address: EmailAddress) -> bool:
        """The address is the one the service desk knows (and mail ingest reads)."""
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render in the recipient's language and send through the configured mailer.

        A mailer that fails is logged, not shown: the pages that send (reset, verification)
        say the same thing whether or not an account exists, and the person can ask again.
        """
        with translation.override(recipient_language(email, context.get("user"))):
            ctx = {
                "request": self.request,
                "email": email,
                "site_name": "Comptoir",
                "site_url": settings.SITE_URL,
                **context,
            }
            message = self.render_mail(
                template_prefix,
                email,
                ctx,
                headers={
                    "Auto-Submitted": "auto-generated",
                    "X-Auto-Response-Suppress": "All",
                    "Content-Language": translation.get_language(),
                },
            )
        try:
            mailers.default.send_messages([message])
        except OSError:
            log.exception("account mail %s to %s not sent", template_prefix, email)

    def send_notification_mail(
        self,
        template_prefix: str,
        user: AbstractBaseUser,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        """Security notices also reach people whose address allauth has no row for yet."""
        address = email or EmailAddress.objects.get_primary_email(user) or user.email
        super().send_notification_mail(
            template_prefix, user, {"user": user, **(context or {})}, email=address
        )

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        """Back to the page the link came from: console preferences or portal profile."""
        user = request.user
        staff = user.is_staff_member or user.is_admin  # type: ignore[union-attr]
        return reverse("console:preferences" if staff else "portal:profile")

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.SITE_URL + path.replace("UID-KEY", quote(key))

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        return settings.SITE_URL + reverse("account_confirm_email", args=[emailconfirmation.key])


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff keep their authenticator app while the instance requires one."""
        if (
            settings.COMPTOIR_MFA_REQUIRED_FOR_STAFF
            and authenticator.type == Authenticator.Type.TOTP
        ):
            user = authenticator.user
            return not (user.is_staff_member or user.is_admin)
        return True
