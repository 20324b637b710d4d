"""Writes on people's own settings, the one path for them as for tickets."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.core.errors import InvalidInput


def user_set_language(*, actor: User, language: str) -> User:
    """X-1: each person chooses their language; pages and mails follow it."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language not in codes:
        raise InvalidInput(_("Choose French or English."), field="language")
    if actor.language != language:
        actor.language = language
        actor.save(update_fields=["language"])
    return actor
