"""000's placement rule, in one place for the actions and the pages that explain a refusal.

"L'association d'un utilisateur à un CI est dépendant du site": a person and a CI, or a
contract and a CI it covers, go together only when they have the same site. Data without
site goes only with other data without site, and then only within one organisation (the
tenant column), so a CI without site of one company never meets another company's people.
"""

from __future__ import annotations

from typing import Protocol

from django.utils.translation import gettext as _


class Placed(Protocol):
    """Anything that sits on a site, or without site in an organisation."""

    site_id: int | None
    organisation_id: int | None


def same_place(a: Placed, b: Placed) -> bool:
    """Whether `a` and `b` may be linked under 000's rule."""
    if a.site_id or b.site_id:
        return a.site_id == b.site_id
    return a.organisation_id == b.organisation_id


def place_label(obj: Placed) -> str:
    """Where an object sits, for a refusal's message ("site Alpha Lyon", "without site")."""
    site = getattr(obj, "site", None) if obj.site_id else None
    if site is not None:
        return _("site %(site)s") % {"site": site.name}
    org = getattr(obj, "organisation", None) if obj.organisation_id else None
    if org is not None:
        return _("without site, %(organisation)s") % {"organisation": org.name}
    return _("without site")
