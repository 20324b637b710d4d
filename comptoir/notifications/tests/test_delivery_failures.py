# covers: NOT-7, NOT-6
"""Nothing is lost when mail cannot leave (NOT-7): the server down keeps rows pending with
attempts and a growing wait, then every mail arrives exactly once when it is back; a
recipient refused with a 5xx fails that row only; rows of a dead worker come back; a row
that must never be sent fails at once; delivery is kicked on commit; the embedded default
writes .eml files; the SMTP settings come from the environment."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from comptoir.notifications import models as outbox_models
from comptoir.notifications.delivery import (
    CLAIM_TIMEOUT,
    MAX_ATTEMPTS,
    backoff,
    deliver_due,
)
from comptoir.notifications.models import Outbox, OutboxState
from comptoir.settings import mailer
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket


def states() -> dict[str, int]:
    out: dict[str, int] = {}
    for state in Outbox.objects.values_list("state", flat=True):
        out[state] = out.get(state, 0) + 1
    return out


def test_backoff_doubles_from_one_minute_up_to_an_hour():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(7) == backoff(30) == timedelta(hours=1)
    total = sum((backoff(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(days=1, hours=12) < total < timedelta(days=2, hours=12)  # about two days


def test_server_down_then_back_every_mail_arrives_once(world, smtp):
    smtp.stop()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        ticket = file_ticket(world.customer, "itil")
        actions.ticket_comment(actor=world.agent, ticket=ticket, body="Nous regardons.")
        rows = list(Outbox.objects.order_by("pk"))
        ids = {r.pk: r.message_id for r in rows}
        assert len(rows) >= 4

        result = deliver_due()
        assert result["retry"] == len(rows) and result["sent"] == 0
        for row in Outbox.objects.all():
            assert row.state == OutboxState.PENDING and row.attempts == 1
            assert row.available_at == start + timedelta(minutes=1)
            assert "mail server unavailable" in row.last_error
            assert row.message_id == ids[row.pk]  # the retry sends the same Message-ID

        assert deliver_due()["retry"] == 0  # not due yet: the server is left alone
        clock.shift(timedelta(minutes=1))
        assert deliver_due()["retry"] == len(rows)
        assert set(Outbox.objects.values_list("attempts", flat=True)) == {2}
        assert Outbox.objects.first().available_at == start + timedelta(minutes=3)

        # More changes while the server is still down.
        actions.ticket_comment(actor=world.customer, ticket=ticket, body="Merci.")
        smtp.start()
        clock.shift(timedelta(minutes=2))
        deliver_due()
        deliver_due()
    assert states() == {OutboxState.SENT: Outbox.objects.count()}
    sent = [e.message["Message-ID"] for e in smtp.envelopes]
    assert sorted(sent) == sorted(Outbox.objects.values_list("message_id", flat=True))
    assert len(set(sent)) == len(sent)
    for row in Outbox.objects.filter(pk__in=ids):
        assert row.attempts == 2 and row.sent_at is not None
        assert "mail server unavailable" in row.last_error  # kept for the record


def test_a_550_refusal_fails_that_row_only_and_at_once(world, smtp):
    smtp.handler.refused = {"marc@example.test"}
    ticket = file_ticket(world.customer, "itil")
    result = deliver_due()
    marc = Outbox.objects.get(recipient=world.manager)
    assert marc.state == OutboxState.FAILED and marc.attempts == 1
    assert "550" in marc.last_error
    assert result["failed"] == 1
    assert result["sent"] == Outbox.objects.filter(ticket=ticket).count() - 1
    assert not smtp.to("marc@example.test")
    assert len(smtp.to("gaston@example.test")) == 1
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert deliver_due()["sent"] == 0  # a failed row is never tried again
    assert len(smtp.envelopes) == result["sent"]


def test_a_row_gives_up_after_the_last_attempt(world, smtp):
    smtp.stop()
    file_ticket(world.customer, "itil")
    Outbox.objects.update(attempts=MAX_ATTEMPTS - 1)
    deliver_due()
    row = Outbox.objects.first()
    assert states() == {OutboxState.FAILED: Outbox.objects.count()}
    assert row.attempts == MAX_ATTEMPTS and "gave up" in row.last_error


def test_rows_of_a_dead_worker_come_back_and_are_sent_once(world, smtp):
    file_ticket(world.customer, "itil")
    now = timezone.now()
    dead, alive = Outbox.objects.order_by("pk")[:2]
    Outbox.objects.filter(pk=dead.pk).update(
        state=OutboxState.SENDING, claim_token="dead", claimed_at=now - CLAIM_TIMEOUT * 2
    )
    Outbox.objects.filter(pk=alive.pk).update(
        state=OutboxState.SENDING, claim_token="busy", claimed_at=now - timedelta(seconds=5)
    )
    result = deliver_due()
    assert result["requeued"] == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == OutboxState.SENT and dead.attempts == 1
    assert "worker stopped" in dead.last_error
    assert alive.state == OutboxState.SENDING  # still its worker's: not sent twice
    assert all(e.message["Message-ID"] != alive.message_id for e in smtp.envelopes)
    assert len([e for e in smtp.envelopes if e.message["Message-ID"] == dead.message_id]) == 1


def test_a_row_that_must_not_be_sent_fails_and_the_batch_goes_on(world, smtp):
    """Defence in depth: an internal event addressed to a customer, a deactivated
    recipient, a report that cannot be rendered (retried: a fix will send it)."""
    ticket = file_ticket(world.customer, "itil")
    note = actions.ticket_comment(actor=world.agent, ticket=ticket, body="Secret", internal=True)
    event = note.event_set.get()
    leak = Outbox.objects.create(
        kind="comment",
        ticket=ticket,
        event=event,
        recipient=world.customer,
        email="alice@example.test",
    )
    world.other_site.is_active = False
    world.other_site.save()
    gone = Outbox.objects.create(
        kind="created", ticket=ticket, recipient=world.other_site, email="anna@example.test"
    )
    broken = Outbox.objects.create(
        kind="daily_report", recipient=world.manager, email="marc@example.test", context={}
    )
    result = deliver_due()
    leak.refresh_from_db()
    gone.refresh_from_db()
    broken.refresh_from_db()
    assert leak.state == gone.state == OutboxState.FAILED
    assert "internal" in leak.last_error and "deactivated" in gone.last_error
    assert broken.state == OutboxState.PENDING and "rendering failed" in broken.last_error
    assert result["failed"] == 2 and result["retry"] == 1 and result["sent"] >= 3
    assert all("Secret" not in e.data.decode() for e in smtp.to("alice@example.test"))
    assert not smtp.to("anna@example.test")


def test_one_delivery_is_scheduled_per_transaction(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        file_ticket(world.customer, "itil")
    assert Outbox.objects.count() >= 4
    kicks = [c for c in callbacks if c is outbox_models._deliver_soon]
    assert len(kicks) == 1  # however many rows the transaction wrote


def test_mail_leaves_when_the_change_commits(world, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        ticket = file_ticket(world.customer, "itil")
    states = set(Outbox.objects.filter(ticket=ticket).values_list("state", flat=True))
    assert states == {OutboxState.SENT}


def test_without_smtp_each_message_is_an_eml_file(world, settings, tmp_path):
    settings.MAILERS = {"default": mailer({}, tmp_path)}
    file_ticket(world.customer, "itil")
    assert deliver_due()["sent"] == Outbox.objects.count()
    files = sorted((tmp_path / "mail" / "sent").glob("*.eml"))
    assert len(files) == Outbox.objects.count()
    recipients = set()
    for path in files:
        message = message_from_bytes(Path(path).read_bytes(), policy=policy.default)
        recipients.add(str(message["To"]))
        assert message["Message-ID"] in set(Outbox.objects.values_list("message_id", flat=True))
    assert recipients == set(Outbox.objects.values_list("email", flat=True))


def test_smtp_settings_come_from_the_environment(tmp_path):
    assert mailer({}, tmp_path)["OPTIONS"] == {"directory": str(tmp_path / "mail" / "sent")}
    assert mailer({"COMPTOIR_EMAIL_BACKEND": "x.Y"}, tmp_path) == {"BACKEND": "x.Y"}
    plain = mailer({"COMPTOIR_SMTP_HOST": "mx.example.com"}, tmp_path)
    assert plain["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert plain["OPTIONS"] == {"host": "mx.example.com", "port": 25, "timeout": 30}
    tls = mailer(
        {
            "COMPTOIR_SMTP_HOST": "smtp.example.com",
            "COMPTOIR_SMTP_PORT": "587",
            "COMPTOIR_SMTP_USER": "desk",
            "COMPTOIR_SMTP_PASSWORD": "s3cret",
        },
        tmp_path,
    )["OPTIONS"]
    assert tls["use_tls"] and tls["port"] == 587 and tls["username"] == "desk"
    assert tls["password"] == "s3cret"
    ssl = mailer({"COMPTOIR_SMTP_HOST": "h", "COMPTOIR_SMTP_SECURITY": "ssl"}, tmp_path)
    assert ssl["OPTIONS"]["use_ssl"] and ssl["OPTIONS"]["port"] == 465
    with pytest.raises(ImproperlyConfigured):
        mailer({"COMPTOIR_SMTP_HOST": "h", "COMPTOIR_SMTP_SECURITY": "tls"}, tmp_path)
