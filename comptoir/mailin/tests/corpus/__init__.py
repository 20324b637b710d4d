"""The mail corpus: the .eml files, what each must give, and the desks they are sent to.

Shared by the corpus tests and the property tests, which mutate the same messages.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from comptoir.catalog.models import Desk, TicketType
from comptoir.conftest import category
from comptoir.mailin.models import Mailbox
from comptoir.notifications.models import Outbox
from comptoir.tickets import actions

CORPUS = Path(__file__).resolve().parent
EXPECTED: dict[str, dict] = {
    k: v for k, v in json.loads((CORPUS / "expected.json").read_text()).items() if k[0] != "_"
}
RESULTS = {"created", "appended", "refused", "quarantined", "duplicate"}
DOMAIN = "comptoir.test"


def mail_world(world: SimpleNamespace) -> SimpleNamespace:
    """Three receiving addresses (support: itil, unknown senders refused; spt: replies by
    e-mail refused; contact: ent, unknown senders become contacts), one open ticket on each
    of itil and spt for the replies to join, and a notification of the itil one."""
    itil, spt, ent = (world.desks[s] for s in ("itil", "spt", "ent"))
    Desk.objects.filter(pk=itil.pk).update(email_address="support@comptoir.test")
    Desk.objects.filter(pk=spt.pk).update(email_address="spt@comptoir.test")
    Desk.objects.filter(pk=ent.pk).update(email_address="contact@comptoir.test")
    incident = TicketType.objects.get(desk=itil, code="incident")
    support = TicketType.objects.get(desk=spt, code="support")
    boxes = {
        "support": Mailbox.objects.create(
            desk=itil,
            address="support@comptoir.test",
            ticket_type=incident,
            category=category("itil", "serveurs"),
        ),
        "spt": Mailbox.objects.create(
            desk=spt,
            address="spt@comptoir.test",
            ticket_type=support,
            category=category("spt", "erp"),
        ),
        "contact": Mailbox.objects.create(
            desk=ent,
            address="contact@comptoir.test",
            ticket_type=TicketType.objects.get(desk=ent, code="ticket"),
            category=category("ent", "messagerie"),
            unknown_senders="contact",
            contact_site=world.a1,
        ),
    }
    threads = {
        "itil": actions.ticket_create(
            actor=world.customer,
            desk=Desk.objects.get(pk=itil.pk),
            type=incident,
            category=category("itil", "impression"),
            title="Imprimante en panne",
            description="L'imprimante n'imprime plus.",
        ),
        "spt": actions.ticket_create(
            actor=world.customer,
            desk=Desk.objects.get(pk=spt.pk),
            type=support,
            category=category("spt", "erp"),
            title="Erreur ProConcept",
            description="Une erreur à l'ouverture du module.",
        ),
    }
    # The requester hears of an agent's comment: a notification whose Message-ID a reply
    # may carry alone in In-Reply-To.
    actions.ticket_comment(
        actor=world.agent, ticket=threads["itil"], body="Avez-vous redémarré l'imprimante ?"
    )
    notify = Outbox.objects.filter(ticket=threads["itil"], recipient=world.customer).latest("pk")
    return SimpleNamespace(
        world=world, boxes=boxes, threads=threads, notify=notify.message_id.strip("<>")
    )


def fill(raw: bytes, mail: SimpleNamespace) -> bytes:
    """Bytes with the placeholders of build_corpus.py replaced by the tickets' key and root
    thread id."""
    for prefix, ticket in ((b"", mail.threads["itil"]), (b"SPT_", mail.threads["spt"])):
        raw = raw.replace(b"{{%sKEY}}" % prefix, ticket.key.encode())
        root = f"comptoir.ticket.{ticket.pk}@{DOMAIN}".encode()
        raw = raw.replace(b"{{%sROOT}}" % prefix, root)
    return raw.replace(b"{{NOTIFY}}", mail.notify.encode())


def load(name: str, mail: SimpleNamespace) -> bytes:
    return fill((CORPUS / name).read_bytes(), mail)
