"""Tickets and everything that hangs off them.

Only `comptoir.tickets.actions` writes these rows (a test enforces it): models carry data
and integrity, not business rules. Every row a customer may own carries the
organisation's id (`organisation_id`, indexed) so the selectors scope with one indexed
predicate and the schema can later be sharded by organisation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.workflows.models import State

USER = settings.AUTH_USER_MODEL


class Confirmation(models.TextChoices):
    NONE = "", _("Not asked")
    PENDING = "pending", _("Awaiting the requester")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUTED = "refuted", _("Refuted")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Agent on behalf (phone)")
    API = "api", _("API")


class Ticket(models.Model):
    desk = models.ForeignKey("catalog.Desk", on_delete=models.PROTECT, related_name="tickets")
    number = models.PositiveIntegerField()
    key = models.CharField(_("key"), max_length=30, unique=True)
    type = models.ForeignKey("catalog.TicketType", on_delete=models.PROTECT, verbose_name=_("type"))
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, editable=False)
    category = models.ForeignKey(
        "catalog.Category", on_delete=models.PROTECT, verbose_name=_("category")
    )
    priority = models.ForeignKey(
        "catalog.Priority", on_delete=models.PROTECT, null=True, blank=True
    )
    status = models.ForeignKey("workflows.Status", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    level = models.ForeignKey(
        "catalog.SupportLevel", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)

    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"))
    personal_reference = models.CharField(_("personal reference"), max_length=100, blank=True)
    qualification = models.TextField(_("qualification details"), blank=True)

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, null=True, blank=True)
    reporter = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    affected = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ci = models.ForeignKey(
        "cmdb.ConfigurationItem", on_delete=models.SET_NULL, null=True, blank=True
    )

    # Data the last transitions asked for (WF-2), kept for display and mails.
    status_reason = models.TextField(blank=True)
    waiting_reason = models.ForeignKey(
        "workflows.WaitingReason", on_delete=models.SET_NULL, null=True, blank=True
    )
    appointment_at = models.DateTimeField(null=True, blank=True)
    solution = models.TextField(blank=True)
    quote_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    confirmation = models.CharField(
        max_length=10, choices=Confirmation.choices, default=Confirmation.NONE, blank=True
    )

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    # SLA-2: deadlines computed by `sla.services.recompute` in the actions; None when no
    # policy applies, while the clock is paused (sla_paused) or stopped, or once met.
    sla_first_response_due = models.DateTimeField(null=True, blank=True, editable=False)
    sla_resolution_due = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused = models.BooleanField(default=False, editable=False)
    sla_breached_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The wall-clock moment of the next SLA warning or breach not recorded yet (SLA-2), on
    # the business clock; None while paused, stopped, without policy or once all recorded.
    # The `sla_watch` job reads only this column (a partial index: the few rows with one).
    sla_next_alert_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(fields=["desk", "number"], name="ticket_desk_number")
        ]
        indexes = [
            models.Index(fields=["organisation", "state", "-updated_at"], name="t_org_state"),
            models.Index(fields=["site", "state", "-updated_at"], name="t_site_state"),
            models.Index(fields=["service", "state", "-updated_at"], name="t_service_state"),
            models.Index(fields=["assignee", "state", "-updated_at"], name="t_assignee_state"),
            models.Index(fields=["reporter", "state", "-updated_at"], name="t_reporter_state"),
            models.Index(fields=["affected", "state", "-updated_at"], name="t_affected_state"),
            models.Index(fields=["status", "status_changed_at"], name="t_status_since"),
            # Auto-close (WF-4/WF-5) of a status whose move needs the requester's word reads
            # only the resolutions put to them, not every ticket waiting in the status.
            models.Index(
                fields=["status", "status_changed_at"],
                name="t_status_confirm",
                condition=models.Q(confirmation__in=["pending", "confirmed"]),
            ),
            models.Index(fields=["personal_reference"], name="t_reference"),
            models.Index(fields=["state", "sla_resolution_due"], name="t_sla_due"),
            # The dashboards count per service over a period of creation, resolution
            # or breach: an index range per service instead of a scan of the table.
            models.Index(fields=["service", "created_at"], name="t_service_created"),
            # Daily reports count and rank a service's tickets per bucket from the index
            # alone (an index-only scan on PostgreSQL): thousands per service at 1M. Key
            # columns only: SQLite has no INCLUDE.
            models.Index(
                fields=[
                    *("service", "state", "status", "assignee", "priority", "updated_at"),
                    *("status_changed_at", "category", "id"),
                ],
                name="t_service_report",
            ),
            models.Index(
                fields=["service", "resolved_at"],
                name="t_service_resolved",
                condition=models.Q(resolved_at__isnull=False),
            ),
            models.Index(
                fields=["service", "sla_breached_at"],
                name="t_service_breached",
                condition=models.Q(sla_breached_at__isnull=False),
            ),
            models.Index(
                fields=["sla_next_alert_at"],
                name="t_sla_next_alert",
                condition=models.Q(sla_next_alert_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def sla_due(self):
        """The next SLA deadline shown to agents: first response while awaited, else
        resolution."""
        return self.sla_first_response_due or self.sla_resolution_due

    @property
    def sla_overdue(self) -> bool:
        return self.sla_due is not None and self.sla_due <= timezone.now()

    @property
    def sla_is_breached(self) -> bool:
        """Breached already, or a running deadline passed since the last recompute (the
        `sla_watch` job records it within a minute; the page must not wait for it)."""
        if self.sla_breached_at is not None:
            return True
        now = timezone.now()
        return any(
            due is not None and due <= now
            for due in (self.sla_first_response_due, self.sla_resolution_due)
        )


class Comment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["ticket", "-created_at"], name="comment_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:50]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under the tenant and a random-free, collision-free id path; the original name
    # is kept in `filename` only, never trusted as a path.
    return f"attachments/{instance.organisation_id}/{instance.ticket_id}/{instance.token}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    token = models.CharField(max_length=40, unique=True)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveBigIntegerField(default=0)
    internal = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["ticket", "created_at"], name="attachment_ticket")]

    def __str__(self) -> str:
        return self.filename


class Event(models.Model):
    """One line of the timeline (TIC-8): who did what, when, with old and new values."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    actor = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    internal = models.BooleanField(default=False)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["ticket", "-created_at", "-id"], name="event_timeline")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Guest(models.Model):
    """AG-6: someone invited to follow a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="guests")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="guest_of")
    invited_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(blank=True)
    permanent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("guest")
        verbose_name_plural = _("guests")
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="guest_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.ticket_id}"


class LinkKind(models.TextChoices):
    RELATES = "relates", _("Related to")
    REFERENCES = "references", _("References")


class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, choices=LinkKind.choices, default=LinkKind.RELATES)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Mute(models.Model):
    """NOT-5: this person receives no mail about this ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="mute_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.ticket_id}"


class Assessment(models.Model):
    """POR-4: the requester's satisfaction with a solved ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assessments")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    satisfaction = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="assessment_unique")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.satisfaction}/5"
