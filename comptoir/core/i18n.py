"""Labels stored in both product languages.

Configuration rows (statuses, types, priorities, services…) are data an administrator
edits, so their French and English labels are columns, not gettext catalogues. Two fixed
languages (X-1) keep this simple: `<field>_fr` and `<field>_en`, read through `tr()`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation


def tr(obj: Any, field: str, language: str | None = None) -> str:
    """The label of `obj.<field>` in the given (or active) language, with a fallback."""
    lang = (language or translation.get_language() or "fr")[:2]
    primary = "en" if lang == "en" else "fr"
    other = "fr" if primary == "en" else "en"
    return getattr(obj, f"{field}_{primary}", "") or getattr(obj, f"{field}_{other}", "") or ""


class BilingualName(models.Model):
    """A name in French and English; `str()` gives the active language's."""

    name_fr = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return tr(self, "name")

    def __str__(self) -> str:
        return self.name
