"""Writes on a service's configuration by its own managers (002 §III, TEN-7, AG-6, TIC-6).

The one write path for services, as `tickets/actions` is for tickets: every interface (the
console's service pages, an API, a command) calls these. Each is keyword-only, runs in one
transaction, locks the service row (so two managers editing the team at once cannot leave
it without a manager), and checks inside that the actor is a member of the service with
`can_manage`, or an administrator. A refusal is a `DomainError`; nothing is written then.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.catalog.models import (
    Category,
    PermanentGuest,
    Service,
    ServiceMember,
    SupportLevel,
)
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied

SUBJECT_MAX = 200


def may_manage(actor: User, service: Service | int) -> bool:
    """Whether `actor` may change the service's managers, guests and templates."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_admin:
        return True
    service_id = service.pk if isinstance(service, Service) else service
    return (
        actor.is_staff_member
        and ServiceMember.objects.filter(
            service_id=service_id, user_id=actor.pk, can_manage=True
        ).exists()
    )


def _lock(actor: User, service: Service) -> Service:
    """The service row locked for this transaction, once the actor's right is checked."""
    locked = Service.objects.select_for_update().filter(pk=service.pk).first()
    if locked is None:
        raise NotFound()
    if not may_manage(actor, locked):
        raise PermissionDenied(
            _("Only a manager of the service “%(service)s” may change it.")
            % {"service": locked.name},
            code="not_service_manager",
        )
    return locked


def _require_staff_person(user: User) -> None:
    if not (user.is_active and (user.is_staff_member or user.is_admin)):
        raise InvalidInput(
            _("%(name)s is not an active member of the staff: only staff can manage a service.")
            % {"name": user},
            field="user",
        )


def _clean_categories(service: Service, categories: Iterable[Category]) -> list[Category]:
    cats = list(categories)
    if any(c.service_id != service.pk for c in cats):
        raise InvalidInput(_("Choose categories of this service."), field="categories")
    return cats


def _clean_level(service: Service, level: SupportLevel | None) -> SupportLevel | None:
    if level is not None and level.desk_id != service.desk_id:
        raise InvalidInput(_("Choose a support level of this desk."), field="level")
    return level


def _keeps_a_manager(service: Service, leaving: User) -> None:
    """A service always keeps one member who may manage it (otherwise nobody could)."""
    others = ServiceMember.objects.filter(service=service, can_manage=True).exclude(
        user_id=leaving.pk
    )
    if not others.exists():
        raise InvalidInput(
            _("The service must keep at least one manager who may manage it."),
            code="last_manager",
            field="can_manage",
        )


def service_add_manager(
    *,
    actor: User,
    service: Service,
    user: User,
    can_manage: bool = False,
    categories: Iterable[Category] = (),
    level: SupportLevel | None = None,
) -> ServiceMember:
    """002 §III.2 "Ajouter un gestionnaire": make a staff member an agent of the service."""
    with transaction.atomic():
        service = _lock(actor, service)
        _require_staff_person(user)
        cats = _clean_categories(service, categories)
        level = _clean_level(service, level)
        member, created = ServiceMember.objects.get_or_create(
            service=service, user=user, defaults={"can_manage": can_manage, "level": level}
        )
        if not created:
            raise InvalidInput(
                _("%(name)s is already a manager of this service.") % {"name": user},
                code="already_member",
                field="user",
            )
        if cats:
            member.categories.set(cats)
    return member


def service_set_privileges(
    *,
    actor: User,
    service: Service,
    user: User,
    can_manage: bool,
    categories: Iterable[Category] = (),
    level: SupportLevel | None = None,
) -> ServiceMember:
    """002 "Mettre à jour le gestionnaire": may manage, categories managed, support level."""
    with transaction.atomic():
        service = _lock(actor, service)
        member = ServiceMember.objects.filter(service=service, user_id=user.pk).first()
        if member is None:
            raise NotFound(_("This person is not a manager of this service."), field="user")
        cats = _clean_categories(service, categories)
        level = _clean_level(service, level)
        if member.can_manage and not can_manage:
            _keeps_a_manager(service, user)
        member.can_manage = bool(can_manage)
        member.level = level
        member.save(update_fields=["can_manage", "level"])
        member.categories.set(cats)
    return member


def service_remove_manager(*, actor: User, service: Service, user: User) -> None:
    """Take a person off the service: they stop seeing its tickets (unless they hold one)."""
    with transaction.atomic():
        service = _lock(actor, service)
        member = ServiceMember.objects.filter(service=service, user_id=user.pk).first()
        if member is None:
            raise NotFound(_("This person is not a manager of this service."), field="user")
        if member.can_manage:
            _keeps_a_manager(service, user)
        member.delete()


def service_add_permanent_guest(*, actor: User, service: Service, user: User) -> PermanentGuest:
    """002 §III.3, AG-6: invited automatically to every new ticket of the service (a
    customer only to the tickets of their own site, see `tickets.relations.may_follow`)."""
    with transaction.atomic():
        service = _lock(actor, service)
        if not user.is_active:
            raise InvalidInput(_("%(name)s is not active.") % {"name": user}, field="user")
        guest, created = PermanentGuest.objects.get_or_create(service=service, user=user)
        if not created:
            raise InvalidInput(
                _("%(name)s is already a permanent guest of this service.") % {"name": user},
                code="already_guest",
                field="user",
            )
    return guest


def service_remove_permanent_guest(*, actor: User, service: Service, user: User) -> None:
    with transaction.atomic():
        service = _lock(actor, service)
        deleted, _rows = PermanentGuest.objects.filter(service=service, user_id=user.pk).delete()
        if not deleted:
            raise NotFound(_("This person is not a permanent guest of this service."), field="user")


def category_set_template(
    *,
    actor: User,
    category: Category,
    subject_fr: str = "",
    subject_en: str = "",
    body_fr: str = "",
    body_en: str = "",
) -> Category:
    """002 §III.1 "Créer un ticket type", TIC-6: the subject and message proposed when a
    ticket is filed in this category; empty means "use the default" (none)."""
    values = {
        "template_subject_fr": (subject_fr or "").strip(),
        "template_subject_en": (subject_en or "").strip(),
        "template_body_fr": (body_fr or "").strip(),
        "template_body_en": (body_en or "").strip(),
    }
    for lang in ("fr", "en"):
        if len(values[f"template_subject_{lang}"]) > SUBJECT_MAX:
            raise InvalidInput(
                _("The default subject is limited to %(n)d characters.") % {"n": SUBJECT_MAX},
                field=f"subject_{lang}",
            )
    with transaction.atomic():
        _lock(actor, category.service)
        category = Category.objects.select_related("service").get(pk=category.pk)
        for name, value in values.items():
            setattr(category, name, value)
        category.save(update_fields=list(values))
    return category
