"""Configuration items and contracts (CMDB-1, CMDB-2; seed 000).

Both are tenant data: a CI and a contract belong to a site, or are explicitly "without
site", and the organisation column follows the site so every read can be scoped by it.
000's rule: a person and a CI (and a contract and the CIs it covers) go together only when
they have the same site; "without site" data goes only with other "without site" data.
The actions in comptoir/cmdb/actions.py enforce it; the models only keep columns true.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CiStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    IN_STOCK = "in_stock", _("In stock")
    REPAIR = "repair", _("Under repair")
    RETIRED = "retired", _("Retired")


class ConfigurationItem(models.Model):
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("organisation"),
        help_text=_("Set from the site; give it for a CI without site."),
    )
    site = models.ForeignKey(
        "accounts.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cis",
        verbose_name=_("site"),
        help_text=_("Empty means 'without site': usable only with other data without site."),
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.SET_NULL, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=100, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CiStatus.choices, default=CiStatus.IN_SERVICE
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="cis",
        verbose_name=_("users"),
        help_text=_("People using this equipment: only people of the same site (000)."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, null=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, null=True)

    class Meta:
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["organisation", "site"], name="ci_tenant_idx"),
            models.Index(fields=["serial"], name="ci_serial_idx"),
        ]

    def save(self, *args, **kwargs) -> None:  # the tenant column follows the site
        if self.site_id:
            self.organisation_id = self.site.organisation_id
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.name


class Supplier(models.Model):
    """Whom the provider buys from (bought contracts and leases)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContractKind(models.TextChoices):
    SUPPORT = "support", _("Support contract")
    SERVICE = "service", _("Service contract")
    LEASE = "lease", _("Lease")


class ContractCategory(models.TextChoices):
    SOLD = "sold", _("Sold")
    BOUGHT = "bought", _("Bought")


class Contract(models.Model):
    """A service contract or a lease covering CIs (CMDB-2).

    Sold: the party is the customer's site (no supplier). Bought: the party is a supplier;
    the site then says whose equipment it covers. 000: support contracts are always sold
    and attached to the site, not to a supplier (the actions refuse anything else).
    """

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("organisation"),
    )
    site = models.ForeignKey(
        "accounts.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("site"),
        help_text=_("Empty means 'without site': covers only CIs without site."),
    )
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("supplier"),
    )
    reference = models.CharField(_("reference"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=ContractKind.choices)
    category = models.CharField(_("category"), max_length=10, choices=ContractCategory.choices)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    cis = models.ManyToManyField(
        ConfigurationItem,
        blank=True,
        related_name="contracts",
        verbose_name=_("configuration items covered"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-starts_on", "reference"]
        indexes = [models.Index(fields=["organisation", "site"], name="contract_tenant_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_dates_ordered",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="support") | models.Q(category="sold"),
                name="contract_support_is_sold",
            ),
        ]

    def save(self, *args, **kwargs) -> None:  # the tenant column follows the site
        if self.site_id:
            self.organisation_id = self.site.organisation_id
        super().save(*args, **kwargs)

    def is_active_on(self, day) -> bool:
        """Whether the contract covers `day` (both ends included)."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def __str__(self) -> str:
        return f"{self.reference} — {self.name}"


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Checking the rows")
    INVALID = "invalid", _("Rows to correct")
    CHECKED = "checked", _("Checked, waiting for confirmation")
    WRITING = "writing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded file of CIs or people on its way in (comptoir/cmdb/imports.py): checked
    row by row in the background, shown for confirmation, then written all at once. The
    file's bytes live here until then, so a worker on another machine can read them."""

    KINDS = [("cis", _("Configuration items")), ("people", _("People"))]

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=KINDS)
    file_format = models.CharField(max_length=10)
    filename = models.CharField(max_length=200)
    data = models.BinaryField(default=b"")
    state = models.CharField(max_length=10, choices=ImportState.choices, default="queued")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
