# covers: MAIL-1, MAIL-2, MAIL-3, TEN-2, TEN-4
"""The ingest service: new tickets, replies, refusals with answers, duplicates, quarantine."""

from __future__ import annotations

import pytest

from comptoir.accounts.models import Role, User
from comptoir.conftest import make_user
from comptoir.mailin.ingest import ingest, reingest
from comptoir.mailin.models import InboundMessage
from comptoir.mailin.tests.helpers import DOMAIN, mail, mail_setup
from comptoir.notifications.models import Outbox
from comptoir.tickets.models import Attachment, Channel, Comment, Event, Ticket

ANSWERS = ("mail_refused", "mail_reply_refused")


@pytest.fixture
def m(world, settings):
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    return mail_setup(world)


def answers(**kw):
    return list(Outbox.objects.filter(kind__in=ANSWERS, **kw))


# --- new mail -------------------------------------------------------------------------------


def test_new_mail_creates_a_ticket_by_the_sender_on_the_mailbox_desk(m):
    out = ingest(
        mail(
            frm="Alice <ALICE@Example.test>",
            subject="Nouvel utilisateur ##PO1234##",
            files=[("écran.png", b"\x89PNG fake", "image/png")],
        )
    )
    assert (out.result, out.reason) == ("created", "")
    t = out.ticket
    assert t.desk.slug == "itil" and t.type.code == "incident" and t.category.slug == "serveurs"
    assert t.reporter == m.world.customer and t.created_by == m.world.customer
    assert t.channel == Channel.EMAIL
    assert t.title == "Nouvel utilisateur" and t.personal_reference == "PO1234"
    assert "2e étage" in t.description
    assert [a.filename for a in Attachment.objects.filter(ticket=t)] == ["écran.png"]
    rec = out.message
    assert rec.result == "created" and rec.ticket == t and rec.organisation == m.world.org_a
    assert rec.mailbox == m.boxes.support and rec.from_address == "alice@example.test"
    assert rec.raw.read().startswith(b"From:") or b"From:" in rec.raw.read()
    assert Event.objects.filter(ticket=t, kind="created", data__channel="email").exists()


def test_html_only_mail_is_sanitised_to_text(m):
    html = "<p>Bonjour <b>team</b></p><script>alert('x')</script><img src=x onerror=alert(1)>"
    out = ingest(mail(body=None, html=html))
    assert out.result == "created"
    assert "Bonjour **team**" in out.ticket.description
    assert "alert" not in out.ticket.description and "<" not in out.ticket.description


def test_routing_by_delivered_to_before_to_and_cc(m):
    raw = mail(to="someone@else.test", headers={"Cc": "contact@comptoir.test"})
    assert ingest(raw).ticket.desk.slug == "ent"
    raw = mail(to="support@comptoir.test", headers={"Delivered-To": "spt@comptoir.test"})
    assert ingest(raw).ticket.desk.slug == "spt"


def test_forced_desk_wins_over_headers(m):
    out = ingest(mail(to="support@comptoir.test"), desk=m.world.desks["spt"])
    assert out.ticket.desk.slug == "spt"
    assert out.message.desk_forced


def test_no_mailbox_is_quarantined_and_reingested_once_there_is_one(m):
    out = ingest(mail(to="nobody@comptoir.test"))
    assert (out.result, out.reason, out.ticket) == ("quarantined", "no_mailbox", None)
    m.boxes.contact.address = "nobody@comptoir.test"
    m.boxes.contact.save()
    again = reingest(out.message)
    assert again.result == "created" and again.ticket.desk.slug == "ent"
    assert again.message.reingested_from == out.message
    assert reingest(out.message).result == "duplicate"  # one ticket, however often


def test_unknown_sender_refused_with_an_answer_in_external_mode(m):
    out = ingest(mail(frm="stranger@nowhere.test", subject="Aide"))
    assert (out.result, out.reason) == ("refused", "unknown_sender")
    [answer] = answers()
    assert answer.kind == "mail_refused" and answer.email == "stranger@nowhere.test"
    assert answer.recipient is None and answer.language == m.world.desks["itil"].language
    assert answer.context["reason"] == "unknown_sender" and answer.context["subject"] == "Aide"
    assert out.message.answered and not Ticket.objects.filter(channel="email").exists()


def test_unknown_sender_becomes_a_contact_when_the_mailbox_says_so(m):
    out = ingest(mail(frm="Zoé Martin <zoe@alpha.test>", to="contact@comptoir.test"))
    assert out.result == "created"
    zoe = User.objects.get(email="zoe@alpha.test")
    assert (zoe.role, zoe.site, zoe.first_name, zoe.last_name) == (
        Role.CUSTOMER,
        m.world.a1,
        "Zoé",
        "Martin",
    )
    assert not zoe.has_usable_password() and out.ticket.reporter == zoe


