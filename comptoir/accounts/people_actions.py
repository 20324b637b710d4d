"""The write path for people brought in from a file (CSV/XLSX import, comptoir/cmdb/imports.py).

Who may write whom: an administrator anyone, with any role; a service manager customers
only, on a customer's site (never the provider's); a customer manager customers of their
own site only. A row without role makes a customer, and a non-administrator's row may not
name a staff role: a file must not be a way to hand out the console. An existing person
is changed only within the same limits, so a file cannot rewrite an agent's address.
A new person gets no password: they set one through "forgotten password", or log in
through the directory.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from comptoir.accounts.models import CUSTOMER_ROLES, STAFF_ROLES, Organisation, Role, Site, User
from comptoir.core.errors import InvalidInput, PermissionDenied

LANGUAGES = ("fr", "en")


def may_import_people(actor: User) -> bool:
    return bool(
        actor.is_authenticated
        and actor.is_active
        and (
            actor.is_admin
            or actor.role == Role.SERVICE_MANAGER
            or (actor.role == Role.CUSTOMER_MANAGER and actor.site_id)
        )
    )


@dataclass
class PersonRow:
    """One person as a file states it; empty strings are "not given"."""

    username: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""
    role: str = ""
    site: Site | None = None
    organisation: Organisation | None = None


def _text(value: str, field: str, limit: int) -> str:
    value = " ".join((value or "").split())
    if len(value) > limit:
        raise InvalidInput(
            _("%(limit)d characters at most.") % {"limit": limit}, field=field, code="too_long"
        )
    return value


def _role(actor: User, row: PersonRow, existing: User | None) -> str:
    role = row.role or (existing.role if existing else Role.CUSTOMER)
    if role not in Role.values:
        raise InvalidInput(_("Choose a role from the list."), field="role")
    if actor.is_admin:
        return role
    allowed = {Role.CUSTOMER} if actor.role == Role.CUSTOMER_MANAGER else CUSTOMER_ROLES
    if role not in allowed:
        raise InvalidInput(
            _("Only an administrator may give the role “%(role)s”.") % {"role": Role(role).label},
            field="role",
            code="role_not_allowed",
        )
    return role


def _place(actor: User, row: PersonRow, role: str) -> tuple[Site | None, Organisation | None]:
    site, org = row.site, row.organisation
    if site is not None:
        if org is not None and org.pk != site.organisation_id:
            raise InvalidInput(
                _("The site %(site)s is not in %(organisation)s.")
                % {"site": site.name, "organisation": org.name},
                field="organisation",
            )
        org = site.organisation
    if role in STAFF_ROLES:
        if org is not None and not org.is_provider:
            raise InvalidInput(
                _("Staff belong to the provider, not to a customer's organisation."),
                field="site",
            )
        return site, org or Organisation.objects.filter(is_provider=True).first()
    if actor.is_admin:
        return site, org
    if actor.role == Role.CUSTOMER_MANAGER:
        if site is None or site.pk != actor.site_id:
            raise InvalidInput(
                _("You may add people to your own site only."), field="site", code="other_tenant"
            )
    elif org is not None and org.is_provider:
        raise InvalidInput(
            _("Only an administrator may add people to the provider's organisation."),
            field="site",
            code="other_tenant",
        )
    return site, org


def _may_change(actor: User, person: User) -> None:
    if actor.is_admin:
        return
    mine = actor.role != Role.CUSTOMER_MANAGER or person.site_id == actor.site_id
    if person.role not in CUSTOMER_ROLES or not mine or person.is_superuser:
        raise InvalidInput(
            _("%(login)s exists and is not one of the people you may change.")
            % {"login": person.username},
            field="username",
            code="not_yours",
        )


def _email(value: str, person_pk: int | None) -> str:
    email = (value or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(_("This e-mail address is not valid."), field="email") from exc
    held = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
    if held.exclude(pk=person_pk).exists():
        raise InvalidInput(_("Someone already has this e-mail address."), field="email")
    return email


def _username(value: str) -> str:
    login = (value or "").strip()
    field = User._meta.get_field("username")
    if not login:
        raise InvalidInput(_("This field is required."), field="username")
    try:
        field.run_validators(login)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="username") from exc
    if len(login) > field.max_length:
        raise InvalidInput(_("At most 150 characters."), field="username")
    return login


def _cis_left_behind(person: User) -> list[str]:
    """000: a person moving to another site would leave CIs of the old one linked."""
    from comptoir.cmdb.rules import same_place

    return sorted(ci.name for ci in person.cis.all() if not same_place(person, ci))


def person_import_save(*, actor: User, row: PersonRow) -> tuple[User, bool]:
    """Create the person `row.username`, or update them; returns (person, created)."""
    if not may_import_people(actor):
        raise PermissionDenied(
            _("You may not import people."), code="not_people_manager", field="username"
        )
    login = _username(row.username)
    with transaction.atomic():
        existing = User.objects.select_for_update().filter(username__iexact=login).first()
        if existing is not None:
            _may_change(actor, existing)
        role = _role(actor, row, existing)
        site, org = _place(actor, row, role)
        person = existing or User(username=login)
        person.first_name = _text(row.first_name, "first_name", 150) or person.first_name
        person.last_name = _text(row.last_name, "last_name", 150) or person.last_name
        person.email = _email(row.email, person.pk) or person.email
        person.phone = _text(row.phone, "phone", 50) or person.phone
        language = (row.language or person.language or "fr").strip().lower()
        if language not in LANGUAGES:
            raise InvalidInput(_("Choose fr or en."), field="language")
        person.language, person.role = language, role
        person.site, person.organisation = site, org
        if existing is None:
            person.set_unusable_password()
        elif existing.pk:
            left = _cis_left_behind(person)
            if left:
                raise InvalidInput(
                    _("%(login)s uses equipment of their old site; unlink it first: %(cis)s.")
                    % {"login": login, "cis": ", ".join(left)},
                    field="site",
                    code="links_break",
                )
        person.save()
    return person, existing is None
