# covers: MAIL-2, MAIL-3, TEN-2
"""Threading replies never crosses tenants, and a message ingested twice gives one result.

`test_fuzz.py` throws broken bytes at the ingest; here the messages are well formed and
the attack is in the threading handles. A sender who may not see a ticket (Bob of another
organisation, Anna of another site of the same one) writes with any mix of its handles:
our root id in In-Reply-To or References, the Message-ID of a notification about it, the
Message-ID of its requester's earlier mail, its key in the subject in the forms mail
clients write, among their own ticket's handles and noise. Whatever the mix, the mail
never becomes a comment on that ticket, nor a mail about it: it starts a ticket of the
sender's own organisation, joins one the sender sees, or is refused. The requester's own
replies, with the same handles, do join it.

Then the same message again, byte for byte or with the trace headers a second delivery
adds, is a duplicate of the first: no second ticket, comment or answer.
"""

from __future__ import annotations

import os
from email.message import EmailMessage

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from comptoir.catalog.models import Desk, TicketType
from comptoir.conftest import category
from comptoir.mailin.ingest import ingest
from comptoir.mailin.models import InboundMessage
from comptoir.mailin.tests.corpus import DOMAIN, RESULTS, mail_world
from comptoir.notifications.models import Outbox
from comptoir.tickets import actions
from comptoir.tickets.models import Attachment, Comment, Ticket
from comptoir.tickets.selectors import visible_tickets

SCALE = max(1, int(os.environ.get("COMPTOIR_FUZZ_SCALE") or 1))
FUZZ = settings(
    max_examples=60 * SCALE,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the repository; failures print their input
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OUTSIDERS = {  # From headers of people who may not see Alice's tickets
    "bob": ["bob@example.test", "Bob <BOB@Example.Test>", '"Alice via Bob" <bob@example.test>'],
    "anna": ["anna@example.test", "Anna <ANNA@EXAMPLE.TEST>"],
}


@pytest.fixture
def mail(world, settings):
    """The corpus' mailboxes and Alice's threads, Bob's own ticket, and Alice's first
    reply by mail (its Message-ID is a handle of her ticket too)."""
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    m = mail_world(world)
    itil = Desk.objects.get(slug="itil")
    m.bob_itil = actions.ticket_create(
        actor=world.outsider,
        desk=itil,
        type=TicketType.objects.get(desk=itil, code="incident"),
        category=category("itil", "serveurs"),
        title="Serveur arrêté",
        description="Le serveur de Berlin ne répond plus.",
    )
    first = ingest(
        build(
            "alice@example.test",
            "support@comptoir.test",
            f"Re: [{m.threads['itil'].key}] Imprimante en panne",
            {"Message-ID": "<alice-first@example.test>"},
        )
    )
    assert first.result == "appended", first
    m.alice_mid = "<alice-first@example.test>"
    return m


def build(frm: str, to: str, subject: str, headers: dict[str, str], body: str = "") -> bytes:
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(body or "Bonjour,\nvoici ma réponse.\n")
    return msg.as_bytes()


def root(ticket: Ticket) -> str:
    return f"<comptoir.ticket.{ticket.pk}@{DOMAIN}>"


def key_forms(key: str) -> list[str]:
    """How mail clients carry a key in a subject."""
    return [f"Re: [{key}]", key, f"RE : TR: {key} ", f"[{key.lower()}]", f"Fwd: ({key})"]


@st.composite
def reply(draw, m, sender: str) -> bytes:
    """A reply carrying handles of Alice's tickets, maybe of Bob's, maybe noise."""
    alice, spt = m.threads["itil"], m.threads["spt"]
    in_reply_to = [root(alice), f"<{m.notify}>", m.notify, m.alice_mid, root(spt)]
    own = [root(m.bob_itil)] if sender == "bob" else []
    ids = draw(
        st.lists(
            st.sampled_from([*in_reply_to, *own, "<noise@elsewhere.test>"]), min_size=0, max_size=4
        )
    )
    headers = {}
    if ids and draw(st.booleans()):
        headers["In-Reply-To"] = ids[0]
    if ids:
        headers["References"] = " ".join(ids)
    keys = [*key_forms(alice.key), *key_forms(spt.key)]
    if sender == "bob":
        keys.append(f"[{m.bob_itil.key}]")
    words = draw(st.lists(st.sampled_from(keys), max_size=2))
    subject = " ".join([*words, draw(st.sampled_from(["Imprimante", "", "Réponse"]))])
    if draw(st.booleans()):
        headers["Message-ID"] = f"<{draw(st.uuids())}@example.test>"
    frm = draw(st.sampled_from(OUTSIDERS.get(sender, ["alice@example.test"])))
    to = draw(st.sampled_from(["support@comptoir.test", "contact@comptoir.test"]))
    return build(frm, to, subject.strip(), headers)


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count() for m in (Ticket, Comment, Attachment, InboundMessage, Outbox)
    }


