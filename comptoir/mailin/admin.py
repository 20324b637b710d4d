"""Mailboxes are configuration (editable); incoming messages are a record (read-only).

Administrators watch the quarantine here (MAIL-3: a message that could not be handled is
kept and reported), download a message's raw bytes, and ingest it again once the cause is
fixed. Raw mail is customer data of any tenant: only administrators may read it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from comptoir.mailin.ingest import reingest
from comptoir.mailin.models import InboundMessage, Mailbox, Result
from comptoir.web.downloads import download_response


def is_administrator(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and getattr(user, "is_admin", False))


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("address", "desk", "ticket_type", "unknown_senders", "is_active", "polled")
    list_filter = ("is_active", "desk", "unknown_senders")
    search_fields = ("address",)
    readonly_fields = ("last_polled_at", "last_error")
    fieldsets = (
        (None, {"fields": ("address", "desk", "ticket_type", "category", "is_active")}),
        (_("Unknown senders"), {"fields": ("unknown_senders", "contact_site")}),
        (
            _("IMAP polling"),
            {
                "fields": (
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_username",
                    "imap_password",
                    "imap_folder",
                    "imap_done_folder",
                    "imap_failed_folder",
                    "last_polled_at",
                    "last_error",
                )
            },
        ),
    )

    @admin.display(description=_("IMAP"), boolean=True)
    def polled(self, obj: Mailbox) -> bool:
        return bool(obj.imap_host)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "imap_password" in form.base_fields:  # never shown back in the page
            from django import forms

            form.base_fields["imap_password"].widget = forms.PasswordInput(render_value=False)
            form.base_fields["imap_password"].required = False
        return form

    def save_model(self, request, obj, form, change):
        if change and not form.cleaned_data.get("imap_password"):
            obj.imap_password = Mailbox.objects.get(pk=obj.pk).imap_password  # kept
        super().save_model(request, obj, form, change)


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "result", "reason", "from_address", "subject", "ticket")
    list_filter = ("result", "reason", "source", "mailbox", "answered")
    search_fields = ("=message_id", "=digest", "from_address", "subject")
    list_select_related = ("ticket",)
    show_full_result_count = False
    date_hierarchy = "received_at"
    actions = ["reingest_selected"]
    fields = (
        "received_at",
        "source",
        "result",
        "reason",
        "detail",
        "answered",
        "from_address",
        "subject",
        "message_id",
        "mailbox",
        "desk",
        "desk_forced",
        "ticket",
        "comment",
        "organisation",
        "size",
        "digest",
        "raw_link",
        "reingested_from",
    )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_administrator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("raw message"))
    def raw_link(self, obj: InboundMessage) -> str:
        if not obj.raw:
            return "—"
        url = reverse("admin:mailin_inboundmessage_raw", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download (.eml)"))

    def get_urls(self):
        raw = self.admin_site.admin_view(self.raw_view)
        return [
            path("<int:pk>/raw/", raw, name="mailin_inboundmessage_raw"),
            *super().get_urls(),
        ]

    def raw_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not is_administrator(request):
            raise PermissionDenied
        message = get_object_or_404(InboundMessage, pk=pk)
        if not message.raw:
            raise Http404
        return download_response(message.raw.open("rb"), f"message-{message.pk}.eml")

    @admin.action(description=_("Ingest the selected messages again"))
    def reingest_selected(self, request: HttpRequest, queryset) -> None:
        if not is_administrator(request):
            raise PermissionDenied
        done = 0
        for message in queryset.filter(result__in=[Result.QUARANTINED, Result.REFUSED]):
            outcome = reingest(message)
            done += 1
            self.message_user(
                request,
                _("%(subject)s: %(result)s %(reason)s")
                % {
                    "subject": message.subject or message.pk,
                    "result": outcome.result,
                    "reason": outcome.reason,
                },
                messages.INFO,
            )
        skipped = queryset.count() - done
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was not quarantined or refused and was left alone.",
                    "%(count)d messages were not quarantined or refused and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
