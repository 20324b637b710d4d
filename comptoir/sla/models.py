"""Service levels (SLA-1): calendars of business hours and the targets of a desk.

A `Calendar` is shared by desks (its business hours, public holidays of its country, its
own closed days); an `SlaPolicy` gives the first response and resolution targets, in
business minutes, for a desk and optionally one ticket type and one priority; the most
specific policy wins. The clock itself is `clock.py`, the ticket columns are computed by
`services.recompute`. `SlaAlert` is the history of warnings and breaches (SLA-2), written
by the `sla_check` ticket action and read by reports through `selectors.py`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.sla.clock import CalendarSpec


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}) from exc


def validate_country(value: str) -> None:
    if not value:
        return
    import holidays

    if value.upper() not in holidays.list_supported_countries():
        raise ValidationError(_("No public holidays known for %(c)s."), params={"c": value})


class Calendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    country = models.CharField(
        _("country of the public holidays"),
        max_length=2,
        blank=True,
        validators=[validate_country],
        help_text=_("ISO 3166 code, e.g. FR; empty: no public holidays."),
    )

    class Meta:
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def spec(self) -> CalendarSpec:
        return CalendarSpec(
            tz=self.time_zone,
            hours=tuple(self.hours.values_list("weekday", "start", "end")),
            country=self.country.upper(),
            closed=frozenset(self.closed_days.values_list("date", flat=True)),
        )


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessHours(models.Model):
    """One span of business hours on a weekday; several per day (a lunch break) allowed.
    An end of 00:00 means midnight at the end of the day."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["calendar", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.end != self.end.replace(hour=0, minute=0, second=0) and self.end <= self.start:
            raise ValidationError({"end": _("The end must come after the start.")})


class ClosedDay(models.Model):
    """A day the desk is closed besides the public holidays (a bridge day, a shutdown)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField(_("date"))
    label = models.CharField(_("label"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="closed_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.label}".strip()


class SlaPolicy(models.Model):
    """Targets for a desk; an empty type or priority means "any"."""

    desk = models.ForeignKey("catalog.Desk", on_delete=models.CASCADE, related_name="sla_policies")
    type = models.ForeignKey(
        "catalog.TicketType", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    priority = models.ForeignKey(
        "catalog.Priority", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="policies")
    first_response_minutes = models.PositiveIntegerField(
        _("first response (business minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (business minutes)"), null=True, blank=True
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warning threshold (percent of a target)"),
        null=True,
        blank=True,
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_(
            "Agents are warned once this share of a target's business time has elapsed "
            "(1 to 99); empty: no warning."
        ),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["desk", "type", "priority"]
        constraints = [
            models.CheckConstraint(
                condition=Q(warning_percent__isnull=True)
                | Q(warning_percent__gte=1, warning_percent__lte=99),
                name="sla_policy_warning_percent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.desk} / {self.type or '*'} / {self.priority or '*'}"


class AlertTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("first response")
    RESOLUTION = "resolution", _("resolution")


class AlertLevel(models.TextChoices):
    WARNING = "warning", _("warning")
    BREACH = "breach", _("breach")


class SlaAlert(models.Model):
    """One warning or breach of one target of a ticket, recorded once (SLA-2).

    The desk, service, type, priority and holder are copied at the moment of the alert:
    reports count breaches where they happened, even after a transfer or a priority change.
    Written only by `tickets.actions.sla_check`; the unique constraint makes a second
    recording (a retried job, two workers) impossible.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla_alerts"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    target = models.CharField(_("target"), max_length=20, choices=AlertTarget.choices)
    level = models.CharField(_("level"), max_length=10, choices=AlertLevel.choices)
    due_at = models.DateTimeField(
        _("reached at"), help_text=_("When the clock reached the warning or the target.")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    desk = models.ForeignKey(
        "catalog.Desk", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    type = models.ForeignKey("catalog.TicketType", on_delete=models.PROTECT, related_name="+")
    priority = models.ForeignKey(
        "catalog.Priority", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("SLA alert")
        verbose_name_plural = _("SLA alerts")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "level"], name="sla_alert_once")
        ]
        indexes = [
            # Reports ask "per customer / service / desk, over a period" (of due_at: when it
            # happened, also if recorded late).
            models.Index(fields=["organisation", "due_at"], name="sla_alert_org"),
            models.Index(fields=["service", "due_at"], name="sla_alert_service"),
            models.Index(fields=["desk", "due_at"], name="sla_alert_desk"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.level}"
