"""Admin for configuration items, suppliers and contracts (CMDB-1, CMDB-2).

The admin is one more interface: it writes through `cmdb.actions` like the console, so
000's site rule, sold/bought and the ordered dates hold here too. Its forms run the actions'
checks (`ci_check`, `contract_check`) in `clean()` so a refusal shows on the form, then
`save_model` calls the action with the signed-in person as actor; the people on a CI and
the CIs a contract covers are set by the link actions, never by the form's own M2M save.
Only those the actions let change the CMDB (service managers, administrators) may add or
change; the organisation of a CI or contract follows its site. Rows can be many, so sites,
people and CIs are looked up by autocomplete and change lists do not count every row.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.cmdb import actions
from comptoir.cmdb.selectors import active_q
from comptoir.core.errors import DomainError

from .models import ConfigurationItem, Contract, Supplier


def _as_validation_error(form: forms.ModelForm, error: DomainError) -> ValidationError:
    if error.field in form.fields:
        return ValidationError({error.field: str(error.message)})
    return ValidationError(str(error.message))


class CiAdminForm(forms.ModelForm):
    class Meta:
        model = ConfigurationItem
        fields = (*sorted(actions.CI_FIELDS), "users")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            values = {f: data.get(f) for f in actions.CI_FIELDS}
            current = self.instance if self.instance.pk else None
            try:
                actions.ci_check(ci=current, values=values, users=data.get("users") or [])
            except DomainError as error:
                raise _as_validation_error(self, error) from None
        return data


class CmdbAdmin(admin.ModelAdmin):
    """Add and change for those the actions let write; reading for the other staff."""

    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_staff_member or user.is_admin))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return actions.may_manage_cmdb(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return actions.may_manage_cmdb(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_admin)

    def save_related(self, request, form, formsets, change) -> None:
        for formset in formsets:  # the M2M went through the actions in save_model
            self.save_formset(request, form, formset, change=change)


def _adopt(obj: Any, saved: Any) -> None:
    """The admin goes on with `obj` (its redirect, its log): make it the saved row."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(CmdbAdmin):
    form = CiAdminForm
    list_display = ("name", "kind", "serial", "status", "organisation", "site", "department")
    list_filter = ("status", "organisation")
    list_select_related = ("organisation", "site__organisation", "department__site__organisation")
    search_fields = ("name", "serial", "kind", "site__code", "site__name")
    fields = (
        "name",
        "kind",
        "serial",
        "status",
        "site",
        "organisation",
        "department",
        "users",
        "notes",
    )
    autocomplete_fields = ("site", "department", "organisation", "users")

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        values = {f: data.get(f) for f in actions.CI_FIELDS}
        users = set(data.get("users") or [])
        if change:
            current = ConfigurationItem.objects.get(pk=obj.pk)
            for user in set(current.users.all()) - users:  # unlink before a move
                actions.ci_unlink_user(actor=request.user, ci=current, user=user)
            saved = actions.ci_update(actor=request.user, ci=current, changes=values)
        else:
            saved = actions.ci_create(actor=request.user, **values)
        for user in users - set(saved.users.all()):
            actions.ci_link_user(actor=request.user, ci=saved, user=user)
        _adopt(obj, saved)


@admin.register(Supplier)
class SupplierAdmin(CmdbAdmin):
    list_display = ("name", "email", "phone")
    search_fields = ("name", "email")

    def save_model(self, request, obj, form, change) -> None:
        if change:  # a supplier has no rule beyond its unique name, which the form checks
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        saved = actions.supplier_create(
            actor=request.user, name=data["name"], email=data["email"], phone=data["phone"]
        )
        _adopt(obj, saved)


class ContractAdminForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = (*sorted(actions.CONTRACT_FIELDS), "cis")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            values = {f: data.get(f) for f in actions.CONTRACT_FIELDS}
            current = self.instance if self.instance.pk else None
            try:
                actions.contract_check(contract=current, values=values, cis=data.get("cis") or [])
            except DomainError as error:
                raise _as_validation_error(self, error) from None
        return data


class ActiveFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("1", _("In force today")), ("0", _("Not in force today"))]

    def queryset(self, request, queryset):
        q = active_q(timezone.localdate())
        if self.value() == "1":
            return queryset.filter(q)
        if self.value() == "0":
            return queryset.exclude(q)
        return queryset


@admin.register(Contract)
class ContractAdmin(CmdbAdmin):
    form = ContractAdminForm
    list_display = (
        "reference",
        "name",
        "kind",
        "category",
        "site",
        "supplier",
        "starts_on",
        "ends_on",
    )
    list_filter = ("category", "kind", ActiveFilter, "organisation", "supplier")
    list_select_related = ("site__organisation", "supplier")
    search_fields = ("reference", "name", "site__code", "site__name", "supplier__name")
    date_hierarchy = "starts_on"
    fields = (
        "reference",
        "name",
        "kind",
        "category",
        "site",
        "organisation",
        "supplier",
        "starts_on",
        "ends_on",
        "cis",
        "notes",
    )
    autocomplete_fields = ("site", "organisation", "supplier", "cis")

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        values = {f: data.get(f) for f in actions.CONTRACT_FIELDS}
        cis = set(data.get("cis") or [])
        if change:
            current = Contract.objects.get(pk=obj.pk)
            gone = set(current.cis.all()) - cis
            if gone:  # uncover before a move
                actions.contract_uncover(actor=request.user, contract=current, cis=gone)
            saved = actions.contract_update(actor=request.user, contract=current, changes=values)
        else:
            saved = actions.contract_create(actor=request.user, **values)
        new = cis - set(saved.cis.all())
        if new:
            actions.contract_cover(actor=request.user, contract=saved, cis=new)
        _adopt(obj, saved)
