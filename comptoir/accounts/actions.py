"""Writes on people's own settings, the one path for them as for tickets."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from comptoir.accounts.models import STAFF_ROLES, Organisation, Role, Site, User, VisibilityGrant
from comptoir.accounts.selectors import site_by_code
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied

if TYPE_CHECKING:
    from comptoir.accounts.ldap import DirectoryEntry

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


def person_sync_from_directory(*, actor: User | None, entry: DirectoryEntry) -> User:
    """TEN-7: the directory is where names and e-mail addresses live. `actor=None` is a
    login (the directory just vouched for the person); otherwise an agent imports the entry
    from the people lookup, and only staff may. The person is the one with the entry's
    login, else the only one with its e-mail address, else a new customer "without site"
    (or on the site the directory names, or with the role its groups give): so importing
    twice, or logging in after an import, never makes a second person."""
    if actor is not None and not (actor.is_active and (actor.is_staff_member or actor.is_admin)):
        raise NotFound()
    login = (entry.login or "").strip()
    if not login:
        raise InvalidInput(_("This directory entry has no login."), field="user")
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username__iexact=login).first()
        if user is None and entry.email:
            same = list(User.objects.select_for_update().filter(email__iexact=entry.email)[:2])
            user = same[0] if len(same) == 1 else None
        if user is None:
            user = User(username=login[:150], role=Role.CUSTOMER)
            user.set_unusable_password()  # the directory holds the password
            _apply_entry(user, entry)
            user.save()
            logger.info("Person %s created from the directory entry %s", user.username, entry.dn)
            return user
        changed = _apply_entry(user, entry)
        if changed:
            user.save(update_fields=changed)
    return user


def _apply_entry(user: User, entry: DirectoryEntry) -> list[str]:
    """Copy what the directory says onto `user`; the names of the fields that changed."""
    changed: set[str] = set()
    for field in ("first_name", "last_name"):
        value = getattr(entry, field)
        if value and getattr(user, field) != value:
            setattr(user, field, value)
            changed.add(field)
    email = (entry.email or "").lower()
    if email and user.email.lower() != email:
        taken = User.objects.filter(email__iexact=email).exclude(pk=user.pk or 0).exists()
        if taken:  # e-mail logins must stay unambiguous: keep the old address
            logger.warning("Directory e-mail %s of %s is someone else's", email, entry.dn)
        else:
            user.email = email
            changed.add("email")
    if entry.role is not None and not user.is_superuser:
        changed |= _apply_role(user, entry.role)
    if entry.site_code and user.is_customer:
        site = site_by_code(entry.site_code)
        if site is not None and user.site_id != site.pk:
            user.site = site
            changed |= {"site", "organisation", "department"}
    return sorted(changed)


def _apply_role(user: User, role: str) -> set[str]:
    """With a group mapping the directory decides who is staff: the groups give the staff
    role; someone in none of them who was staff becomes a customer without site, and a
    customer (or customer manager) keeps their role."""
    if role in STAFF_ROLES:
        if user.role == role:
            return set()
        user.role = role
        user.site = None
        user.department = None
        user.organisation = Organisation.objects.filter(is_provider=True, is_active=True).first()
        return {"role", "site", "department", "organisation"}
    if user.role in STAFF_ROLES:
        user.role = Role.CUSTOMER
        user.site = None
        user.department = None
        user.organisation = None
        return {"role", "site", "department", "organisation"}
    return set()


# --- self-registration with a customer number (TEN-5) ------------------------------------


def registration_open() -> bool:
    """COMPTOIR_REGISTRATION_OPEN: whether anyone may register on this instance at all."""
    return bool(getattr(settings, "COMPTOIR_REGISTRATION_OPEN", True))


def register_customer(
    *,
    code: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    username: str = "",
    language: str = "fr",
) -> User:
    """TEN-5 (000 "S'inscrire au service"): a newcomer types the customer number their
    service desk gave them (the site's code) and becomes, in one step, a customer of that
    site, who can file requests at once. A code that is wrong, of a disabled site or
    organisation, or of an organisation that does not take registrations gets one and the
    same answer, so trying codes teaches nothing. Without a login the e-mail address is
    the login (people log in with either). Nothing is written unless everything is right."""
    if not registration_open():
        raise InvalidInput(_("Registration is closed."), code="registration_closed")
    site = _registrable_site(code)
    first_name, last_name = _name(first_name, "first_name"), _name(last_name, "last_name")
    email = _email(email)
    language = (language or "").strip()
    if language not in {c for c, _n in settings.LANGUAGES}:
        raise InvalidInput(_("Choose French or English."), field="language")
    try:
        with transaction.atomic():
            _serialise(f"email:{email}", f"login:{(username or email).strip().lower()}")
            if _email_taken(email):
                raise InvalidInput(_("Someone already has this e-mail address."), field="email")
            user = User(
                username=_login(username, email),
                email=email,
                first_name=first_name,
                last_name=last_name,
                role=Role.CUSTOMER,
                site=site,
                organisation=site.organisation,
                language=language,
            )
            _check_password(password, user)
            user.set_password(password)
            user.save()
            _email_address(user)
    except IntegrityError as exc:  # a concurrent registration took the login or address
        if _email_taken(email):
            raise InvalidInput(
                _("Someone already has this e-mail address."), field="email"
            ) from exc
        raise InvalidInput(_("This login is already taken."), field="username") from exc
    logger.info("Person %s registered on site %s", user.username, site.code)
    return user


def _registrable_site(code: str) -> Site:
    if not (code or "").strip():
        raise InvalidInput(_("Enter your customer number."), field="code")
    site = site_by_code(code)
    if site is None or site.organisation.is_provider or not site.organisation.registration_open:
        raise InvalidInput(
            _("This customer number is not valid or does not allow registration."),
            code="bad_customer_number",
            field="code",
        )
    return site


def _name(value: str, field: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise InvalidInput(_("This field is required."), field=field)
    if len(value) > 150:
        raise InvalidInput(_("At most 150 characters."), field=field)
    return value


def _email(value: str) -> str:
    email = (value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(_("This e-mail address is not valid."), field="email") from exc
    if len(email) > User._meta.get_field("email").max_length:
        raise InvalidInput(_("This e-mail address is not valid."), field="email")
    return email


def _email_taken(email: str) -> bool:
    """An address someone holds, or someone's login: either way typing it at the login
    would find that person, not the newcomer."""
    return User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists()


def _login(username: str, email: str) -> str:
    """The chosen login, else the e-mail address. A login that looks like an address must
    be the person's own: otherwise it would catch the login of whoever holds that address
    (logins are looked up before addresses)."""
    login = (username or "").strip() or email
    field = User._meta.get_field("username")
    if "@" in login and login.lower() != email:
        raise InvalidInput(_("A login with @ must be your own e-mail address."), field="username")
    try:
        field.run_validators(login)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="username") from exc
    if len(login) > field.max_length:
        raise InvalidInput(_("At most 150 characters."), field="username")
    taken = Q(username__iexact=login) | Q(email__iexact=login)
    if User.objects.filter(taken).exists():
        if login == email:
            raise InvalidInput(_("Someone already has this e-mail address."), field="email")
        raise InvalidInput(_("This login is already taken."), field="username")
    return login


def _check_password(password: str, user: User) -> None:
    """AUTH_PASSWORD_VALIDATORS, with the person's names and address to compare against."""
    if not password:
        raise InvalidInput(_("This field is required."), field="password")
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from exc


def _serialise(*keys: str) -> None:
    """Two registrations with the same address or login wait for each other, so the
    second one sees the first (PostgreSQL; SQLite writes one transaction at a time).
    The e-mail column has no unique constraint to fall back on."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"comptoir.register.{key}"]
            )


def _email_address(user: User) -> None:
    """allauth's record of the address: primary, not verified until the link is opened."""
    if not apps.is_installed("allauth.account"):
        return
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)


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
