from django.contrib import admin

from comptoir.sla.models import BusinessHours, Calendar, ClosedDay, SlaPolicy


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
    ]
    list_filter = ["desk"]
