"""Creating a ticket (TIC-1, TIC-5, TIC-9, TEN-4, TEN-6, AG-6, AG-7, NOT-1)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.catalog.models import (
    Category,
    Desk,
    PermanentGuest,
    Priority,
    ServiceMember,
    TicketType,
)
from comptoir.cmdb.models import ConfigurationItem
from comptoir.cmdb.selectors import visible_cis
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.notifications import rules
from comptoir.search import index as search_index
from comptoir.sla import services as sla
from comptoir.tickets.actions import _base
from comptoir.tickets.actions.content import UploadedFile, store_attachments
from comptoir.tickets.models import Channel, Guest, LinkKind, Ticket, TicketLink
from comptoir.tickets.relations import may_follow
from comptoir.tickets.selectors import visible_tickets
from comptoir.workflows.models import Status


def _people(actor: User, reporter: User | None, affected: User | None) -> tuple[User, User]:
    """TEN-4/TEN-6: who reports and who is affected, as the actor may set them."""
    if actor.is_customer:
        external = settings.COMPTOIR_EXTERNAL_SUPPORT_MODE
        if external and not actor.site_id:
            raise PermissionDenied(
                _(
                    "Your account is not attached to a site: register with your customer number "
                    "or ask your contact to attach you before filing a request."
                ),
                code="no_site",
            )
        reporter = actor
        if external or affected is None:
            affected = actor
        elif affected.pk != actor.pk and (
            affected.site_id != actor.site_id
            or affected.organisation_id != actor.organisation_id  # both may be "without site"
            or not affected.is_customer
        ):
            raise InvalidInput(_("The affected person must belong to your site."), field="affected")
        return reporter, affected
    _base.require_staff(actor)
    if reporter is None and affected is None:
        raise InvalidInput(_("Say for which customer the ticket is created."), field="reporter")
    reporter = reporter or affected
    affected = affected or reporter
    if not (reporter.is_active and affected.is_active and affected.is_customer):
        raise InvalidInput(
            _("A ticket is filed for an active customer; choose the affected person again."),
            field="affected",
        )
    if reporter.organisation_id != affected.organisation_id:
        raise InvalidInput(
            _("The reporting and affected persons must belong to the same organisation."),
            field="affected",
        )
    return reporter, affected


def ticket_create(
    *,
    actor: User,
    desk: Desk,
    type: TicketType,
    category: Category,
    title: str,
    description: str,
    priority: Priority | None = None,
    reporter: User | None = None,
    affected: User | None = None,
    personal_reference: str = "",
    qualification: str = "",
    ci: ConfigurationItem | None = None,
    references: Ticket | None = None,
    channel: str = Channel.PORTAL,
    attachments: Sequence[UploadedFile] = (),
) -> Ticket:
    """File a ticket; customers for themselves, staff on behalf of a customer (AG-7)."""
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        raise InvalidInput(_("The title is required."), field="title")
    if len(title) > 250:
        raise InvalidInput(_("The title is limited to 250 characters."), field="title")
    if not description:
        raise InvalidInput(_("The description is required."), field="description")
    if len(personal_reference) > 100:
        raise InvalidInput(
            _("The personal reference is limited to 100 characters."), field="personal_reference"
        )
    if type.desk_id != desk.pk or not desk.is_active:
        raise InvalidInput(_("This type of request does not belong to this desk."), field="type")
    if (
        category.service.desk_id != desk.pk
        or not category.is_active
        or not category.service.is_active
    ):
        raise InvalidInput(_("This category does not belong to this desk."), field="category")
    if priority is not None and priority.desk_id != desk.pk:
        raise InvalidInput(_("This priority does not belong to this desk."), field="priority")
    if actor.is_customer and not type.customer_may_create:
        raise PermissionDenied(
            _("A “%(type)s” request can only be created by our staff on your behalf.")
            % {"type": type.name},
            code="type_staff_only",
        )
    if (
        not actor.is_customer
        and not actor.is_admin
        and not ServiceMember.objects.filter(user_id=actor.pk, service__desk_id=desk.pk).exists()
    ):
        raise PermissionDenied(_("You are not an agent of this desk."), code="not_desk_agent")
    category = _route(type, category)
    reporter, affected = _people(actor, reporter, affected)
    if ci is not None and actor.is_customer and not visible_cis(actor).filter(pk=ci.pk).exists():
        # TEN-4: a customer names only equipment they see (their site; their department
        # with COMPTOIR_CI_BY_DEPARTMENT), in the portal as through the API.
        if getattr(settings, "COMPTOIR_CI_BY_DEPARTMENT", False):
            raise InvalidInput(_("Choose equipment of your own department."), field="ci")
        raise InvalidInput(_("Choose equipment of your own site."), field="ci")
    if ci is not None and (
        ci.site_id != affected.site_id or ci.organisation_id != affected.organisation_id
    ):
        # CMDB-1: a person and a CI go together only when they share a site.
        raise InvalidInput(
            _("This configuration item is not on the affected person's site."), field="ci"
        )
    if references is not None:
        references = visible_tickets(actor).filter(pk=references.pk).first()
        if references is None or references.organisation_id != affected.organisation_id:
            raise NotFound(_("The referenced ticket was not found."), field="references")
    if priority is None:
        priority = Priority.objects.filter(desk=desk, is_default=True).first()
    initial = Status.objects.filter(workflow_id=type.workflow_id, is_initial=True).first()
    if initial is None:
        raise InvalidInput(_("This type of request has no initial status; ask an administrator."))

    with transaction.atomic():
        number = _next_number(desk)
        ticket = Ticket(
            desk=desk,
            number=number,
            key=f"{desk.key_prefix}{number}",
            type=type,
            service_id=category.service_id,
            category=category,
            priority=priority,
            status=initial,
            state=initial.state,
            level_id=type.default_level_id or category.service.level_id,
            channel=channel,
            title=title,
            description=description,
            personal_reference=personal_reference.strip(),
            qualification=qualification.strip(),
            organisation_id=affected.organisation_id,
            site_id=affected.site_id,
            reporter=reporter,
            affected=affected,
            created_by=actor,
            ci=ci,
        )
        sla.recompute(ticket)
        ticket.save(force_insert=True)
        search_index.index_ticket(ticket, new=True)
        created = _base.event(
            ticket=ticket,
            actor=actor,
            kind="created",
            data={"status": _base.label(initial), "channel": channel, "key": ticket.key},
        )
        if attachments:
            store_attachments(ticket=ticket, actor=actor, files=attachments)
        if references is not None:
            TicketLink.objects.create(
                source=ticket,
                target=references,
                organisation_id=ticket.organisation_id,
                kind=LinkKind.REFERENCES,
                created_by=actor,
            )
        _invite_permanent_guests(ticket, actor)
        rules.on_event(ticket=ticket, event=created, actor=actor)
    return ticket


def _route(type: TicketType, category: Category) -> Category:
    """A type handled at one support level (004: an application incident goes to N2) files
    its ticket in a category of that level, whatever category the requester picked."""
    if not type.default_level_id or category.service.level_id in (None, type.default_level_id):
        return category
    routed = (
        Category.objects.filter(
            service__desk_id=type.desk_id,
            service__level_id=type.default_level_id,
            is_active=True,
            service__is_active=True,
        )
        .select_related("service")
        .order_by("service_id", "id")
        .first()
    )
    return routed or category


def _next_number(desk: Desk) -> int:
    """The desk's next key number, under the desk row's lock: no gaps reused, no duplicates.
    One statement: the UPDATE takes the row lock and hands back the number it moved past
    (RETURNING: PostgreSQL, SQLite 3.35+)."""
    table = connection.ops.quote_name(Desk._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_number = next_number + 1 WHERE id = %s "  # noqa: S608
            "RETURNING next_number - 1",
            [desk.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise Desk.DoesNotExist()
    return row[0]


def _invite_permanent_guests(ticket: Ticket, actor: User) -> None:
    """AG-6: the service's permanent guests follow the new ticket; one insert for all
    (the ticket is new in this transaction: nobody follows it yet)."""
    guests = PermanentGuest.objects.filter(service_id=ticket.service_id).select_related("user")
    users = {pg.user_id: pg.user for pg in guests if may_follow(pg.user, ticket)}
    Guest.objects.bulk_create(
        Guest(ticket=ticket, user=user, organisation_id=ticket.organisation_id, permanent=True)
        for user in users.values()
    )
