"""CSV/XLSX columns of CIs and people, for django-import-export (comptoir/cmdb/imports.py).

import-export parses the file, numbers the rows, runs each in a savepoint and collects
the row errors; the rows themselves are written by comptoir's actions with the importer
as actor, so a file obeys the same rules as the forms: 000's same-site rule for the
people on a CI (`cmdb.actions.ci_link_user`), who may create whom and with which role
(`accounts.people_actions.person_import_save`). A refusal becomes a validation error on
the column it names. Exports use the same columns, so an exported file imports back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources

from comptoir.accounts.models import CUSTOMER_ROLES, Department, Organisation, User
from comptoir.accounts.people_actions import PersonRow, person_import_save
from comptoir.accounts.selectors import site_by_code, visible_people
from comptoir.cmdb import actions
from comptoir.cmdb.models import CiStatus, ConfigurationItem
from comptoir.cmdb.selectors import visible_cis
from comptoir.core.errors import DomainError

CI_COLUMNS = (
    "id",
    "name",
    "kind",
    "serial",
    "status",
    "site",
    "organisation",
    "department",
    "users",
    "notes",
)
PEOPLE_COLUMNS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "phone",
    "language",
    "role",
    "site",
    "organisation",
)
FIELD_TO_COLUMN = {"user": "users"}


def cell(row: dict[str, Any], column: str) -> str:
    value = row.get(column)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # spreadsheets turn 12 into 12.0
        value = int(value)
    return str(value).strip()


def refusal(error: DomainError) -> ValidationError:
    """A refused action, as import-export's row validation error on the right column."""
    column = FIELD_TO_COLUMN.get(error.field or "", error.field) or NON_FIELD_ERRORS
    return ValidationError({column: [str(error)]})


def _place(row: dict[str, Any]) -> dict[str, Any]:
    """The site column holds the customer number (TEN-5); organisation its code."""
    errors, place = {}, {"site": None, "organisation": None}
    code = cell(row, "site")
    if code:
        place["site"] = site_by_code(code)
        if place["site"] is None:
            errors["site"] = _("No active site has the customer number “%(code)s”.") % {
                "code": code
            }
    org_code = cell(row, "organisation")
    if org_code:
        place["organisation"] = Organisation.objects.filter(code__iexact=org_code).first()
        if place["organisation"] is None:
            errors["organisation"] = _("No organisation has the code “%(code)s”.") % {
                "code": org_code
            }
    if errors:
        raise ValidationError(errors)
    return place


class _Base(resources.ModelResource):
    def __init__(self, *, actor: User, on_row: Callable[[int], None] | None = None, **kw):
        super().__init__(**kw)
        self.actor = actor
        self.on_row = on_row
        self.created = self.updated = 0

    def count(self, created: bool) -> None:
        if created:
            self.created += 1
        else:
            self.updated += 1

    def after_import_row(self, row, row_result, **kwargs) -> None:
        if self.on_row is not None:
            self.on_row(kwargs.get("row_number") or 0)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)


