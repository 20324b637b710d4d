"""Writes on people's own settings, the one path for them as for tickets."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from comptoir.accounts.models import Role, Site, User
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


def contact_create_from_email(
    *, site: Site, email: str, name: str = "", language: str = "fr"
) -> User:
    """MAIL-1: an unknown sender becomes a customer contact of the mailbox's site, when the
    mailbox says so. No password: the contact signs in after a password reset, or never."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(_("This e-mail address is not valid."), field="email") from exc
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(_("Someone already has this e-mail address."), field="email")
    if not site.is_active or not site.organisation.is_active:
        raise InvalidInput(_("This site does not take new contacts."), field="site")
    first, _sep, last = " ".join((name or "").split()).partition(" ")
    username = email[:150]
    n = 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{email[:140]}-{n}"
    user = User(
        username=username,
        email=email,
        first_name=first[:150],
        last_name=last[:150],
        role=Role.CUSTOMER,
        site=site,
        organisation=site.organisation,
        language=language if language in {c for c, _n in settings.LANGUAGES} else "fr",
    )
    user.set_unusable_password()
    user.save()
    return user
