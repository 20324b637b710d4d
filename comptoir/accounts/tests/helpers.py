"""What the identity tests share: logging in through the real form, TOTP codes computed
with allauth's own functions, a message as a reader of one language gets it."""

from __future__ import annotations

import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

LINK = re.compile(r"https?://\S+")


def login(client: Client, login: str, password: str = "pw", **extra):
    """POST the login form as a browser would."""
    return client.post(reverse("account_login"), {"login": login, "password": password}, **extra)


def who(client: Client) -> str | None:
    """The username the client's session belongs to, or None."""
    from comptoir.accounts.models import User

    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk).username if pk else None


def totp_code(secret: str, *, offset: int = 0) -> str:
    """The code an authenticator app shows now (`offset` periods away), never in the last
    two seconds of a period, so the server checks it in the same period."""
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 2:
        time.sleep(2.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period + offset))


def tr(message: str, language: str) -> str:
    """`message` as a reader of `language` gets it (whichever catalogue translates it)."""
    with translation.override(language):
        return str(_(message))


def last_link() -> str:
    """The one link of the last mail sent."""
    links = LINK.findall(mail.outbox[-1].body)
    assert len(links) == 2, links  # the action's link, then Comptoir's address in the footer
    return links[0]