class CiResource(_Base):
    """One CI a row: `id` empty creates, an id the importer sees updates; `users` lists
    logins, and the file's list becomes the CI's."""

    id = fields.Field(attribute="pk", column_name="id")
    site = fields.Field(column_name="site")
    organisation = fields.Field(column_name="organisation")
    department = fields.Field(column_name="department")
    users = fields.Field(column_name="users")

    class Meta:
        model = ConfigurationItem
        fields = CI_COLUMNS
        export_order = CI_COLUMNS
        import_id_fields = ("id",)
        skip_diff = True
        use_transactions = True

    def get_queryset(self):
        return visible_cis(self.actor).prefetch_related("users").order_by("name", "pk")

    def dehydrate_site(self, ci: ConfigurationItem) -> str:
        return ci.site.code if ci.site_id else ""

    def dehydrate_organisation(self, ci: ConfigurationItem) -> str:
        return ci.organisation.code if ci.organisation_id and not ci.site_id else ""

    def dehydrate_department(self, ci: ConfigurationItem) -> str:
        return ci.department.name if ci.department_id else ""

    def dehydrate_users(self, ci: ConfigurationItem) -> str:
        return ", ".join(sorted(u.username for u in ci.users.all()))

    def get_or_init_instance(self, instance_loader, row):
        pk = cell(row, "id")
        if not pk:
            return ConfigurationItem(), True
        found = visible_cis(self.actor).filter(pk=pk).first() if pk.isdigit() else None
        if found is None:  # the same answer for missing and for another tenant's
            raise ValidationError(
                {"id": _("No configuration item has the id %(id)s.") % {"id": pk}}
            )
        return found, False

    def import_instance(self, instance, row, **kwargs) -> None:
        values = {
            "name": cell(row, "name"),
            "kind": cell(row, "kind"),
            "serial": cell(row, "serial"),
            "notes": cell(row, "notes"),
            "status": self._status(cell(row, "status")),
            **_place(row),
        }
        dept = cell(row, "department")
        values["department"] = None
        if dept:
            site = values["site"]
            values["department"] = (
                Department.objects.filter(site=site, name__iexact=dept).first() if site else None
            )
            if values["department"] is None:
                raise ValidationError(
                    {
                        "department": _("The CI's site has no department “%(name)s”.")
                        % {"name": dept}
                    }
                )
        instance._import_values = values
        instance._import_users = self._users(row) if "users" in row else None

    def _status(self, value: str) -> str:
        if not value:
            return CiStatus.IN_SERVICE
        for code, label in CiStatus.choices:
            if value.lower() in (code, str(label).lower()):
                return code
        raise ValidationError({"status": _("Choose a status from the list.")})

    def _users(self, row: dict[str, Any]) -> list[User]:
        logins = [s for s in re.split(r"[,;\s]+", cell(row, "users")) if s]
        people = {u.username.lower(): u for u in User.objects.filter(username__in=logins)}
        unknown = [login for login in logins if login.lower() not in people]
        if unknown:
            raise ValidationError(
                {"users": _("Unknown logins: %(logins)s.") % {"logins": ", ".join(unknown)}}
            )
        return list(people.values())

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        values = instance._import_values
        try:
            if is_create:
                ci = actions.ci_create(actor=self.actor, **values)
            else:
                ci = actions.ci_update(actor=self.actor, ci=instance, changes=values)
        except DomainError as err:
            raise refusal(err) from err
        instance.pk, instance.name = ci.pk, ci.name
        self.count(is_create)

    def save_m2m(self, instance, row, **kwargs) -> None:
        wanted = instance._import_users
        if wanted is None:
            return
        ci = ConfigurationItem.objects.get(pk=instance.pk)
        linked = {u.pk for u in ci.users.all()}
        try:
            for person in wanted:
                if person.pk not in linked:
                    actions.ci_link_user(actor=self.actor, ci=ci, user=person)
            for pk in linked - {p.pk for p in wanted}:
                actions.ci_unlink_user(actor=self.actor, ci=ci, user=User(pk=pk))
        except DomainError as err:
            raise refusal(err) from err


class PersonResource(_Base):
    """One person a row, found by login: `role` empty keeps theirs, or makes a customer."""

    site = fields.Field(column_name="site")
    organisation = fields.Field(column_name="organisation")

    class Meta:
        model = User
        fields = PEOPLE_COLUMNS
        export_order = PEOPLE_COLUMNS
        import_id_fields = ("username",)
        skip_diff = True
        use_transactions = True

    def get_queryset(self):
        """An administrator exports everyone; anyone else the customers they could import
        back (`person_import_save` would refuse them the others)."""
        qs = visible_people(self.actor).select_related("site", "organisation")
        if not self.actor.is_admin:
            qs = qs.filter(role__in=CUSTOMER_ROLES, is_superuser=False).exclude(
                organisation__is_provider=True
            )
        return qs.order_by("username")

    def dehydrate_site(self, person: User) -> str:
        return person.site.code if person.site_id else ""

    def dehydrate_organisation(self, person: User) -> str:
        return person.organisation.code if person.organisation_id else ""

    def get_or_init_instance(self, instance_loader, row):
        return User(username=cell(row, "username")), True  # the action finds them

    def import_instance(self, instance, row, **kwargs) -> None:
        instance._import_row = PersonRow(
            username=cell(row, "username"),
            first_name=cell(row, "first_name"),
            last_name=cell(row, "last_name"),
            email=cell(row, "email"),
            phone=cell(row, "phone"),
            language=cell(row, "language"),
            role=cell(row, "role"),
            **_place(row),
        )

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        try:
            person, created = person_import_save(actor=self.actor, row=instance._import_row)
        except DomainError as err:
            raise refusal(err) from err
        instance.pk = person.pk
        self.count(created)

    def save_m2m(self, instance, row, **kwargs) -> None:
        return None
