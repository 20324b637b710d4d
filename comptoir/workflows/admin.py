"""Admin for workflows as data (WF-1, WF-2, WF-4, WF-5).

A workflow is edited on one page with its statuses and transitions inline; the status
choices offered there are only the workflow's own, so a transition cannot point into
another desk's workflow. Statuses and transitions also have their own lists for a quick
overview across desks.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Status, Transition, WaitingReason, Workflow

BILINGUAL_SEARCH = ("name_fr", "name_en")


def edited_workflow_id(request: HttpRequest) -> str | None:
    """The id of the workflow whose change page is being served, if any."""
    match = request.resolver_match
    if match and match.url_name == "workflows_workflow_change":
        return match.kwargs.get("object_id")
    return None


class StatusInline(admin.StackedInline):
    model = Status
    extra = 0
    show_change_link = True
    classes = ("collapse",)
    fields = (
        ("order", "code", "state", "sla_effect"),
        ("name_fr", "name_en"),
        ("meaning_fr", "meaning_en"),
        ("awaiting_party", "awaiting_fr", "awaiting_en"),
        ("is_initial", "is_final", "notify_requester"),
        ("auto_after_days", "auto_transition"),
    )


class TransitionInline(admin.StackedInline):
    model = Transition
    extra = 0
    show_change_link = True
    classes = ("collapse",)
    fields = (
        ("order", "code"),
        ("name_fr", "name_en"),
        ("from_status", "to_status"),
        ("actors", "requires"),
        ("asks_confirmation", "needs_confirmation", "is_reopening"),
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        workflow_id = edited_workflow_id(request)
        if db_field.name in {"from_status", "to_status"} and workflow_id:
            kwargs["queryset"] = Status.objects.filter(workflow_id=workflow_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en", "desk")
    list_display_links = ("code", "name_fr")
    list_filter = ("desk",)
    list_select_related = ("desk",)
    search_fields = ("code", *BILINGUAL_SEARCH)
    fieldsets = (
        (None, {"fields": ("desk", "code", "name_fr", "name_en", "taken_status")}),
        (
            _("Resolution confirmation (WF-5)"),
            {"fields": ("confirm_transition", "refute_transition")},
        ),
    )
    inlines = (StatusInline, TransitionInline)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "taken_status":
            kwargs["queryset"] = Status.objects.filter(workflow_id=edited_workflow_id(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Status)
class StatusAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name_fr",
        "name_en",
        "workflow",
        "state",
        "sla_effect",
        "awaiting_party",
        "is_initial",
        "is_final",
        "order",
    )
    list_display_links = ("code", "name_fr")
    list_filter = ("workflow__desk", "workflow", "state", "sla_effect", "awaiting_party")
    list_select_related = ("workflow",)
    search_fields = ("code", *BILINGUAL_SEARCH, "meaning_fr", "meaning_en")


@admin.register(Transition)
class TransitionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "workflow", "from_status", "to_status", "order")
    list_display_links = ("code", "name_fr")
    list_filter = ("workflow__desk", "workflow", "is_reopening", "asks_confirmation")
    list_select_related = ("workflow", "from_status", "to_status")
    search_fields = ("code", *BILINGUAL_SEARCH)


@admin.register(WaitingReason)
class WaitingReasonAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en", "desk", "order")
    list_display_links = ("code", "name_fr")
    list_filter = ("desk",)
    list_select_related = ("desk",)
    search_fields = ("code", *BILINGUAL_SEARCH)
