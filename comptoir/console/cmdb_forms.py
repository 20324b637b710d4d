"""The console's CMDB forms (CMDB-1, CMDB-2). Like the other console forms they parse input
only: which site, supplier or CI may go with which is the CMDB actions' call, and their
refusal lands on the field of the same name (`site`, `organisation`, `supplier`, `cis`,
`user`…). Choices are ids; the view turns them into objects before calling an action."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import Department, Organisation, Site
from comptoir.cmdb.models import CiStatus, ConfigurationItem, ContractCategory, ContractKind
from comptoir.console.forms import PersonField

TEXTAREA = {"rows": 3}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def site_choices(sites: Iterable[Site]) -> list:
    """Sites grouped by organisation, after the "without site" choice."""
    groups: dict[str, list] = {}
    for s in sites:
        groups.setdefault(s.organisation.name, []).append((str(s.pk), f"{s.name} ({s.code})"))
    return [("", _("Without site")), *groups.items()]


def organisation_choices(organisations: Iterable[Organisation]) -> list:
    return [("", "—"), *((str(o.pk), o.name) for o in organisations)]


class CiForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.CharField(label=_("Type"), max_length=100, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=CiStatus.choices)
    site = forms.ChoiceField(label=_("Site"), required=False)
    organisation = forms.ChoiceField(
        label=_("Organisation"),
        required=False,
        help_text=_("Only for an item without site; otherwise the site's."),
    )
    department = forms.ChoiceField(label=_("Department"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(
        self,
        *args: Any,
        sites: Iterable[Site],
        organisations: Iterable[Organisation],
        departments: Iterable[Department],
        **kw: Any,
    ):
        super().__init__(*args, **kw)
        self.fields["site"].choices = site_choices(sites)
        self.fields["organisation"].choices = organisation_choices(organisations)
        groups: dict[str, list] = {}
        for d in departments:
            groups.setdefault(d.site.name, []).append((str(d.pk), d.name))
        self.fields["department"].choices = [("", "—"), *groups.items()]


class ContractForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=50)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=ContractKind.choices)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=ContractCategory.choices,
        help_text=_(
            "Sold: to the customer's site, no supplier (support contracts are always sold). "
            "Bought: from a supplier."
        ),
    )
    site = forms.ChoiceField(label=_("Site"), required=False)
    organisation = forms.ChoiceField(
        label=_("Organisation"),
        required=False,
        help_text=_("Only for a contract without site; otherwise the site's."),
    )
    supplier = forms.ChoiceField(label=_("Supplier"), required=False)
    starts_on = forms.DateField(label=_("Start date"), widget=DATE)
    ends_on = forms.DateField(label=_("End date"), required=False, widget=DATE)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(
        self,
        *args: Any,
        sites: Iterable[Site],
        organisations: Iterable[Organisation],
        suppliers: Iterable,
        **kw: Any,
    ):
        super().__init__(*args, **kw)
        self.fields["site"].choices = site_choices(sites)
        self.fields["organisation"].choices = organisation_choices(organisations)
        self.fields["supplier"].choices = [("", "—"), *((str(s.pk), s.name) for s in suppliers)]


class SupplierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)


class LinkUserForm(forms.Form):
    user = PersonField()
    pick = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CoverForm(forms.Form):
    cis = forms.MultipleChoiceField(
        label=_("Configuration items"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, cis: Iterable[ConfigurationItem], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["cis"].choices = [(str(c.pk), f"{c.name} {c.serial}".strip()) for c in cis]