def test_a_contact_is_not_created_when_its_ticket_is_refused(m):
    m.boxes.contact.ticket_type.customer_may_create = False
    m.boxes.contact.ticket_type.save()
    out = ingest(mail(frm="zoe@alpha.test", to="contact@comptoir.test"))
    assert (out.result, out.reason) == ("refused", "type_staff_only")
    assert not User.objects.filter(email="zoe@alpha.test").exists()
    assert answers()[0].context["detail"]


def test_two_people_with_one_address_are_never_guessed_between(m):
    for name, site, address in (
        ("s1", m.world.b1, "shared@x.test"),
        ("s2", m.world.a1, "SHARED@x.test"),
    ):
        User.objects.filter(pk=make_user(name, site=site).pk).update(email=address)
    out = ingest(mail(frm="shared@x.test"))
    assert (out.result, out.reason) == ("refused", "ambiguous_sender")
    assert not Ticket.objects.filter(channel="email").exists()


def test_inactive_sender_is_refused(m):
    User.objects.filter(pk=m.world.customer.pk).update(is_active=False)
    assert ingest(mail()).reason == "inactive_sender"


def test_staff_sender_without_customer_is_refused_with_the_actions_reason(m):
    out = ingest(mail(frm="gaston@example.test"))
    assert (out.result, out.reason) == ("refused", "invalid")


def test_too_large_is_refused_with_an_answer_and_only_the_head_is_kept(m, settings):
    settings.COMPTOIR_MAX_INBOUND_BYTES = 2000
    out = ingest(mail(files=[("big.bin", b"x" * 5000, "application/octet-stream")]))
    assert (out.result, out.reason) == ("refused", "too_large")
    assert answers()[0].context["reason"] == "too_large"
    assert out.message.raw.name.endswith(".head.eml") and out.message.size > 2000


def test_oversized_attachment_is_left_out_with_a_note(m, settings):
    settings.COMPTOIR_MAX_ATTACHMENT_BYTES = 100
    out = ingest(mail(files=[("big.bin", b"x" * 500, "application/octet-stream")]))
    assert out.result == "created" and "big.bin" in out.ticket.description
    assert not Attachment.objects.filter(ticket=out.ticket).exists()


# --- replies --------------------------------------------------------------------------------


def root(ticket: Ticket) -> str:
    return f"<comptoir.ticket.{ticket.pk}@{DOMAIN}>"


def test_reply_threads_by_the_root_id_and_trims_the_quoted_history(m):
    body = "Merci, c'est réparé.\n\nLe lun. 3 mars 2025 à 10:00, Support a écrit :\n> ancien"
    out = ingest(
        mail(subject="Re: ton ticket", body=body, headers={"References": root(m.alice_itil)})
    )
    assert (out.result, out.ticket) == ("appended", m.alice_itil)
    comment = Comment.objects.get(ticket=m.alice_itil)
    assert comment.body == "Merci, c'est réparé." and comment.author == m.world.customer
    assert out.message.comment == comment


def test_reply_threads_by_an_outbox_message_id(m):
    row = Outbox.objects.filter(ticket=m.alice_itil).first()
    assert row is not None and row.message_id
    out = ingest(mail(subject="Re: x", headers={"In-Reply-To": row.message_id}))
    assert (out.result, out.ticket) == ("appended", m.alice_itil)


def test_reply_threads_by_the_key_in_the_subject(m):
    out = ingest(mail(subject=f"RE: [{m.alice_itil.key}] Imprimante en panne", body="Toujours KO"))
    assert (out.result, out.ticket) == ("appended", m.alice_itil)


def test_forged_in_reply_to_another_organisations_ticket_is_refused(m):
    out = ingest(mail(subject="Re: x", headers={"In-Reply-To": root(m.bob_itil)}))
    assert (out.result, out.reason) == ("refused", "ticket_not_found")
    assert not Comment.objects.filter(ticket=m.bob_itil).exists()
    assert out.message.ticket is None and out.message.organisation == m.world.org_a
    # the same answer as for a ticket that does not exist: no existence oracle
    missing = ingest(
        mail(subject="Re: y", headers={"In-Reply-To": f"<comptoir.ticket.999999@{DOMAIN}>"})
    )
    assert missing.reason == "ticket_not_found"


def test_another_organisations_key_in_the_subject_starts_a_new_ticket(m):
    out = ingest(mail(subject=f"[{m.bob_itil.key}] Imprimante"))
    assert out.result == "created" and out.ticket != m.bob_itil
    assert not Comment.objects.filter(ticket=m.bob_itil).exists()