def twice(raw: bytes):
    """Ingest `raw`, then the same message again (byte for byte, or as a second delivery
    with one more trace header): the second is a duplicate that writes nothing."""
    first = ingest(raw)
    assert first.result in RESULTS and first.reason != "internal_error", first
    before = counts()
    again = ingest(raw)
    assert (again.result, again.ticket, again.message) == ("duplicate", first.ticket, first.message)
    assert counts() == before
    redelivered = b"Received: from mx2.example.test by mx.comptoir.test\r\n" + raw
    copy = ingest(redelivered)
    if b"Message-ID" in raw and first.result in ("created", "appended", "refused"):
        assert (copy.result, copy.ticket) == ("duplicate", first.ticket), copy
        after = counts()
        assert after.pop("InboundMessage") == before.pop("InboundMessage") + 1  # its record
        assert after == before
    return first


@FUZZ
@given(data=st.data(), sender=st.sampled_from(sorted(OUTSIDERS)))
def test_another_tenants_handles_never_reach_its_ticket(mail, data, sender):
    person = getattr(mail.world, {"bob": "outsider", "anna": "other_site"}[sender])
    alices = [mail.threads["itil"], mail.threads["spt"]]
    with transaction.atomic():
        versions = {t.pk: Ticket.objects.get(pk=t.pk).version for t in alices}
        comments = Comment.objects.filter(ticket__in=alices).count()
        last_outbox = Outbox.objects.order_by("-pk").values_list("pk", flat=True).first()
        res = twice(data.draw(reply(mail, sender)))
        event(f"{sender}: {res.result} {res.reason}")
        assert res.ticket not in alices and res.message.ticket_id not in versions, res
        if res.result in ("created", "appended"):
            assert res.ticket.organisation_id == person.organisation_id, res
            assert visible_tickets(person).filter(pk=res.ticket.pk).exists(), res
        assert Comment.objects.filter(ticket__in=alices).count() == comments
        assert {t.pk: Ticket.objects.get(pk=t.pk).version for t in alices} == versions
        written = Outbox.objects.filter(pk__gt=last_outbox or 0, ticket_id__in=versions)
        assert not written.exists(), list(written.values_list("kind", "recipient__username"))
        transaction.set_rollback(True)


@FUZZ
@given(data=st.data())
def test_the_requesters_own_replies_join_her_ticket_once(mail, data):
    alice = mail.threads["itil"]
    with transaction.atomic():
        raw = data.draw(reply(mail, "alice"))
        res = twice(raw)
        event(f"alice: {res.result} {res.reason}")
        if res.result == "appended":
            assert res.ticket.organisation_id == mail.world.org_a.pk
            assert Comment.objects.filter(pk=res.message.comment_id, author=mail.world.customer)
        handles = [root(alice), f"<{mail.notify}>", mail.alice_mid]
        if (
            any(h.encode() in raw for h in handles)
            and root(mail.threads["spt"]).encode() not in raw
        ):
            assert (res.result, res.ticket) == ("appended", alice), res
        transaction.set_rollback(True)
