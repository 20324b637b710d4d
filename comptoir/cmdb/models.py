"""Configuration items (CMDB-1). Contracts and the CI sheet come with the CMDB issue;
the foundation needs the CI itself so a ticket can name one, tenant-scoped like the rest."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")
        ordering = ["name"]
        indexes = [models.Index(fields=["organisation", "site"], name="ci_tenant_idx")]

    def save(self, *args, **kwargs) -> None:  # the tenant column follows the site
        if self.site_id:
            self.organisation_id = self.site.organisation_id
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.name
