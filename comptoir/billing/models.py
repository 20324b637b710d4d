"""Time, quotes and monthly statements (BIL-1, BIL-2, WF-6; seed 004).

Only `comptoir.billing.actions` (and the ticket actions' quote hook) write these rows.
Every row a customer may see carries `organisation_id`, like the tickets, so the
selectors scope with one indexed predicate.

A *period* is the first day of a calendar month in the provider's time zone
(`COMPTOIR_TIME_ZONE`). Time and accepted quotes are billed in their period unless the
customer's statement for that month was already issued: then they go to the next month
still open, so an issued statement never changes (the actions decide the period).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class RoundingMode(models.TextChoices):
    UP = "up", _("Rounded up")
    NEAREST = "nearest", _("Rounded to the nearest")
    NONE = "none", _("Not rounded")


class Rate(models.Model):
    """What an hour costs a customer, from a date; a contract's rate wins over the
    organisation's for tickets on a CI that contract covers."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="rates",
        verbose_name=_("organisation"),
    )
    contract = models.ForeignKey(
        "cmdb.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rates",
        verbose_name=_("contract"),
        help_text=_("Empty: the organisation's rate for every ticket not under a contract rate."),
    )
    hourly_rate = models.DecimalField(
        _("hourly rate"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    rounding_minutes = models.PositiveSmallIntegerField(
        _("rounding step (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(480)],
        help_text=_("Time of each consultant on each ticket in a month is rounded to this step."),
    )
    rounding_mode = models.CharField(
        _("rounding"), max_length=10, choices=RoundingMode.choices, default=RoundingMode.UP
    )
    valid_from = models.DateField(_("valid from"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        ordering = ["organisation", "contract", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "valid_from"],
                condition=Q(contract__isnull=True),
                name="rate_org_unique_from",
            ),
            models.UniqueConstraint(
                fields=["contract", "valid_from"],
                condition=Q(contract__isnull=False),
                name="rate_contract_unique_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hourly_rate} {self.currency}/h"


class TimeTask(models.Model):
    """The monthly task time is logged on (BIL-1): "#88 - <title> - Janvier 2022", named
    in the desk's language when it is opened and kept as named."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="time_tasks"
    )
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    month = models.DateField(_("month"))
    name = models.CharField(_("name"), max_length=400)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("time task")
        verbose_name_plural = _("time tasks")
        ordering = ["ticket", "month"]
        constraints = [models.UniqueConstraint(fields=["ticket", "month"], name="time_task_month")]
        indexes = [models.Index(fields=["organisation", "month"], name="tt_org_month")]

    def __str__(self) -> str:
        return self.name


class TimeEntry(models.Model):
    """Time a consultant spent on a ticket on a day. `minutes` is negative only on an
    adjustment, the correction of an entry already on an issued statement."""

    task = models.ForeignKey(TimeTask, on_delete=models.PROTECT, related_name="entries")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="time_entries"
    )
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    consultant = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="time_entries", verbose_name=_("consultant")
    )
    worked_on = models.DateField(_("date"))
    minutes = models.IntegerField(_("minutes"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    billable = models.BooleanField(_("billable"), default=True)
    period = models.DateField(_("billing month"))
    adjusts = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustments",
        help_text=_("The entry on an issued statement this one corrects."),
    )
    statement = models.ForeignKey(
        "billing.Statement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_entries",
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ["worked_on", "pk"]
        indexes = [
            models.Index(fields=["organisation", "period"], name="te_org_period"),
            models.Index(fields=["ticket", "worked_on"], name="te_ticket_day"),
            models.Index(fields=["consultant", "worked_on"], name="te_consultant_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0) | Q(adjusts__isnull=False), name="te_minutes_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.worked_on} {self.minutes} min"


class QuoteStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting the customer")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Replaced by a new estimate")


class Quote(models.Model):
    """An estimate put to the customer (WF-6). Accepted, it is locked and billed in its
    period; refused, the ticket goes back to analysis and a new number is estimated."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="quotes")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    number = models.PositiveSmallIntegerField(_("number"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    effort_minutes = models.PositiveIntegerField(_("estimated effort (minutes)"), null=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    period = models.DateField(_("billing month"), null=True, blank=True)
    statement = models.ForeignKey(
        "billing.Statement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
    )

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["ticket", "number"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "number"], name="quote_ticket_number")
        ]
        indexes = [models.Index(fields=["organisation", "period"], name="quote_org_period")]

    def __str__(self) -> str:
        return f"{self.ticket_id} #{self.number}: {self.amount} {self.currency}"


class Statement(models.Model):
    """A customer's issued monthly statement: its lines and totals are a frozen copy."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="statements"
    )
    month = models.DateField(_("month"))
    number = models.CharField(_("number"), max_length=60, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    language = models.CharField(max_length=5, default="fr")
    totals = models.JSONField(default=dict)
    rules = models.JSONField(default=list, help_text=_("The rounding rules the totals used."))
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-month", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month"], name="statement_org_month")
        ]

    def __str__(self) -> str:
        return self.number


class LineKind(models.TextChoices):
    TIME = "time", _("Time spent")
    QUOTE = "quote", _("Accepted quote")
    INTERNAL = "internal", _("Not billed")


class StatementLine(models.Model):
    """One row of an issued statement, with the labels copied so renames never change it."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ticket_key = models.CharField(max_length=30)
    ticket_title = models.CharField(max_length=250)
    type_name = models.CharField(max_length=200, blank=True)
    consultant = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    consultant_name = models.CharField(max_length=300, blank=True)
    minutes = models.IntegerField(default=0)
    billed_minutes = models.IntegerField(default=0)
    rate = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    quote = models.ForeignKey(Quote, on_delete=models.SET_NULL, null=True, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["statement", "order"]

    def __str__(self) -> str:
        return f"{self.ticket_key} {self.kind} {self.amount}"


class Timer(models.Model):
    """A running stopwatch: one per person, kept on the server so a reload or another
    tab does not lose it; stopping it logs the elapsed time."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="timer")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} on {self.ticket_id} since {self.started_at}"
