"""Admin for tenancy and people: organisations, sites, departments, users (TEN-1, TEN-3, TEN-7).

Sites are edited inside their organisation and departments inside their site, the way an
administrator thinks of them. The user table may be large, so lookups to it use
autocomplete and the change list never counts every row.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

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


class VisibilityGrantInline(admin.TabularInline):
    model = VisibilityGrant
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


@admin.register(VisibilityGrant)
class VisibilityGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "division")
    list_filter = ("organisation",)
    list_select_related = ("user", "organisation")
    search_fields = ("user__username", "user__email", "organisation__name", "division")
    autocomplete_fields = ("user", "organisation")
