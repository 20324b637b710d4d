"""Read-only admin for billing.

Billing rows have one writer each: rates are set in the console's rate pages through
`billing.rates` (administrators only, one currency per customer, a rate an issued
statement used stays), statements are issued through `billing.statements` and never
change. The admin shows them and changes nothing.
"""

from __future__ import annotations

from django.contrib import admin

from comptoir.tickets.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Rate, Statement, StatementLine


@admin.register(Rate)
class RateAdmin(ReadOnlyAdmin):
    list_display = (
        "organisation",
        "contract",
        "valid_from",
        "hourly_rate",
        "currency",
        "rounding_minutes",
        "rounding_mode",
    )
    list_filter = ("rounding_mode", "currency")
    list_select_related = ("organisation", "contract")
    search_fields = ("organisation__name", "contract__reference")


class StatementLineInline(ReadOnlyInline):
    model = StatementLine
    ordering = ("order",)
    fields = (
        "kind",
        "ticket_key",
        "ticket_title",
        "consultant_name",
        "minutes",
        "billed_minutes",
        "rate",
        "amount",
    )


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("number", "organisation", "month", "currency", "issued_by", "issued_at")
    list_filter = ("month",)
    list_select_related = ("organisation", "issued_by")
    search_fields = ("number", "organisation__name")
    inlines = (StatementLineInline,)
