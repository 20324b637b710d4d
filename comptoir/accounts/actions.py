"""Writes on people's own settings, the one path for them as for tickets."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, Role, Site, User, VisibilityGrant
from comptoir.core.errors import InvalidInput, PermissionDenied

logger = logging.getLogger(__name__)


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


# --- TEN-3: visibility extension ------------------------------------------------------------


def visibility_grant_clean(*, user: User, organisation: Organisation, division: str = "") -> str:
    """The checks of a grant, for the actions and the admin's forms: a grant opens a client
    company's tickets to a customer; a division must be one of that company's.
    Returns the division as stored (spaces collapsed)."""
    if not user.is_customer:
        raise InvalidInput(
            _("Only a customer can be granted the tickets of a company."), field="user"
        )
    if organisation.is_provider:
        raise InvalidInput(_("Choose a client company, not the provider."), field="organisation")
    division = " ".join((division or "").split())
    if division and not Site.objects.filter(organisation=organisation, division=division).exists():
        raise InvalidInput(
            _("%(organisation)s has no site in the division “%(division)s”.")
            % {"organisation": organisation.name, "division": division},
            field="division",
        )
    return division


def grant_visibility(
    *, actor: User, user: User, organisation: Organisation, division: str = ""
) -> VisibilityGrant:
    """TEN-3 (003 §2.1.1): a customer asks to follow every ticket of their company, of one
    division (the sites of that division), or of several companies (one grant each), and
    an administrator grants it. Granting what is already granted changes nothing."""
    _require_admin(actor)
    division = visibility_grant_clean(user=user, organisation=organisation, division=division)
    with transaction.atomic():
        grant, created = VisibilityGrant.objects.get_or_create(
            user=user, organisation=organisation, division=division
        )
    if created:
        logger.info("%s granted %s the tickets of %s", actor, user, grant)
    _forget_grants(user)
    return grant


def revoke_visibility(*, actor: User, grant: VisibilityGrant) -> None:
    """TEN-3: the person's next page, search or API call no longer shows those tickets
    (visibility is read from the grants at each request)."""
    _require_admin(actor)
    VisibilityGrant.objects.filter(pk=grant.pk).delete()
    logger.info("%s revoked %s", actor, grant)
    _forget_grants(grant.user)


def _require_admin(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.is_admin):
        raise PermissionDenied(
            _("Only an administrator may change who sees which tickets."), code="admin_only"
        )


def _forget_grants(user: User) -> None:
    """`tickets.selectors` keeps a person's grants on their User object for one request."""
    user.__dict__.pop("_visibility_grants", None)