def test_reply_from_someone_who_may_not_write_is_refused(m):
    # amelie (customer manager of A1) sees alice's ticket but is not on it
    out = ingest(mail(frm="amelie@example.test", headers={"In-Reply-To": root(m.alice_itil)}))
    assert (out.result, out.reason) == ("refused", "comment_forbidden")
    assert out.ticket == m.alice_itil and not Comment.objects.exists()


def test_agent_reply_is_a_public_comment_by_the_agent(m):
    out = ingest(mail(frm="gaston@example.test", headers={"In-Reply-To": root(m.alice_itil)}))
    assert out.result == "appended"
    assert Comment.objects.get(ticket=m.alice_itil).author == m.world.agent


def test_desk_refusing_replies_answers_with_the_portal_and_keeps_the_mail(m):
    out = ingest(mail(subject=f"Re: [{m.alice_spt.key}]", to="spt@comptoir.test"))
    assert (out.result, out.reason, out.ticket) == ("refused", "reply_by_email_off", m.alice_spt)
    [answer] = answers()
    assert answer.kind == "mail_reply_refused" and answer.recipient == m.world.customer
    assert answer.context["ticket"] == m.alice_spt.pk and answer.ticket == m.alice_spt
    assert not Comment.objects.filter(ticket=m.alice_spt).exists()
    assert out.message.raw and out.message.ticket == m.alice_spt


# --- loops, duplicates, quarantine ----------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"Return-Path": "<>"},
    ],
)
def test_automatic_mail_is_recorded_and_never_answered(m, headers):
    out = ingest(mail(frm="stranger@nowhere.test", headers=headers))
    assert (out.result, out.reason) == ("refused", "auto_reply")
    assert answers() == [] and not out.message.answered


def test_list_mail_is_not_answered(m):
    out = ingest(mail(frm="stranger@nowhere.test", headers={"List-Id": "<l.example.test>"}))
    assert out.reason == "unknown_sender" and answers() == []


def test_mail_from_our_own_address_is_a_loop(m):
    out = ingest(mail(frm="support@comptoir.test"))
    assert (out.result, out.reason) == ("refused", "own_address") and answers() == []


def test_bounce_of_our_message_is_recorded_against_its_ticket(m):
    row = Outbox.objects.filter(ticket=m.alice_itil).first()
    dsn = (
        "From: MAILER-DAEMON@mx.example.test\r\nTo: support@comptoir.test\r\n"
        "Subject: Undelivered Mail\r\nMessage-ID: <dsn1@mx>\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {row.message_id}\r\n"
        "--B--\r\n"
    ).encode()
    out = ingest(dsn)
    assert (out.result, out.reason, out.ticket) == ("refused", "bounce", m.alice_itil)
    assert answers() == []


def test_the_same_message_twice_makes_one_ticket(m):
    raw = mail()
    first, second = ingest(raw), ingest(raw)
    assert first.result == "created"
    assert (second.result, second.ticket, second.message) == (
        "duplicate",
        first.ticket,
        first.message,
    )
    assert InboundMessage.objects.count() == 1


def test_the_same_message_id_to_two_addresses_makes_one_ticket(m):
    first = ingest(mail(msgid="<same@example.test>"))
    second = ingest(mail(msgid="<same@example.test>", to="contact@comptoir.test"))
    assert (second.result, second.reason, second.ticket) == (
        "duplicate",
        "same_message_id",
        first.ticket,
    )
    assert Ticket.objects.filter(channel="email").count() == 1


def test_a_refusal_is_answered_once_however_often_it_arrives(m):
    for n in range(5):
        ingest(mail(frm="stranger@nowhere.test", msgid=f"<s{n}@nowhere.test>"))
    assert len(answers(email="stranger@nowhere.test")) == 3  # then the hourly cap


@pytest.mark.parametrize("raw", [b"", b"\x00\xff garbage", b"no headers at all\n\n\n"])
def test_unreadable_bytes_are_quarantined_and_kept(m, raw):
    out = ingest(raw)
    assert out.result == "quarantined" and out.reason in {"unparsable", "no_sender"}
    assert out.message.raw.read() == raw


def test_a_bug_inside_is_quarantined_with_the_traceback(m, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr("comptoir.mailin.ingest.ticket_create", boom)
    out = ingest(mail())
    assert (out.result, out.reason) == ("quarantined", "internal_error")
    assert "kaboom" in out.message.detail and not Ticket.objects.filter(channel="email").exists()
    monkeypatch.undo()
    again = reingest(out.message)
    assert again.result == "created"
