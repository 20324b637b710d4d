"""Webhooks in the admin: administrators register them and read their delivery log.

Only administrators (role or superuser) see this module: a webhook's secret and the
payloads (internal events included) are the provider's, not an agent's. The secret is
shown to administrators on the webhook's page (it is needed to set up the receiver) and
can be renewed; deliveries are a log, read-only but for "send again".
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from comptoir.webhooks.delivery import resend
from comptoir.webhooks.models import EVENT_KINDS, Webhook, WebhookDelivery, new_secret


def is_administrator(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and getattr(user, "is_admin", False))


class AdministratorsOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_administrator(request)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_administrator(request)


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[(k, k) for k in EVENT_KINDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The event kinds sent; none ticked means every kind."),
    )

    class Meta:
        model = Webhook
        fields = ("desk", "url", "description", "events", "is_active")


@admin.register(Webhook)
class WebhookAdmin(AdministratorsOnly, admin.ModelAdmin):
    form = WebhookForm
    list_display = ("url", "desk", "description", "is_active", "created_at")
    list_filter = ("is_active", "desk")
    search_fields = ("url", "description")
    readonly_fields = ("secret", "created_at")
    actions = ("renew_secret",)

    @admin.action(description=_("Renew the secret of the selected webhooks"))
    def renew_secret(self, request: HttpRequest, queryset) -> None:
        if not is_administrator(request):
            raise PermissionDenied
        n = 0
        for hook in queryset:
            hook.secret = new_secret()
            hook.save(update_fields=["secret"])
            n += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d secret renewed; update the receiver.",
                "%(count)d secrets renewed; update the receivers.",
                n,
            )
            % {"count": n},
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = (
        "created_at",
        "webhook",
        "kind",
        "state",
        "attempts",
        "last_status_code",
        "available_at",
        "sent_at",
    )
    list_filter = ("state", "kind", "webhook")
    list_select_related = ("webhook",)
    raw_id_fields = ("event", "organisation")
    readonly_fields = (
        "webhook",
        "event",
        "organisation",
        "kind",
        "payload",
        "state",
        "attempts",
        "available_at",
        "last_status_code",
        "last_error",
        "response_excerpt",
        "created_at",
        "last_attempt_at",
        "sent_at",
    )
    exclude = ("claimed_at", "claim_token")
    ordering = ("-id",)
    show_full_result_count = False
    actions = ("send_again",)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Send the selected deliveries again"))
    def send_again(self, request: HttpRequest, queryset) -> None:
        if not is_administrator(request):
            raise PermissionDenied
        n = resend(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again.",
                "%(count)d deliveries will be sent again.",
                n,
            )
            % {"count": n},
        )
