"""What a desk offers: desks, support levels, services and categories, types, priorities.

A Desk is one service desk with its own key prefix and policies; the four presets each
create one. Services contain categories and a ticket always sits in a category (TIC-4).
Ticket types (processes) point at their workflow (TIC-1, WF-1).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.core.i18n import BilingualName, tr


class ReopenPolicy(models.TextChoices):
    NEVER = "never", _("Never once closed")
    OWNER_OR_MANAGERS = "owner_or_managers", _("By the owner or the service's managers")
    STAFF = "staff", _("By the provider's staff")


class Desk(BilingualName):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    key_prefix = models.CharField(
        _("key prefix"),
        max_length=10,
        unique=True,
        help_text=_(
            "Put before the number: 'SPT-' gives SPT-1234. Unique, so a key names one ticket."
        ),
    )
    next_number = models.PositiveIntegerField(_("next number"), default=1, editable=False)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="fr"
    )
    email_address = models.EmailField(_("e-mail address"), blank=True)
    reopen_policy = models.CharField(
        _("reopening"), max_length=20, choices=ReopenPolicy.choices, default=ReopenPolicy.NEVER
    )
    reply_by_email = models.BooleanField(
        _("replies by e-mail accepted"),
        default=True,
        help_text=_("Off: replies are refused and the sender is pointed to the portal (001)."),
    )
    description_fr = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("desk")
        verbose_name_plural = _("desks")
        ordering = ["slug"]

    @property
    def description(self) -> str:
        return tr(self, "description")


class SupportLevel(BilingualName):
    """N1, N2, N3 (AG-5): a ticket sits at one level and is escalated upwards."""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="levels")
    code = models.SlugField(max_length=20)
    rank = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = _("support level")
        verbose_name_plural = _("support levels")
        ordering = ["desk", "rank"]
        constraints = [models.UniqueConstraint(fields=["desk", "code"], name="level_unique_code")]


class Service(BilingualName):
    desk = models.ForeignKey(
        Desk, on_delete=models.CASCADE, related_name="services", verbose_name=_("desk")
    )
    slug = models.SlugField(max_length=50)
    level = models.ForeignKey(
        SupportLevel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("support level"),
        help_text=_("For desks with levels: the level this service works at."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["desk", "name_fr"]
        constraints = [models.UniqueConstraint(fields=["desk", "slug"], name="service_unique_slug")]


class Category(BilingualName):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="categories", verbose_name=_("service")
    )
    slug = models.SlugField(max_length=50)
    # TIC-6: the template proposed on creation (002 §III.1 "ticket type").
    template_subject_fr = models.CharField(max_length=200, blank=True)
    template_subject_en = models.CharField(max_length=200, blank=True)
    template_body_fr = models.TextField(blank=True)
    template_body_en = models.TextField(blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["service", "name_fr"]
        constraints = [
            models.UniqueConstraint(fields=["service", "slug"], name="category_unique_slug")
        ]

    def __str__(self) -> str:
        return f"{self.service.name} / {self.name}"


class BillingMode(models.TextChoices):
    NONE = "none", _("Not billed")
    TIME = "time", _("On time spent")
    QUOTE = "quote", _("On the accepted quote")


class TicketType(BilingualName):
    """A process (TIC-1): Incident, Service request, Change; Support, Patch, Licence…"""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="types")
    code = models.SlugField(max_length=50)
    group_fr = models.CharField(
        max_length=100, blank=True, help_text=_("Grouping shown with the type, e.g. Assistance.")
    )
    group_en = models.CharField(max_length=100, blank=True)
    workflow = models.ForeignKey(
        "workflows.Workflow", on_delete=models.PROTECT, related_name="types"
    )
    sla_applies = models.BooleanField(_("SLA applies"), default=True)
    customer_may_create = models.BooleanField(_("customers may create"), default=True)
    default_level = models.ForeignKey(
        SupportLevel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    billing_mode = models.CharField(
        max_length=10, choices=BillingMode.choices, default=BillingMode.NONE
    )
    convertible_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("TIC-7: the type this one may be converted into (e.g. a change)."),
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")
        ordering = ["desk", "order"]
        constraints = [models.UniqueConstraint(fields=["desk", "code"], name="type_unique_code")]

    @property
    def group(self) -> str:
        return tr(self, "group")


class Priority(BilingualName):
    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="priorities")
    code = models.SlugField(max_length=30)
    meaning_fr = models.TextField(blank=True)
    meaning_en = models.TextField(blank=True)
    rank = models.PositiveSmallIntegerField(default=1, help_text=_("1 is the most urgent."))
    is_default = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        ordering = ["desk", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["desk", "code"], name="priority_unique_code")
        ]

    @property
    def meaning(self) -> str:
        return tr(self, "meaning")


class ServiceMember(models.Model):
    """An agent of a service ("gestionnaire", 002) with their privileges."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    can_manage = models.BooleanField(
        _("may manage the service"),
        default=False,
        help_text=_("Add managers and permanent guests, edit category templates (002 §III)."),
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="members", verbose_name=_("categories managed")
    )
    level = models.ForeignKey(SupportLevel, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("service member")
        verbose_name_plural = _("service members")
        constraints = [models.UniqueConstraint(fields=["service", "user"], name="member_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.service}"


class PermanentGuest(models.Model):
    """AG-6: invited automatically to every new ticket of the service."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="permanent_guests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("permanent guest")
        verbose_name_plural = _("permanent guests")
        constraints = [
            models.UniqueConstraint(fields=["service", "user"], name="permanent_guest_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.service}"
