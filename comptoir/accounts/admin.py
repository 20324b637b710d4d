"""Admin for tenancy and people: organisations, sites, departments, users (TEN-1, TEN-3, TEN-7).

Visibility grants (TEN-3) are edited on the person's page and in their own list, by
administrators only, and saved through `accounts.actions` (grant_visibility,
revoke_visibility) like every other change of who sees what.

Sites are edited inside their organisation and departments inside their site, the way an
administrator thinks of them. The user table may be large, so lookups to it use
autocomplete and the change list never counts every row.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from comptoir.core.errors import DomainError

from .actions import grant_visibility, revoke_visibility, visibility_grant_clean
from .models import Department, Organisation, Site, User, VisibilityGrant


class SiteInline(admin.TabularInline):
    model = Site
    fields = ("name", "code", "division", "is_active")
    extra = 0
    show_change_link = True


class DepartmentInline(admin.TabularInline):
    model = Department
    fields = ("name",)
    extra = 0


def _as_validation_error(error: DomainError) -> ValidationError:
    return ValidationError({error.field: error.message} if error.field else error.message)


class VisibilityGrantFormSet(BaseInlineFormSet):
    """Each grant on the person's page passes the action's checks before anything is saved,
    so a refusal is shown on its row instead of failing the save."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("organisation"):
                continue
            try:
                data["division"] = visibility_grant_clean(
                    user=self.instance, organisation=data["organisation"], division=data["division"]
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)


class AdminOnly:
    """TEN-3: only administrators decide who sees which tickets (the actions check it too)."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_admin

    has_add_permission = has_view_permission
    has_change_permission = has_view_permission
    has_delete_permission = has_view_permission


class VisibilityGrantInline(AdminOnly, admin.TabularInline):
    model = VisibilityGrant
    formset = VisibilityGrantFormSet
    fields = ("organisation", "division")
    autocomplete_fields = ("organisation",)
    extra = 0
    verbose_name = _("extended visibility")
    verbose_name_plural = _("extended visibility (TEN-3)")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_provider", "is_active", "registration_open")
    list_filter = ("is_provider", "is_active", "registration_open")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}
    inlines = (SiteInline,)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "organisation", "division", "is_active")
    list_filter = ("is_active", "organisation")
    list_select_related = ("organisation",)
    search_fields = ("name", "code", "division", "organisation__name")
    autocomplete_fields = ("organisation",)
    inlines = (DepartmentInline,)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "organisation")
    list_filter = ("organisation",)
    list_select_related = ("site__organisation", "organisation")
    search_fields = ("name", "site__name", "site__code")
    autocomplete_fields = ("site",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin plus where the person sits and what they are (TEN-7)."""

    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("Comptoir"),
            {"fields": ("role", "organisation", "site", "department", "language", "phone")},
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            _("Comptoir"),
            {"fields": ("email", "role", "organisation", "site", "department", "language")},
        ),
    )
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "organisation",
        "site",
        "is_active",
    )
    list_filter = ("role", "is_active", "is_staff", "is_superuser", "language", "organisation")
    list_select_related = ("organisation", "site__organisation")
    search_fields = ("username", "email", "first_name", "last_name", "phone")
    autocomplete_fields = ("organisation", "site", "department")
    inlines = (VisibilityGrantInline,)
    show_full_result_count = False

    def get_inlines(self, request: HttpRequest, obj: User | None) -> tuple:
        """Grants are given to an existing person: not on the add page."""
        return self.inlines if obj is not None else ()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The grants go through `grant_visibility` / `revoke_visibility`, like every
        change of who sees what; a changed row is the old grant revoked and the new one
        granted."""
        if formset.model is not VisibilityGrant:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)
        for grant in formset.deleted_objects:
            revoke_visibility(actor=request.user, grant=grant)
        for grant, _fields in formset.changed_objects:
            revoke_visibility(actor=request.user, grant=grant)
        for grant in [*formset.new_objects, *(g for g, _f in formset.changed_objects)]:
            grant_visibility(
                actor=request.user,
                user=form.instance,
                organisation=grant.organisation,
                division=grant.division,
            )


class VisibilityGrantForm(forms.ModelForm):
    class Meta:
        model = VisibilityGrant
        fields = ("user", "organisation", "division")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("user") and data.get("organisation"):
            try:
                data["division"] = visibility_grant_clean(
                    user=data["user"],
                    organisation=data["organisation"],
                    division=data.get("division", ""),
                )
            except DomainError as error:
                raise _as_validation_error(error) from None
        return data


@admin.register(VisibilityGrant)
class VisibilityGrantAdmin(AdminOnly, admin.ModelAdmin):
    """Every grant of the instance; saved and deleted through the actions."""

    form = VisibilityGrantForm
    list_display = ("user", "organisation", "division")
    list_filter = ("organisation",)
    list_select_related = ("user", "organisation")
    search_fields = ("user__username", "user__email", "organisation__name", "division")
    autocomplete_fields = ("user", "organisation")

    def save_model(self, request: HttpRequest, obj: VisibilityGrant, form: Any, change: bool):
        if change:
            revoke_visibility(actor=request.user, grant=obj)
        grant = grant_visibility(
            actor=request.user, user=obj.user, organisation=obj.organisation, division=obj.division
        )
        obj.pk = grant.pk

    def delete_model(self, request: HttpRequest, obj: VisibilityGrant) -> None:
        revoke_visibility(actor=request.user, grant=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for grant in queryset.select_related("user"):
            revoke_visibility(actor=request.user, grant=grant)
