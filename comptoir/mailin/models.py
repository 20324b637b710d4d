"""Incoming mail (MAIL-1..4): the addresses we receive on, and every message received.

A `Mailbox` is one receiving address: which desk, type and category a new ticket gets,
what to do with unknown senders (TEN-4: refused in external support mode), and where to
poll it when it is an IMAP account. An `InboundMessage` is the record of one message and
its outcome; its raw bytes are kept, so nothing is ever dropped silently (MAIL-3) and a
quarantined message can be ingested again once the cause is fixed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UnknownSenders(models.TextChoices):
    REFUSE = "refuse", _("Refuse them with an answer (external support)")
    CONTACT = "contact", _("Create a customer contact on the contact site")


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (test servers only)")


class Mailbox(models.Model):
    desk = models.ForeignKey(
        "catalog.Desk", on_delete=models.CASCADE, related_name="mailboxes", verbose_name=_("desk")
    )
    address = models.EmailField(
        _("address"), unique=True, help_text=_("The address customers write to.")
    )
    ticket_type = models.ForeignKey(
        "catalog.TicketType", on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    category = models.ForeignKey(
        "catalog.Category", on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    unknown_senders = models.CharField(
        _("unknown senders"),
        max_length=10,
        choices=UnknownSenders.choices,
        default=UnknownSenders.REFUSE,
    )
    contact_site = models.ForeignKey(
        "accounts.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site of new contacts"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    imap_host = models.CharField(
        _("IMAP host"), max_length=200, blank=True, help_text=_("Empty: not polled.")
    )
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=ImapSecurity.choices, default=ImapSecurity.SSL
    )
    imap_username = models.CharField(_("IMAP user"), max_length=200, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=200, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    imap_done_folder = models.CharField(
        _("folder for processed mail"),
        max_length=200,
        blank=True,
        help_text=_("Empty: processed mail is flagged as read and left in place."),
    )
    imap_failed_folder = models.CharField(
        _("folder for failed mail"),
        max_length=200,
        blank=True,
        help_text=_("Empty: mail that could not be processed is left unread."),
    )
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    def clean(self) -> None:
        errors = {}
        if self.desk_id and self.ticket_type_id and self.ticket_type.desk_id != self.desk_id:
            errors["ticket_type"] = _("This type does not belong to the mailbox's desk.")
        if self.desk_id and self.category_id and self.category.service.desk_id != self.desk_id:
            errors["category"] = _("This category does not belong to the mailbox's desk.")
        if self.unknown_senders == UnknownSenders.CONTACT and not self.contact_site_id:
            errors["contact_site"] = _("Choose the site where new contacts are created.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.address = (self.address or "").strip().lower()  # matched case-insensitively
        super().save(*args, **kwargs)


class Result(models.TextChoices):
    CREATED = "created", _("Ticket created")
    APPENDED = "appended", _("Added to a ticket")
    REFUSED = "refused", _("Refused")
    QUARANTINED = "quarantined", _("Quarantined")
    DUPLICATE = "duplicate", _("Duplicate")


def raw_path(instance: InboundMessage, filename: str) -> str:
    # Content-addressed: the same bytes always land on the same name, so storing them again
    # (a retry, a duplicate, a re-ingest) never makes a second copy.
    return f"mail/inbound/{instance.digest[:2]}/{instance.digest}.eml"


class InboundMessage(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True
    )
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    desk = models.ForeignKey(
        "catalog.Desk", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    desk_forced = models.BooleanField(
        default=False, help_text=_("The desk was given by the pipe, not found in the headers.")
    )
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True, db_index=True)
    digest = models.CharField(max_length=64, editable=False)
    raw = models.FileField(upload_to=raw_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    source = models.CharField(_("source"), max_length=20, default="pipe")
    result = models.CharField(_("result"), max_length=12, choices=Result.choices)
    reason = models.CharField(_("reason"), max_length=50, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    answered = models.BooleanField(_("answered"), default=False)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        "tickets.Comment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reingested_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reingests"
    )

    class Meta:
        verbose_name = _("incoming message")
        verbose_name_plural = _("incoming messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            # The same bytes twice are one message; a re-ingest is a new attempt on them.
            models.UniqueConstraint(
                fields=["digest"],
                condition=models.Q(reingested_from__isnull=True),
                name="inbound_digest_unique",
            )
        ]
        indexes = [models.Index(fields=["result", "-received_at"], name="inbound_result")]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"[:100]
