from django.contrib import admin

from comptoir.sla.models import BusinessHours, Calendar, ClosedDay, SlaAlert, SlaPolicy
from comptoir.tickets.admin import ReadOnlyAdmin


class BusinessHoursInline(admin.TabularInline):
    model = BusinessHours
    extra = 0


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "country"]
    inlines = [BusinessHoursInline, ClosedDayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "desk",
        "type",
        "priority",
        "calendar",
        "first_response_minutes",
        "resolution_minutes",
        "warning_percent",
    ]
    list_filter = ["desk"]


@admin.register(SlaAlert)
class SlaAlertAdmin(ReadOnlyAdmin):
    """The breach history is evidence for reports: written by `sla_check` only."""

    list_display = ["due_at", "ticket", "target", "level", "service", "priority", "assignee"]
    list_select_related = ["ticket", "service", "priority", "assignee"]
    list_filter = ["level", "target", "desk"]
    search_fields = ["=ticket__key"]
    raw_id_fields = ["ticket", "organisation", "assignee"]
    date_hierarchy = "due_at"
