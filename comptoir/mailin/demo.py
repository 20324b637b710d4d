"""The demo's e-mail channel: each demo desk receives mail at support@<desk>.demo.comptoir.test,
and two mails show what happens to them (MAIL-1 with a personal reference, and seed 001's
reply refused by the SPT desk). Called by `comptoir/core/demo.py` inside the demo's
transaction, so the demo stays all-or-nothing and idempotent."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from comptoir.accounts.models import Site, User
from comptoir.catalog.models import Category, Desk, TicketType
from comptoir.core.errors import InvalidInput
from comptoir.mailin.ingest import ingest
from comptoir.mailin.models import Mailbox, UnknownSenders
from comptoir.tickets.models import Ticket

# desk slug → (ticket type, category, site code of new contacts or None: unknown refused)
MAILBOXES = {
    "spt": ("support", "erp", None),
    "ent": ("ticket", "messagerie", "MLY"),
    "itil": ("incident", "serveurs", None),
    "n123": ("assistance", "assistance", None),
}


def address(slug: str) -> str:
    return f"support@{slug}.demo.comptoir.test"


def demo_mailboxes() -> list[Mailbox]:
    boxes = []
    for slug, (type_code, category_slug, site_code) in MAILBOXES.items():
        desk = Desk.objects.get(slug=slug)
        Desk.objects.filter(pk=desk.pk).update(email_address=address(slug))
        boxes.append(
            Mailbox.objects.create(
                desk=desk,
                address=address(slug),
                ticket_type=TicketType.objects.get(desk=desk, code=type_code),
                category=Category.objects.get(service__desk=desk, slug=category_slug),
                unknown_senders=UnknownSenders.CONTACT if site_code else UnknownSenders.REFUSE,
                contact_site=Site.objects.get(code=site_code) if site_code else None,
            )
        )
    return boxes


def demo_mails(people: dict[str, User], tickets: list[Ticket]) -> list[Ticket]:
    """Amandine mails the SPT desk a new request, then answers one of her tickets by
    e-mail, which the SPT desk refuses (001): the answer points her to the portal."""
    amandine = people["amandine"]
    new = ingest(
        _mail(
            amandine,
            "spt",
            "Nouvel utilisateur pour la comptabilité ##PO-2025-117##",
            "Bonjour,\nmerci de créer un accès ERP pour Julie Bonnet, qui arrive lundi.\n"
            "Amandine Roux",
        ),
        source="demo",
    )
    theirs = next(t for t in tickets if t.desk.slug == "spt" and t.reporter_id == amandine.pk)
    reply = ingest(
        _mail(amandine, "spt", f"RE: [{theirs.key}] {theirs.title}", "Toujours bloqué ce matin."),
        source="demo",
    )
    if new.result != "created" or reply.reason != "reply_by_email_off":
        raise InvalidInput(f"demo mail: {new.result} {new.reason}, {reply.result} {reply.reason}")
    return [new.ticket]


def _mail(person: User, slug: str, subject: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{person.get_full_name()} <{person.email}>"
    msg["To"] = address(slug)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=person.email.rpartition("@")[2])
    msg.set_content(body)
    return msg.as_bytes()
