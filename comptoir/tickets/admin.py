"""Read-only admin for tickets and what hangs off them.

Only `comptoir.tickets.actions` may write ticket data (it records events, checks the
workflow, writes the outbox), so every admin here can view but never add, change or
delete. The ticket table holds millions of rows: the change list joins what it shows,
orders by the primary key, searches the key and the reference exactly and never counts
every row.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Assessment, Attachment, Comment, Event, Guest, Mute, Ticket, TicketLink


class ReadOnlyMixin:
    """View only: the actions layer is the one writer of ticket data."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    show_full_result_count = False
    ordering = ("-id",)


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    ordering = ("-created_at",)


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ("created_at", "author", "internal", "body")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class EventInline(ReadOnlyInline):
    model = Event
    fields = ("created_at", "actor", "kind", "internal", "data")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("created_at", "filename", "content_type", "size", "internal", "uploaded_by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class GuestInline(ReadOnlyInline):
    model = Guest
    fields = ("created_at", "user", "invited_by", "permanent")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "invited_by")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = (
        "key",
        "title",
        "desk",
        "status",
        "state",
        "organisation",
        "assignee",
        "updated_at",
    )
    list_select_related = ("desk", "status", "organisation", "assignee")
    list_filter = ("state", "desk", "channel", "organisation")
    search_fields = ("=key", "=personal_reference", "title")
    inlines = (CommentInline, EventInline, AttachmentInline, GuestInline)


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "author", "internal", "created_at")
    list_select_related = ("ticket", "author")
    list_filter = ("internal",)
    search_fields = ("=ticket__key",)
    raw_id_fields = ("ticket", "author")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "kind", "actor", "internal", "created_at")
    list_select_related = ("ticket", "actor")
    list_filter = ("internal",)
    search_fields = ("=ticket__key", "=kind")
    raw_id_fields = ("ticket", "actor", "comment")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("filename", "ticket", "content_type", "size", "internal", "created_at")
    list_select_related = ("ticket",)
    list_filter = ("internal",)
    search_fields = ("=ticket__key", "filename")
    # The stored file sits under a tenant path that is not served; show what describes it.
    exclude = ("file",)
    raw_id_fields = ("ticket", "comment", "uploaded_by")


@admin.register(Guest)
class GuestAdmin(ReadOnlyAdmin):
    list_display = ("user", "ticket", "invited_by", "permanent", "created_at")
    list_select_related = ("user", "ticket", "invited_by")
    list_filter = ("permanent",)
    search_fields = ("=ticket__key", "user__username", "user__email")
    raw_id_fields = ("ticket", "user", "invited_by")


@admin.register(TicketLink)
class TicketLinkAdmin(ReadOnlyAdmin):
    list_display = ("source", "kind", "target", "created_by", "created_at")
    list_select_related = ("source", "target", "created_by")
    list_filter = ("kind",)
    search_fields = ("=source__key", "=target__key")
    raw_id_fields = ("source", "target", "created_by")


@admin.register(Mute)
class MuteAdmin(ReadOnlyAdmin):
    list_display = ("user", "ticket")
    list_select_related = ("user", "ticket")
    search_fields = ("=ticket__key", "user__username", "user__email")
    raw_id_fields = ("ticket", "user")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "user", "satisfaction", "created_at")
    list_select_related = ("ticket", "user")
    list_filter = ("satisfaction",)
    search_fields = ("=ticket__key",)
    raw_id_fields = ("ticket", "user")
