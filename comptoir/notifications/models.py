"""The outbox (NOT-7): every notification is a row written in the same transaction as the
change that caused it, then delivered by background work that claims rows with a
conditional update, so nothing is lost and nothing is sent twice."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def mail_domain() -> str:
    return getattr(settings, "COMPTOIR_MAIL_DOMAIN", "") or "localhost"


def new_message_id() -> str:
    """The Message-ID of one outgoing mail, chosen when its row is written so that every
    retry sends the same one (receivers may drop a duplicate; replies thread on it)."""
    return f"<comptoir.{uuid.uuid4().hex}@{mail_domain()}>"


def ticket_thread_id(ticket_id: int) -> str:
    """The root of a ticket's mail thread, in `References` of every mail about it."""
    return f"<comptoir.ticket.{ticket_id}@{mail_domain()}>"


def _deliver_soon() -> None:
    from comptoir.notifications.tasks import deliver_outbox

    deliver_outbox.enqueue()


def schedule_delivery(using: str = "default") -> None:
    """Enqueue a delivery once the writing transaction commits, so mail leaves within
    seconds; the periodic sweep still catches anything this misses (a broker down)."""
    pending = getattr(connections[using], "run_on_commit", [])
    if any(entry[1] is _deliver_soon for entry in pending):
        return  # one delivery per transaction is enough, however many rows it writes
    transaction.on_commit(_deliver_soon, using=using, robust=True)


class OutboxQuerySet(models.QuerySet):
    """Whoever writes outbox rows (rules, reports, answers to incoming mail) gets a
    delivery scheduled on commit without having to ask for it."""

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Outbox]:
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            schedule_delivery(self.db)
        return created

    def create(self, **kwargs: Any) -> Outbox:
        row = super().create(**kwargs)
        schedule_delivery(self.db)
        return row


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Outbox(models.Model):
    created_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=50, help_text=_("What happened: ticket_created, …"))
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="outbox"
    )
    event = models.ForeignKey("tickets.Event", on_delete=models.CASCADE, null=True, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True
    )
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=5, default="fr")
    context = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(
        max_length=255, default=new_message_id, editable=False, db_index=True
    )
    # Set by the delivery worker that claimed the row (state "sending"): a row left there
    # longer than the claim timeout belonged to a dead worker and goes back to pending.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claim_token = models.CharField(max_length=32, blank=True, default="", editable=False)
    # A notification that several runs could write (a daily report per user, service and
    # slot) carries a key; the unique constraint keeps one row whoever writes it first.
    key = models.CharField(
        max_length=150,
        blank=True,
        default="",
        editable=False,
        help_text=_("Idempotency key: at most one notification per key (empty: none)."),
    )

    objects = OutboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing notification")
        verbose_name_plural = _("outgoing notifications")
        indexes = [models.Index(fields=["state", "available_at"], name="outbox_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~models.Q(key=""), name="outbox_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.email or self.recipient_id}"


class Watch(models.TextChoices):
    NEVER = "never", _("Never")
    CREATION = "creation", _("On creation")
    ALWAYS = "always", _("Always")


class WatchLevel(models.TextChoices):
    MEDIUM = "medium", _("Medium (default)")
    CUSTOM = "custom", _("Custom")


class WatchPreference(models.Model):
    """NOT-2: how much a service's agent hears of its tickets in real time.

    "Medium" (the default, 002 §II): told of every ticket created in the service and of
    every action on the tickets one holds. "Custom" sets the grid explicitly.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10, choices=WatchLevel.choices, default=WatchLevel.MEDIUM)
    any_ticket = models.CharField(max_length=10, choices=Watch.choices, default=Watch.CREATION)
    category_ticket = models.CharField(max_length=10, choices=Watch.choices, default=Watch.CREATION)
    held_ticket = models.CharField(max_length=10, choices=Watch.choices, default=Watch.ALWAYS)

    class Meta:
        verbose_name = _("watch level")
        verbose_name_plural = _("watch levels")
        constraints = [models.UniqueConstraint(fields=["user", "service"], name="watch_unique")]

    MEDIUM_GRID = {"any": Watch.CREATION, "category": Watch.CREATION, "held": Watch.ALWAYS}

    def grid(self) -> dict[str, str]:
        if self.level == WatchLevel.MEDIUM:
            return dict(self.MEDIUM_GRID)
        return {"any": self.any_ticket, "category": self.category_ticket, "held": self.held_ticket}

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.service_id}: {self.level}"


class ReportScope(models.TextChoices):
    """NOT-3: which tickets a daily report lists (002 §II.1)."""

    FREE = "free", _("Free: every free or in-progress ticket of the service")
    CATEGORIES = "categories", _("Categories I manage: their free or in-progress tickets")
    MINE = "mine", _("Managed: only the tickets I hold")
    NONE = "none", _("None: no daily report for this service")


class DailyReportPreference(models.Model):
    """NOT-3: a service agent's daily report for one service: which tickets, at one or two
    hours of the day, on weekends or not; suspended, grouped with the other services in one
    mail, and with the tickets closed, refused or postponed since the last report.

    No row means no report ("Aucun"): the seed asks people to switch reports on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(
        _("tickets listed"), max_length=12, choices=ReportScope.choices, default=ReportScope.NONE
    )
    hour1 = models.PositiveSmallIntegerField(_("sending hour"), default=8)
    hour2 = models.PositiveSmallIntegerField(_("second sending hour"), null=True, blank=True)
    weekend = models.BooleanField(_("send on weekends too"), default=False)
    suspended = models.BooleanField(_("suspended"), default=False)
    group_all = models.BooleanField(_("group the services in one mail"), default=False)
    include_closed = models.BooleanField(
        _("show tickets closed, refused or postponed since the last report"), default=False
    )
    # The slot of the last report written for this service (kept by the reports job), so
    # "since the last report" survives suspensions, grouping changes and missed slots.
    last_report_slot = models.DateTimeField(_("last report"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [
            models.UniqueConstraint(fields=["user", "service"], name="daily_report_unique"),
            models.CheckConstraint(
                condition=models.Q(hour1__lte=23)
                & (models.Q(hour2__isnull=True) | models.Q(hour2__lte=23)),
                name="daily_report_hours",
            ),
        ]

    def hours(self) -> list[int]:
        return sorted({h for h in (self.hour1, self.hour2) if h is not None})

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.service_id}: {self.scope}"
