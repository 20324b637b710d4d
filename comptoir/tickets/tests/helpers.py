"""Helpers for the ticket tests (imported, not collected): file a ticket in one line, read
back its events and outbox rows, and snapshot everything an action may write, to prove
that a refusal wrote nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings

from comptoir.accounts.models import User
from comptoir.catalog.models import Desk, TicketType
from comptoir.conftest import category
from comptoir.notifications.models import Outbox
from comptoir.tickets import actions
from comptoir.tickets.models import (
    Assessment,
    Attachment,
    Comment,
    Event,
    Guest,
    Mute,
    Ticket,
    TicketLink,
)

# The type and category a test gets by default on each preset desk.
DEFAULTS = {
    "spt": ("support", "erp"),
    "ent": ("ticket", "messagerie"),
    "itil": ("incident", "serveurs"),
    "n123": ("assistance", "assistance"),
}


def file_ticket(
    actor: User, desk: str = "spt", *, type: str | None = None, cat: str | None = None, **kw: Any
) -> Ticket:
    """`actor` files a ticket on preset `desk` through the one write path."""
    type_code, cat_slug = DEFAULTS[desk]
    d = Desk.objects.get(slug=desk)
    kw.setdefault("title", "Imprimante en panne")
    kw.setdefault("description", "Elle ne répond plus depuis ce matin.")
    return actions.ticket_create(
        actor=actor,
        desk=d,
        type=TicketType.objects.get(desk=d, code=type or type_code),
        category=category(desk, cat or cat_slug),
        **kw,
    )


def upload(name: str = "note.txt", data: bytes = b"hello", **kw: Any) -> actions.UploadedFile:
    return actions.UploadedFile(name=name, content=io.BytesIO(data), size=len(data), **kw)


def events(ticket: Ticket, kind: str | None = None) -> list[Event]:
    qs = Event.objects.filter(ticket_id=ticket.pk).order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def outbox_mark() -> int:
    """The last outbox row so far: pass it as `since` to see only what comes next."""
    return Outbox.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def outbox(ticket: Ticket, kind: str | None = None, *, since: int = 0) -> set[tuple[str, str]]:
    """(recipient username, kind) of the ticket's outbox rows."""
    qs = Outbox.objects.filter(ticket_id=ticket.pk, pk__gt=since)
    if kind:
        qs = qs.filter(kind=kind)
    return set(qs.values_list("recipient__username", "kind"))


def recipients(ticket: Ticket, kind: str, *, since: int = 0) -> set[str]:
    return {name for name, _kind in outbox(ticket, kind, since=since)}


TRACKED = (Ticket, Comment, Event, Attachment, Guest, TicketLink, Mute, Assessment, Outbox)


def snapshot() -> dict[str, Any]:
    """Everything a ticket action may write: rows, versions, key counters, stored files."""
    media = Path(settings.MEDIA_ROOT)
    return {
        "rows": {m.__name__: m.objects.count() for m in TRACKED},
        "tickets": list(Ticket.objects.order_by("pk").values_list("pk", "version", "updated_at")),
        "counters": list(Desk.objects.order_by("pk").values_list("pk", "next_number")),
        "files": sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else [],
    }


@contextmanager
def unchanged() -> Iterator[None]:
    """`with unchanged(), pytest.raises(…):` — the refused call wrote nothing at all."""
    before = snapshot()
    yield
    after = snapshot()
    assert after == before, {k: (before[k], after[k]) for k in before if before[k] != after[k]}
