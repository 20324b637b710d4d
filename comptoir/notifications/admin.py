"""Read-only admin for the outbox (NOT-7).

Outbox rows are written with the change that caused them and claimed by the delivery
worker with a conditional update; an edit by hand could send a mail twice or lose it, so
the admin only shows them (state, attempts, last error) for diagnosis.
"""

from __future__ import annotations

from django.contrib import admin

from comptoir.tickets.admin import ReadOnlyAdmin

from .models import Outbox


@admin.register(Outbox)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "state",
        "email",
        "recipient",
        "ticket",
        "attempts",
        "available_at",
        "sent_at",
    )
    list_select_related = ("recipient", "ticket")
    list_filter = ("state",)
    search_fields = ("email", "=kind", "=ticket__key")
    raw_id_fields = ("organisation", "ticket", "event", "recipient")
