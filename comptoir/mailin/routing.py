"""Where an incoming message goes: its mailbox, its ticket, its sender (MAIL-1, MAIL-2).

These are reads as the system (a mail has no signed-in actor yet); the ingest service then
checks every match against the sender's own visibility before writing anything, so a
forged header can point at a ticket but never write on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

from django.conf import settings

from comptoir.accounts.models import User
from comptoir.catalog.models import Desk
from comptoir.mailin import parse
from comptoir.mailin.models import InboundMessage, Mailbox
from comptoir.notifications.models import Outbox
from comptoir.tickets.models import Ticket

ROUTING_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")
ROOT_RE = re.compile(r"comptoir\.ticket\.(\d{1,18})@(.+)", re.I)
BRACKET_KEY_RE = re.compile(r"\[([A-Za-z][A-Za-z0-9_-]{0,18}\d{1,10})\]")
BARE_KEY_RE = re.compile(r"\b([A-Z][A-Z0-9_]{0,15}-\d{1,10})\b")


def mail_domain() -> str:
    domain = getattr(settings, "COMPTOIR_MAIL_DOMAIN", "") or ""
    if not domain:
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">").strip()
    return domain.lower()


def find_mailbox(msg: Message, desk: Desk | None) -> Mailbox | None:
    """The forced desk's mailbox (a pipe per address), else the first receiving address
    of ours among the delivery and recipient headers, in that order."""
    # The contact site (only an unknown sender needs it) is read when used.
    active = Mailbox.objects.filter(is_active=True).select_related(
        "desk", "ticket_type", "category__service"
    )
    if desk is not None:
        return active.filter(desk=desk).order_by("id").first()
    recipients = parse.addresses(msg, *ROUTING_HEADERS)
    if not recipients:
        return None
    found = {m.address: m for m in active.filter(address__in=recipients)}
    for addr in recipients:
        if addr in found:
            return found[addr]
    # A desk's own address without a mailbox row of that address: the desk's first mailbox.
    for addr in recipients:
        box = active.filter(desk__email_address__iexact=addr).order_by("id").first()
        if box is not None:
            return box
    return None


def own_addresses() -> set[str]:
    """Addresses that are ours: mail from them is one of our own coming back (a loop)."""
    mailboxes = Mailbox.objects.order_by().values_list("address", flat=True)
    desks = Desk.objects.exclude(email_address="").order_by().values_list("email_address")
    own = {a.lower() for a in mailboxes.union(desks)}  # one query
    own.add(settings.DEFAULT_FROM_EMAIL.rpartition("<")[2].strip(">").strip().lower())
    return own


@dataclass(frozen=True)
class Thread:
    """What the headers say: a ticket (by id), or `dangling` when they name one of our
    tickets that does not exist; both empty when the mail starts a new conversation."""

    ticket_id: int | None = None
    dangling: bool = False


def thread_by_headers(msg: Message) -> Thread:
    ids = parse.message_ids(parse.header(msg, "In-Reply-To"))
    ids += list(reversed(parse.message_ids(parse.header(msg, "References"))))
    domain = mail_domain()
    for mid in ids:
        m = ROOT_RE.fullmatch(mid)
        if m and m.group(2).lower() == domain:
            pk = int(m.group(1))
            return Thread(pk) if Ticket.objects.filter(pk=pk).exists() else Thread(dangling=True)
        ticket_id = _ticket_of_message_id(mid)
        if ticket_id is not None:
            return Thread(ticket_id)
    return Thread()


def _ticket_of_message_id(mid: str) -> int | None:
    found = (
        Outbox.objects.filter(message_id__in=[mid, f"<{mid}>"], ticket__isnull=False)
        .values_list("ticket_id", flat=True)
        .first()
    )
    if found is not None:
        return found
    return (
        InboundMessage.objects.filter(message_id=mid, ticket__isnull=False)
        .values_list("ticket_id", flat=True)
        .first()
    )


def thread_by_subject(subject: str) -> int | None:
    """The ticket whose key the subject carries: "[SPT-12]" first, then a bare "SPT-12"."""
    keys = BRACKET_KEY_RE.findall(subject) + BARE_KEY_RE.findall(subject)
    if not keys:
        return None
    found = dict(Ticket.objects.filter(key__in=keys).values_list("key", "pk"))
    for key in keys:
        if key in found:
            return found[key]
    return None


def ticket_of_bounce(msg: Message) -> int | None:
    """The ticket of one of our messages that a bounce reports on (by our Message-ID)."""
    ids = parse.bounced_ids(msg)
    if not ids:
        return None
    return (
        Outbox.objects.filter(message_id__in=ids + [f"<{i}>" for i in ids], ticket__isnull=False)
        .values_list("ticket_id", flat=True)
        .first()
    )


def people_with_address(address: str) -> list[User]:
    return list(User.objects.filter(email__iexact=address).select_related("organisation"))
