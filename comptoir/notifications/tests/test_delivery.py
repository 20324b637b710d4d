# covers: NOT-1, NOT-4, NOT-6, NOT-7, X-1
"""Outgoing mail through a real SMTP server (aiosmtpd): every kind of notification renders
and arrives, in French and in English, one envelope per recipient with nobody else's
address, with the threading and loop-protection headers of the mail contract, and a link
to the portal or the console; a batch costs a fixed number of queries plus one per row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import getaddresses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from comptoir.conftest import category, make_user
from comptoir.notifications import rules
from comptoir.notifications.delivery import deliver_batch, deliver_due
from comptoir.notifications.models import Outbox, OutboxState, WatchPreference
from comptoir.notifications.reports import write_reports
from comptoir.notifications.tests.reporting import WINTER_8, pref
from comptoir.sla.models import SlaAlert
from comptoir.tickets import actions
from comptoir.tickets.actions import _base
from comptoir.tickets.models import Ticket
from comptoir.tickets.tests.helpers import file_ticket

LANGUAGES = ("fr", "en")
# Every kind a recipient may be told of, and a phrase its mail shows (through gettext).
MARKERS = {
    "created": None,  # staff and customers read different sentences, checked below
    "invited": "Their message:",
    "comment": None,
    "status": "Title:",
    "taken": "took the ticket",
    "assigned": "Assigned to you",
    "transferred": "Transferred",
    "fields": "Details changed",
    "converted": "Converted",
    "released": "released the ticket",
    "sla_warning": "SLA warning",
    "sla_breached": "SLA breached",
    "daily_report": "Open the console:",
    "mail_refused": (
        "Nothing was recorded from it. To make a request, please use the customer portal:"
    ),
    "mail_reply_refused": "Please write your reply on the ticket's page in the portal:",
}
# NOT-4: the status mails of seed 003 §1.5 and a phrase of each, by status code.
STATUS_MARKERS = {
    "waiting": "Reason for waiting:",
    "planned": "Appointment:",
    "approval": "Your approval is required: please approve or decline on the ticket's page.",
    "solved": "The solution:",
    "postponed": "Reason:",
    "rejected": "Reason for the refusal:",
}
ANSWERS = {"mail_refused", "mail_reply_refused"}


def watch_everything(user, service) -> None:
    WatchPreference.objects.update_or_create(
        user=user,
        service=service,
        defaults={"level": "custom", "any_ticket": "always", "held_ticket": "always"},
    )


def sla_alert(ticket: Ticket, level: str) -> None:
    """What `sla_check` writes when a clock reaches a mark (its rules call included)."""
    kind = "sla_warning" if level == "warning" else "sla_breached"
    ticket.refresh_from_db()
    due = datetime(2026, 12, 1, 9, tzinfo=UTC)
    alert = SlaAlert.objects.create(
        ticket=ticket,
        organisation_id=ticket.organisation_id,
        target="resolution",
        level=level,
        due_at=due,
        desk_id=ticket.desk_id,
        service_id=ticket.service_id,
        type_id=ticket.type_id,
    )
    data = {"target": "resolution", "at": due.isoformat(), "percent": 80}
    ev = _base.event(ticket=ticket, actor=None, kind=kind, data=data, internal=True)
    rules.on_sla_alert(ticket=ticket, event=ev, alert=alert)


def answers(ticket: Ticket, email: str, language: str, person=None) -> None:
    """The rows the inbound side writes (mail contract): a refusal and a reply refused."""
    Outbox.objects.create(
        kind="mail_refused",
        email=email,
        recipient=person,
        language=language,
        context={
            "reason": "unknown_sender",
            "subject": "Mon imprimante",
            "desk": ticket.desk_id,
            "in_reply_to": f"<their.{language}@elsewhere.test>",
        },
    )
    Outbox.objects.create(
        kind="mail_reply_refused",
        ticket=ticket,
        email=email,
        recipient=person,
        language=language,
        context={
            "ticket": ticket.pk,
            "subject": f"Re: [{ticket.key}] Imprimante",
            "desk": ticket.desk_id,
            "in_reply_to": f"<reply.{language}@elsewhere.test>",
        },
    )


def everything(world, requester, guest) -> list[Ticket]:
    """Every kind of mail about tickets of `requester`, as the actions write them."""
    t = file_ticket(requester, "itil", type="service_request", title=f"Serveur {requester}")
    actions.ticket_invite(actor=world.agent, ticket=t, user=guest, message="Peux-tu regarder ?")
    actions.ticket_comment(actor=world.agent, ticket=t, body="Nous regardons.")
    actions.ticket_comment(actor=world.agent, ticket=t, body="Note interne", internal=True)
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_assign(actor=world.admin, ticket=t, assignee=world.manager)
    actions.ticket_assign(actor=world.admin, ticket=t, assignee=world.agent2)
    actions.ticket_update(actor=world.agent, ticket=t, changes={"title": f"Serveur HS {requester}"})
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="wait", data={"waiting_reason": "customer_feedback"}
    )
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="plan", data={"appointment": "2026-12-01 14:30"}
    )
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(actor=world.agent, ticket=t, code="request_approval")
    actions.ticket_transition(actor=requester, ticket=t, code="approve")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="solve", data={"solution": "Disque remplacé."}
    )
    sla_alert(t, "warning")
    sla_alert(t, "breach")
    t2 = file_ticket(requester, "itil", type="incident", title=f"Réseau {requester}")
    actions.ticket_transition(
        actor=world.agent, ticket=t2, code="postpone", data={"reason": "Il manque le modèle."}
    )
    actions.ticket_transition(
        actor=world.agent, ticket=t2, code="reject", data={"reason": "Hors contrat."}
    )
    t3 = file_ticket(requester, "itil", type="incident", title=f"Poste {requester}")
    actions.ticket_take(actor=world.agent, ticket=t3)
    actions.ticket_release(actor=world.agent, ticket=t3)
    actions.ticket_convert(actor=world.agent, ticket=t3, reason="C'est un changement.")
    actions.ticket_transfer(
        actor=world.agent, ticket=t3, category=category("itil", "erp"), stay_as_guest=True
    )
    return [t, t2, t3]


@pytest.fixture
def delivered(world, smtp):
    """Every kind, for a French and an English customer (alice, albert) and French and
    English staff (marc, gisele), delivered through the SMTP server."""
    world.agent2.language = "en"
    world.agent2.save()
    for desk_service in {category("itil", "serveurs").service, category("itil", "erp").service}:
        for person in (world.agent2, world.manager):
            watch_everything(person, desk_service)
    guests = {
        "fr": make_user("francine", site=world.a1),
        "en": make_user("edward", site=world.a1, language="en"),
    }
    tickets = everything(world, world.customer, guests["fr"])
    tickets += everything(world, world.colleague, guests["en"])
    answers(tickets[0], "stranger@elsewhere.test", "fr")
    answers(tickets[-1], "albert@example.test", "en", person=world.colleague)
    for person in (world.agent2, world.manager):
        pref(person, svc=category("itil", "serveurs").service, scope="free")
    file_ticket(world.customer, "itil", title="Toujours ouvert")  # for the daily reports
    assert write_reports(WINTER_8)["written"] == 2
    result = deliver_due()
    rows = list(Outbox.objects.select_related("recipient", "ticket", "event").order_by("pk"))
    return rows, result


def addresses(message, *names: str) -> set[str]:
    values = [str(v) for n in names for v in message.get_all(n, [])]
    return {a.lower() for _n, a in getaddresses(values) if a}


def test_every_kind_arrives_once_in_french_and_english(delivered, smtp):
    rows, result = delivered
    assert result["failed"] == 0 and result["retry"] == 0, result
    assert {r.state for r in rows} == {OutboxState.SENT}
    assert result["sent"] == len(rows) == len(smtp.envelopes)
    seen = {(r.kind, r.language) for r in rows}
    missing = {(k, lang) for k in MARKERS for lang in LANGUAGES} - seen
    assert not missing, f"kinds never mailed: {sorted(missing)}"
    by_id = {e.message["Message-ID"]: e for e in smtp.envelopes}
    assert len(by_id) == len(rows)  # each Message-ID once: no mail twice
    for row in rows:
        envelope = by_id[row.message_id]
        message = envelope.message
        # NOT-6: one envelope, one recipient, nobody else's address anywhere in the headers.
        assert envelope.rcpt_tos == [row.email]
        assert addresses(message, "To") == {row.email}
        assert not message.get_all("Cc") and not message.get_all("Bcc")
        others = addresses(message, "From", "Reply-To", "Sender") - {"desk@example.com"}
        assert others == set(), (row.kind, others)
        assert message["Content-Language"] == row.language
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "{%" not in text + html and "{{" not in text + html
        marker = MARKERS[row.kind]
        if marker:
            with translation.override(row.language):
                phrase = gettext(marker)
            assert phrase in text + message["Subject"], (row.kind, row.language, text)
        check_threading(row, message)
        check_link(row, text, html)


def check_threading(row: Outbox, message) -> None:
    """Mail contract: Message-ID from the row, the ticket's root id in References,
    Auto-Submitted auto-replied on answers to incoming mail, auto-generated otherwise."""
    answer = row.kind in ANSWERS
    assert message["Auto-Submitted"] == ("auto-replied" if answer else "auto-generated")
    references = (message["References"] or "").split()
    if row.ticket_id:
        assert message["Subject"].startswith(f"[{row.ticket.key}] ")
        assert references[0] == f"<comptoir.ticket.{row.ticket_id}@example.com>"
        assert message["Reply-To"] == "Comptoir <desk@example.com>"  # the desk has no address
    if answer:
        assert message["In-Reply-To"] == row.context["in_reply_to"]
        assert references[-1] == row.context["in_reply_to"]
    elif row.ticket_id:
        assert message["In-Reply-To"] == references[-1]
    else:
        assert message["References"] is None


def check_link(row: Outbox, text: str, html: str) -> None:
    if row.kind == "daily_report":
        assert "https://desk.example.com/console/t/" in text
        return
    if row.kind == "mail_refused":
        assert "https://desk.example.com/portal/" in text
        return
    staff = row.recipient is not None and row.recipient.is_staff_member
    path = f"/console/t/{row.ticket.key}/" if staff else f"/portal/tickets/{row.ticket.key}/"
    assert f"https://desk.example.com{path}" in text
    if row.kind != "mail_reply_refused":
        assert f'href="https://desk.example.com{path}"' in html


def test_status_mails_say_what_the_seed_asks_in_the_affected_persons_language(delivered, smtp):
    rows, _result = delivered
    by_id = {e.message["Message-ID"]: e.message for e in smtp.envelopes}
    customers = [r for r in rows if r.kind == "status" and r.recipient.is_customer]
    found = set()
    for row in customers:
        message = by_id[row.message_id]
        text = message.get_body(("plain",)).get_content()
        new = row.event.data["new"]
        status_code = (
            Ticket.objects.get(pk=row.ticket_id).type.workflow.statuses.get(pk=new["id"]).code
        )
        # The status named in the subject in the reader's language (bilingual columns).
        assert new[row.language] in message["Subject"]
        if status_code in STATUS_MARKERS:
            with translation.override(row.language):
                assert gettext(STATUS_MARKERS[status_code]) in text, (status_code, text)
            found.add((status_code, row.language))
        if status_code == "solved":
            assert "Disque remplacé." in text
        if status_code == "rejected":
            assert "Hors contrat." in text
        if status_code == "waiting":
            reason = {"fr": "En attente de votre réponse", "en": "Waiting for customer feedback"}
            assert reason[row.language] in text
            assert "Nous regardons." in text  # the last update, a public comment
            assert "Note interne" not in text
        if status_code == "planned":
            assert {"fr": "1 décembre 2026 14:30", "en": "Dec. 1, 2026, 2:30 p.m."}[
                row.language
            ] in text
    assert found == {(code, lang) for code in STATUS_MARKERS for lang in LANGUAGES}


def test_customers_get_public_comments_and_never_internal_notes(delivered, smtp):
    rows, _result = delivered
    comments = [r for r in rows if r.kind == "comment"]
    for row in comments:
        message = next(
            e.message for e in smtp.envelopes if e.message["Message-ID"] == row.message_id
        )
        text = message.get_body(("plain",)).get_content()
        if row.recipient.is_customer:
            assert "Nous regardons." in text and "Note interne" not in text
        elif row.event.internal:
            assert "Note interne" in text
    assert any(r.event.internal and not r.recipient.is_customer for r in comments)
    assert not any(r.event.internal and r.recipient.is_customer for r in comments)


def test_new_ticket_mail_gives_staff_author_subject_content_and_link(delivered, smtp):
    """NOT-1 for the service's agents; NOT-4 "New" is the requester's confirmation."""
    rows, _result = delivered
    by_id = {e.message["Message-ID"]: e.message for e in smtp.envelopes}
    created = [r for r in rows if r.kind == "created"]
    for row in created:
        message = by_id[row.message_id]
        text = message.get_body(("plain",)).get_content()
        assert row.ticket.description in text
        with translation.override(row.language):
            if row.recipient.is_staff_member:
                assert str(row.ticket.reporter) in text
                assert gettext("New ticket") in message["Subject"]
            else:
                assert gettext("Request registered") in message["Subject"]
    assert {r.recipient.is_customer for r in created} == {True, False}


def test_replies_thread_on_the_previous_mail_to_the_same_person(delivered, smtp):
    rows, _result = delivered
    by_id = {e.message["Message-ID"]: e.message for e in smtp.envelopes}
    alice = [r for r in rows if r.email == "alice@example.test" and r.kind != "mail_refused"]
    first, second = alice[0], alice[1]
    assert first.ticket_id == second.ticket_id
    assert by_id[second.message_id]["In-Reply-To"] == first.message_id
    assert (
        by_id[first.message_id]["In-Reply-To"] == f"<comptoir.ticket.{first.ticket_id}@example.com>"
    )


def test_a_batch_costs_fixed_queries_plus_one_per_row(world, smtp):
    def rows(n: int) -> None:
        for i in range(n):
            file_ticket(world.customer, "itil", title=f"Panne {i}")

    rows(2)
    with CaptureQueriesContext(connection) as small:
        counts = deliver_batch(limit=200)
    small_rows = counts["sent"]
    rows(10)
    with CaptureQueriesContext(connection) as large:
        counts = deliver_batch(limit=200)
    large_rows = counts["sent"]
    assert large_rows > 3 * small_rows
    # Only the outcome of each row is one more query (written at once, so a crash never
    # sends an accepted message again); rendering the batch costs the same either way.
    assert len(large) - len(small) == large_rows - small_rows
    assert len(small) - small_rows <= 12, [q["sql"] for q in small.captured_queries]


def test_nothing_due_costs_a_few_reads(world, smtp):
    with CaptureQueriesContext(connection) as ctx:
        assert deliver_due() == {"sent": 0, "retry": 0, "failed": 0, "released": 0, "requeued": 0}
    assert len(ctx) <= 4, [q["sql"] for q in ctx.captured_queries]  # no write at all
    assert not any(q["sql"].startswith("UPDATE") for q in ctx.captured_queries)
    assert smtp.envelopes == []


def test_rows_are_delivered_oldest_first_and_not_before_they_are_due(world, smtp):
    file_ticket(world.customer, "itil")
    later = timedelta(minutes=5)
    Outbox.objects.filter(recipient=world.manager).update(available_at=datetime.now(UTC) + later)
    deliver_due()
    assert Outbox.objects.get(recipient=world.manager).state == OutboxState.PENDING
    assert not smtp.to("marc@example.test")
    assert len(smtp.to("alice@example.test")) == 1
