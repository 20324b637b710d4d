"""000's placement rule, and what every CMDB action checks first (who may write, clean text,
where an object sits), in one place for the actions and the pages that explain a refusal.

"L'association d'un utilisateur à un CI est dépendant du site": a person and a CI, or a
contract and a CI it covers, go together only when they have the same site. Data without
site goes only with other data without site, and then only within one organisation (the
tenant column), so a CI without site of one company never meets another company's people.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import Organisation, Role, Site, User
from comptoir.core.errors import InvalidInput, PermissionDenied


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


def may_manage_cmdb(actor: User) -> bool:
    """Whether `actor` may change CIs, suppliers and contracts."""
    return bool(
        actor.is_authenticated
        and actor.is_active
        and (actor.is_admin or actor.role == Role.SERVICE_MANAGER)
    )


def require_manager(actor: User) -> None:
    if not may_manage_cmdb(actor):
        raise PermissionDenied(
            _("Only service managers and administrators may change the CMDB."),
            code="not_cmdb_manager",
        )


def clean_text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    value = " ".join(str(value or "").split()) if field != "notes" else str(value or "").strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field)
    if len(value) > limit:
        raise InvalidInput(
            _("%(limit)d characters at most.") % {"limit": limit}, field=field, code="too_long"
        )
    return value


def placement(
    site: Site | None, organisation: Organisation | None
) -> tuple[Site | None, Organisation | None]:
    """The site decides the organisation; without site, the organisation must be given."""
    if site is not None:
        if organisation is not None and organisation.pk != site.organisation_id:
            raise InvalidInput(
                _("The site %(site)s is not in %(organisation)s.")
                % {"site": site.name, "organisation": organisation.name},
                field="organisation",
            )
        return site, site.organisation
    if organisation is None:
        raise InvalidInput(
            _("Choose a site, or the organisation of an item without site."),
            field="organisation",
            code="no_organisation",
        )
    return None, organisation


def save_unique(obj: Any, field: str, message: str) -> Any:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:  # a concurrent writer won the unique value
        raise InvalidInput(message, field=field, code="duplicate") from exc
    return obj
