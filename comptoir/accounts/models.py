"""Tenancy and people (TEN-1, TEN-3, TEN-7).

An Organisation is a client company (or the provider itself); a Site belongs to one
organisation and is the unit of isolation (TEN-2); a Department lives inside a site.
People are one User model with a role; customers belong to a site or are explicitly
"without site" (site is null).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    is_provider = models.BooleanField(
        _("provider"), default=False, help_text=_("The organisation whose agents serve the others.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    registration_open = models.BooleanField(
        _("self-registration allowed"),
        default=True,
        help_text=_("Whether people may register with one of this organisation's site codes."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="sites", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(
        _("customer number"),
        max_length=50,
        unique=True,
        help_text=_("The site's abbreviation, given to customers to register (TEN-5)."),
    )
    division = models.CharField(
        _("division"), max_length=200, blank=True, help_text=_("Billing division (TEN-3).")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="site_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} / {self.name}"


class Department(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, editable=False)
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="departments", verbose_name=_("site")
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="department_unique_name")
        ]

    def save(self, *args, **kwargs) -> None:  # keep the denormalised tenant column true
        self.organisation_id = self.site.organisation_id
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.site} / {self.name}"


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CUSTOMER_MANAGER = "customer_manager", _("Customer manager")
    AGENT = "agent", _("Agent")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = {Role.AGENT, Role.SERVICE_MANAGER, Role.ADMIN}
CUSTOMER_ROLES = {Role.CUSTOMER, Role.CUSTOMER_MANAGER}


class User(AbstractUser):
    """A person: a customer of a site, or a member of the provider's staff."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CUSTOMER)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("organisation"),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("site"),
        help_text=_("Empty means 'without site' (TEN-1)."),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("department"),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=[("fr", "Français"), ("en", "English")], default="fr"
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["organisation", "site"], name="user_tenant_idx"),
            models.Index(fields=["email"], name="user_email_idx"),
        ]

    @property
    def is_staff_member(self) -> bool:
        """Agents, service managers and administrators work for the provider."""
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role in CUSTOMER_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    def save(self, *args, **kwargs) -> None:
        # The site decides the organisation: a person cannot sit in another tenant's site.
        if self.site_id:
            self.organisation_id = self.site.organisation_id
        if self.department_id and self.department.site_id != self.site_id:
            self.department = None
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username


class VisibilityGrant(models.Model):
    """TEN-3: a customer sees every ticket of a company, or of one of its divisions."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="visibility_grants", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    division = models.CharField(
        _("division"),
        max_length=200,
        blank=True,
        help_text=_("Empty: the whole organisation; otherwise only sites of this division."),
    )

    class Meta:
        verbose_name = _("visibility grant")
        verbose_name_plural = _("visibility grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "division"], name="grant_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation} {self.division}".strip()
