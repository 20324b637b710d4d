"""What people add to a ticket: comments, attachments, links, field changes, mute."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.catalog.models import Priority
from comptoir.cmdb.models import ConfigurationItem
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.notifications import rules
from comptoir.search import index as search_index
from comptoir.sla import services as sla
from comptoir.tickets.actions import _base
from comptoir.tickets.actions.uploads import UploadedFile, store_attachments
from comptoir.tickets.models import Attachment, Comment, LinkKind, Mute, Ticket, TicketLink
from comptoir.tickets.relations import relations
from comptoir.tickets.selectors import visible_tickets
from comptoir.workflows.models import Actor


def _may_write(actor: User, ticket: Ticket, rel: set[str]) -> None:
    """AG-3: agents of the service, the assignee, requesters and guests may add content."""
    if actor.is_customer and ticket.status.is_final:
        raise PermissionDenied(
            _("This ticket is closed; open a new request that references it."), code="closed"
        )
    if rel & {Actor.REQUESTER, Actor.AGENT, Actor.ASSIGNEE, Actor.ADMIN, Actor.MANAGER}:
        return
    if ticket.guests.filter(user_id=actor.pk).exists():
        return
    raise PermissionDenied(_("You may not comment on this ticket."), code="comment_forbidden")


def add_comment(
    *, ticket: Ticket, actor: User, body: str, internal: bool, files: Sequence[UploadedFile] = ()
) -> Comment:
    """Write a comment and its event inside the caller's transaction (used by other actions)."""
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("The comment is empty."), field="comment")
    if internal and not (actor.is_staff_member or actor.is_admin):
        raise PermissionDenied(_("Only staff may write internal comments."), field="internal")
    comment = Comment.objects.create(
        ticket=ticket,
        organisation_id=ticket.organisation_id,
        author=actor,
        body=body,
        internal=internal,
    )
    search_index.append_comment(comment)
    if files:
        store_attachments(
            ticket=ticket, actor=actor, files=files, comment=comment, internal=internal
        )
    ev = _base.event(
        ticket=ticket,
        actor=actor,
        kind="comment",
        internal=internal,
        comment=comment,
        data={"attachments": len(files)},
    )
    rules.on_event(ticket=ticket, event=ev, actor=actor)
    return comment


def ticket_comment(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    internal: bool = False,
    files: Sequence[UploadedFile] = (),
) -> Comment:
    """TIC-8, AG-3: a public or internal comment."""
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        _may_write(actor, ticket, relations(actor, ticket))
        comment = add_comment(ticket=ticket, actor=actor, body=body, internal=internal, files=files)
        _base.save(ticket)
    return comment


def ticket_attach(
    *, actor: User, ticket: Ticket, files: Sequence[UploadedFile], internal: bool = False
) -> list[Attachment]:
    if not files:
        raise InvalidInput(_("Choose a file to attach."), field="attachments")
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        _may_write(actor, ticket, relations(actor, ticket))
        if internal and not (actor.is_staff_member or actor.is_admin):
            raise PermissionDenied(_("Only staff may add internal attachments."))
        stored = store_attachments(ticket=ticket, actor=actor, files=files, internal=internal)
        _base.event(
            ticket=ticket,
            actor=actor,
            kind="attachment",
            internal=internal,
            data={"files": [a.filename for a in stored]},
        )
        _base.save(ticket)
    return stored


def ticket_link(
    *, actor: User, ticket: Ticket, target: Ticket, kind: str = LinkKind.RELATES
) -> TicketLink:
    """TIC-5: link two tickets of the same customer organisation."""
    if kind not in {LinkKind.RELATES, LinkKind.REFERENCES}:
        raise InvalidInput(_("Unknown kind of link."), field="kind")
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        other = visible_tickets(actor).filter(pk=target.pk).first()
        if other is None or other.organisation_id != ticket.organisation_id:
            raise NotFound(_("The ticket to link was not found."), field="target")
        if other.pk == ticket.pk:
            raise InvalidInput(_("A ticket cannot be linked to itself."), field="target")
        _may_write(actor, ticket, relations(actor, ticket))
        link, created = TicketLink.objects.get_or_create(
            source=ticket,
            target=other,
            kind=kind,
            defaults={"organisation_id": ticket.organisation_id, "created_by": actor},
        )
        if created:
            _base.event(
                ticket=ticket, actor=actor, kind="link", data={"target": other.key, "kind": kind}
            )
            _base.save(ticket)
    return link


def ticket_mute(*, actor: User, ticket: Ticket, muted: bool = True) -> None:
    """NOT-5: stop (or resume) mails about one ticket, for oneself."""
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        if muted:
            Mute.objects.get_or_create(ticket=ticket, user=actor)
        else:
            Mute.objects.filter(ticket=ticket, user=actor).delete()
        _base.event(ticket=ticket, actor=actor, kind="mute", internal=True, data={"muted": muted})


EDITABLE = {"title", "priority", "qualification", "personal_reference", "ci"}


def ticket_update(*, actor: User, ticket: Ticket, changes: dict[str, Any]) -> Ticket:
    """Staff edit of a ticket's fields; each change is an event with old and new values."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown))
        )
    _base.require_staff(actor)
    with transaction.atomic():
        ticket = _base.lock(actor=actor, ticket=ticket)
        if not relations(actor, ticket) & {Actor.AGENT, Actor.ASSIGNEE, Actor.ADMIN}:
            raise PermissionDenied(_("Only agents of the ticket's service may edit it."))
        diff: dict[str, Any] = {}
        fields = []
        for name, value in changes.items():
            old = getattr(ticket, name)
            value = _clean_field(ticket, name, value)
            if old == value:
                continue
            setattr(ticket, name, value)
            fields.append(f"{name}_id" if name in {"priority", "ci"} else name)
            diff[name] = {"old": _show(old), "new": _show(value)}
        if diff:
            if "priority" in diff:
                fields += sla.recompute(ticket)
            _base.save(ticket, *fields)
            if diff.keys() & {"title", "personal_reference"}:
                search_index.update_head(ticket)
            ev = _base.event(ticket=ticket, actor=actor, kind="fields", data=diff)
            rules.on_event(ticket=ticket, event=ev, actor=actor)
    return ticket


def _show(value: Any) -> Any:
    return _base.label(value) if hasattr(value, "pk") else value


def _clean_field(ticket: Ticket, name: str, value: Any) -> Any:
    if name == "title":
        value = (value or "").strip()
        if not value or len(value) > 250:
            raise InvalidInput(_("The title is required (250 characters at most)."), field="title")
    elif name == "priority":
        if not isinstance(value, Priority) or value.desk_id != ticket.desk_id:
            raise InvalidInput(_("Choose a priority of this desk."), field="priority")
    elif name == "ci":
        if value is not None and (
            not isinstance(value, ConfigurationItem) or value.site_id != ticket.site_id
        ):
            raise InvalidInput(
                _("This configuration item is not on the ticket's site."), field="ci"
            )
    else:
        value = (value or "").strip()
        if name == "personal_reference" and len(value) > 100:  # as on creation
            raise InvalidInput(
                _("The personal reference is limited to 100 characters."), field=name
            )
    return value
