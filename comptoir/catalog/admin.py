"""Admin for what a desk offers: desks, levels, services, categories, types, priorities.

A desk is configured on one page (its levels, priorities and waiting reasons inline), a
service on another (its categories, members and permanent guests inline). Choices inside a
service are narrowed to that service's desk so a member cannot be given a category or a
level of another desk by mistake.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from comptoir.workflows.models import WaitingReason

from .models import (
    Category,
    Desk,
    PermanentGuest,
    Priority,
    Service,
    ServiceMember,
    SupportLevel,
    TicketType,
)

BILINGUAL_SEARCH = ("name_fr", "name_en")


def edited_service(request: HttpRequest) -> Service | None:
    """The service whose change page is being served, to narrow its inlines' choices."""
    match = request.resolver_match
    object_id = match.kwargs.get("object_id") if match else None
    if not object_id or match.url_name != "catalog_service_change":
        return None
    return Service.objects.filter(pk=object_id).first()


class SupportLevelInline(admin.TabularInline):
    model = SupportLevel
    fields = ("rank", "code", "name_fr", "name_en")
    extra = 0


class PriorityInline(admin.TabularInline):
    model = Priority
    fields = ("rank", "code", "name_fr", "name_en", "meaning_fr", "meaning_en", "is_default")
    extra = 0


class WaitingReasonInline(admin.TabularInline):
    model = WaitingReason
    fields = ("order", "code", "name_fr", "name_en")
    extra = 0


class CategoryInline(admin.TabularInline):
    model = Category
    fields = ("slug", "name_fr", "name_en", "is_active")
    extra = 0
    show_change_link = True


class ServiceMemberInline(admin.TabularInline):
    model = ServiceMember
    fields = ("user", "can_manage", "level", "categories")
    autocomplete_fields = ("user",)
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        service = edited_service(request)
        if db_field.name == "level" and service:
            kwargs["queryset"] = SupportLevel.objects.filter(desk_id=service.desk_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        service = edited_service(request)
        if db_field.name == "categories" and service:
            kwargs["queryset"] = Category.objects.filter(service=service).select_related("service")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PermanentGuestInline(admin.TabularInline):
    model = PermanentGuest
    fields = ("user",)
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_fr", "name_en", "key_prefix", "language", "reopen_policy")
    list_display_links = ("slug", "name_fr")
    list_filter = ("is_active", "language", "reopen_policy", "reply_by_email")
    search_fields = ("slug", "key_prefix", *BILINGUAL_SEARCH)
    readonly_fields = ("next_number",)
    fieldsets = (
        (None, {"fields": ("slug", "name_fr", "name_en", "is_active", "language")}),
        (_("Tickets"), {"fields": ("key_prefix", "next_number", "reopen_policy")}),
        (_("E-mail"), {"fields": ("email_address", "reply_by_email")}),
        (_("Description"), {"fields": ("description_fr", "description_en")}),
    )
    inlines = (SupportLevelInline, PriorityInline, WaitingReasonInline)


@admin.register(SupportLevel)
class SupportLevelAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en", "desk", "rank")
    list_filter = ("desk",)
    list_select_related = ("desk",)
    search_fields = ("code", *BILINGUAL_SEARCH)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "name_en", "slug", "desk", "level", "is_active")
    list_filter = ("desk", "is_active")
    list_select_related = ("desk", "level")
    search_fields = ("slug", *BILINGUAL_SEARCH)
    inlines = (CategoryInline, ServiceMemberInline, PermanentGuestInline)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        service = edited_service(request)
        if db_field.name == "level" and service:
            kwargs["queryset"] = SupportLevel.objects.filter(desk_id=service.desk_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "name_en", "slug", "service", "is_active")
    list_filter = ("service__desk", "is_active")
    list_select_related = ("service",)
    search_fields = ("slug", *BILINGUAL_SEARCH, "service__name_fr", "service__name_en")
    autocomplete_fields = ("service",)
    fieldsets = (
        (None, {"fields": ("service", "slug", "name_fr", "name_en", "is_active")}),
        (
            _("Template proposed on creation (TIC-6)"),
            {
                "fields": (
                    ("template_subject_fr", "template_subject_en"),
                    "template_body_fr",
                    "template_body_en",
                )
            },
        ),
    )

    def get_queryset(self, request):  # str() of a category names its service
        return super().get_queryset(request).select_related("service")


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "name_en", "code", "desk", "workflow", "sla_applies", "order")
    list_filter = ("desk", "sla_applies", "customer_may_create", "billing_mode")
    list_select_related = ("desk", "workflow")
    search_fields = ("code", *BILINGUAL_SEARCH, "group_fr", "group_en")


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en", "desk", "rank", "is_default")
    list_filter = ("desk", "is_default")
    list_select_related = ("desk",)
    search_fields = ("code", *BILINGUAL_SEARCH)


@admin.register(ServiceMember)
class ServiceMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "service", "can_manage", "level")
    list_filter = ("service__desk", "can_manage")
    list_select_related = ("user", "service", "level")
    search_fields = ("user__username", "user__email", "service__name_fr", "service__name_en")
    autocomplete_fields = ("user", "service", "categories")


@admin.register(PermanentGuest)
class PermanentGuestAdmin(admin.ModelAdmin):
    list_display = ("user", "service")
    list_filter = ("service__desk",)
    list_select_related = ("user", "service")
    search_fields = ("user__username", "user__email", "service__name_fr", "service__name_en")
    autocomplete_fields = ("user", "service")
