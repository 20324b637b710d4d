"""Building raw messages and the mailboxes they are sent to, for the ingest tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from types import SimpleNamespace

from comptoir.catalog.models import Desk, TicketType
from comptoir.conftest import category
from comptoir.mailin.models import Mailbox
from comptoir.tickets import actions

DOMAIN = "comptoir.test"


def mail(
    *,
    frm: str = "alice@example.test",
    to: str = "support@comptoir.test",
    subject: str = "L'imprimante ne répond plus",
    body: str = "Bonjour,\nl'imprimante du 2e étage ne répond plus.\nAlice",
    html: str | None = None,
    headers: dict[str, str] | None = None,
    files: list[tuple[str, bytes, str]] = (),
    msgid: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = msgid or make_msgid(domain="example.test")
    for name, value in (headers or {}).items():
        msg[name] = value
    if body is not None:
        msg.set_content(body)
    if html is not None:
        if body is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for name, data, ctype in files:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def mail_setup(world: SimpleNamespace) -> SimpleNamespace:
    """support@ (itil, unknown senders refused), spt@ (replies by mail refused, seed 001),
    contact@ (ent, unknown senders become contacts of site A1); one itil ticket of alice's
    and one of bob's (another organisation)."""
    itil, spt, ent = (world.desks[s] for s in ("itil", "spt", "ent"))
    incident = TicketType.objects.get(desk=itil, code="incident")
    support = TicketType.objects.get(desk=spt, code="support")
    boxes = SimpleNamespace(
        support=Mailbox.objects.create(
            desk=itil,
            address="Support@Comptoir.test",
            ticket_type=incident,
            category=category("itil", "serveurs"),
        ),
        spt=Mailbox.objects.create(
            desk=spt,
            address="spt@comptoir.test",
            ticket_type=support,
            category=category("spt", "erp"),
        ),
        contact=Mailbox.objects.create(
            desk=ent,
            address="contact@comptoir.test",
            ticket_type=TicketType.objects.get(desk=ent, code="ticket"),
            category=category("ent", "messagerie"),
            unknown_senders="contact",
            contact_site=world.a1,
        ),
    )

    def ticket(who, desk, type_, cat):
        return actions.ticket_create(
            actor=who,
            desk=Desk.objects.get(pk=desk.pk),
            type=type_,
            category=cat,
            title="Imprimante en panne",
            description="L'imprimante n'imprime plus.",
        )

    return SimpleNamespace(
        world=world,
        boxes=boxes,
        alice_itil=ticket(world.customer, itil, incident, category("itil", "serveurs")),
        bob_itil=ticket(world.outsider, itil, incident, category("itil", "serveurs")),
        alice_spt=ticket(world.customer, spt, support, category("spt", "erp")),
    )
