"""Webhooks: the provider's integrations told of every timeline event of a desk.

A `WebhookDelivery` is written in the same transaction as the event it reports (see
`outbox.py`), so none is lost and none is sent for a change that rolled back; background
work (`delivery.py`) posts it, signed, and retries until the receiver accepts it. The
delivery rows are the log an administrator reads.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The timeline's event kinds (comptoir/tickets/actions/), offered when subscribing. A kind
# added later reaches the webhooks that take every kind (an empty list).
EVENT_KINDS = (
    "created",
    "comment",
    "attachment",
    "status",
    "fields",
    "taken",
    "assigned",
    "released",
    "transferred",
    "escalated",
    "converted",
    "confirmation",
    "assessment",
    "guest_added",
    "guest_removed",
    "link",
    "mute",
    "sla_warning",
    "sla_breached",
    "mail_refused",
    "mail_reply_refused",
)


def new_secret() -> str:
    """A fresh signing key; 32 random bytes are far beyond guessing."""
    return secrets.token_urlsafe(32)


def validate_events(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValidationError(_("A list of event kinds is expected."), code="events")
    unknown = sorted(set(value) - set(EVENT_KINDS))
    if unknown:
        raise ValidationError(
            _("Unknown event kinds: %(kinds)s."),
            code="events",
            params={"kinds": ", ".join(unknown)},
        )


class Webhook(models.Model):
    """One receiver of one desk's events, registered by an administrator."""

    desk = models.ForeignKey(
        "catalog.Desk", on_delete=models.CASCADE, related_name="webhooks", verbose_name=_("desk")
    )
    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Events are posted here as JSON (http or https)."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        validators=[validate_events],
        help_text=_("The event kinds sent; empty means every kind."),
    )
    secret = models.CharField(
        _("secret"),
        max_length=100,
        default=new_secret,
        help_text=_("Signs every delivery (HMAC-SHA256); the receiver keeps a copy."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        indexes = [models.Index(fields=["desk", "is_active"], name="webhook_desk_active")]

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, kind: str) -> bool:
        return not self.events or kind in self.events


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event posted to one webhook: the outbox row and its log line at once."""

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    event = models.ForeignKey(
        "tickets.Event", on_delete=models.CASCADE, related_name="+", verbose_name=_("event")
    )
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=40)
    payload = models.JSONField(_("payload"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_status_code = models.PositiveIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    response_excerpt = models.TextField(_("response excerpt"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["state", "available_at"], name="webhookdelivery_due"),
            models.Index(fields=["webhook", "-created_at"], name="webhookdelivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.webhook_id} ({self.state})"
