"""Writes on the console's own data: the queue views an agent saves (filters and sorting)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.console.models import SavedQueue
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied

# What a saved view keeps of a queue's query string: never a page cursor.
KEPT = {"queue", "state", "q", "desk", "service", "status", "priority", "sort"}


def _staff(actor: User) -> None:
    if not (actor.is_authenticated and (actor.is_staff_member or actor.is_admin)):
        raise PermissionDenied(_("Only the provider's staff may do this."), code="staff_only")


def saved_queue_save(*, actor: User, name: str, query: str) -> SavedQueue:
    """Save (or overwrite) the named view of a queue for `actor` only."""
    _staff(actor)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give this view a name."), field="name")
    if len(name) > 80:
        raise InvalidInput(_("The name is limited to 80 characters."), field="name")
    pairs = [(k, v) for k, v in parse_qsl(query or "", keep_blank_values=False) if k in KEPT]
    with transaction.atomic():
        saved, _created = SavedQueue.objects.update_or_create(
            user=actor, name=name, defaults={"query": urlencode(pairs)[:1000]}
        )
    return saved


def saved_queue_delete(*, actor: User, pk: int) -> None:
    _staff(actor)
    with transaction.atomic():
        deleted, _rows = SavedQueue.objects.filter(user=actor, pk=pk).delete()
    if not deleted:
        raise NotFound()
