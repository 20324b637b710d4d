# covers: MAIL-1, MAIL-2, NOT-7
"""The newcomer's story, end to end over real SMTP: a customer mails the desk and gets a
ticket; an agent answers in the console; the notification leaves as a mail (an .eml file,
the embedded default); the customer answers that mail and the answer lands on the same
ticket, without the quoted history."""

from __future__ import annotations

import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from comptoir.mailin.tests.test_smtpd import ADDRESS, mailboxes, receiver  # noqa: F401
from comptoir.notifications.tasks import deliver_outbox
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket


def send(port: int, msg: EmailMessage) -> str:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        refused = smtp.send_message(msg)
        assert refused == {}
        return smtp.noop()[1].decode()


@pytest.fixture
def outgoing(settings, tmp_path):
    settings.MAILERS = {
        "default": {
            "BACKEND": "comptoir.notifications.backends.EmlFileBackend",
            "OPTIONS": {"directory": str(tmp_path / "sent")},
        }
    }
    return tmp_path / "sent"


def test_mail_the_desk_then_answer_the_notification(receiver, outgoing, world):  # noqa: F811
    first = EmailMessage()
    first["From"] = f"Alice <{world.customer.email}>"
    first["To"] = ADDRESS
    first["Subject"] = "Le serveur de fichiers ne répond plus"
    first["Message-ID"] = make_msgid(domain="client.test")
    first.set_content("Bonjour,\nle partage Compta est inaccessible depuis ce matin.\nAlice")
    send(receiver, first)
    ticket = Ticket.objects.get(title="Le serveur de fichiers ne répond plus")
    assert ticket.reporter == world.customer and ticket.channel == "email"

    actions.ticket_comment(
        actor=world.agent, ticket=ticket, body="Pouvez-vous redémarrer votre poste ?"
    )
    deliver_outbox.call()
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in outgoing.iterdir()]
    (notification,) = [
        m
        for m in mails
        if world.customer.email in m["To"] and "redémarrer" in m.get_body(("plain",)).get_content()
    ]
    assert ticket.key in notification["Subject"]

    reply = EmailMessage()
    reply["From"] = world.customer.email
    reply["To"] = notification["Reply-To"] or ADDRESS
    reply["Subject"] = "Re: " + notification["Subject"]
    reply["Message-ID"] = make_msgid(domain="client.test")
    reply["In-Reply-To"] = notification["Message-ID"]
    reply["References"] = f"{notification['References'] or ''} {notification['Message-ID']}"
    reply.set_content(
        "C'est fait, tout remarche. Merci !\n\n"
        f"Le lundi, Comptoir <{ADDRESS}> a écrit :\n"
        "> Pouvez-vous redémarrer votre poste ?\n"
    )
    send(receiver, reply)

    comments = list(ticket.comments.order_by("pk").values_list("author_id", "body"))
    assert comments[-1][0] == world.customer.pk
    assert "tout remarche" in comments[-1][1]
    assert "> Pouvez-vous" not in comments[-1][1]  # quoted history trimmed
    assert Ticket.objects.filter(title__contains="serveur de fichiers").count() == 1
