"""Admin for configuration items (CMDB-1).

The organisation of a CI follows its site (set on save), so it is shown and filtered on
but never typed in. CIs can be many, so sites are looked up by autocomplete and the
change list does not count every row.
"""

from __future__ import annotations

from django.contrib import admin

from .models import ConfigurationItem


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "serial", "organisation", "site", "department")
    list_filter = ("organisation",)
    list_select_related = ("organisation", "site__organisation", "department__site__organisation")
    search_fields = ("name", "serial", "kind", "site__code", "site__name")
    fields = ("name", "kind", "serial", "site", "department", "organisation")
    readonly_fields = ("organisation",)
    autocomplete_fields = ("site", "department")
    show_full_result_count = False
