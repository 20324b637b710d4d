# covers: MAIL-1, MAIL-3
"""Incoming mail retention: messages received before the retention age go, and their raw
files once the deletion has committed; the tickets, comments and attachments they led to
stay, as do the files a recent re-ingest still shares."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, transaction
from django.utils import timezone

from comptoir.core import batches
from comptoir.mailin import retention
from comptoir.mailin.ingest import ingest, reingest
from comptoir.mailin.models import InboundMessage
from comptoir.mailin.tests.helpers import DOMAIN, mail, mail_setup
from comptoir.notifications.models import Outbox
from comptoir.tickets.models import Attachment, Comment, Event, Ticket

DAY = timedelta(days=1)
PNG = b"\x89PNG fake"


@pytest.fixture
def m(world, settings):
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    return mail_setup(world)


@pytest.fixture
def now():
    return timezone.now()


def received(ago: timedelta, now, raw: bytes) -> InboundMessage:
    with time_machine.travel(now - ago, tick=False):
        return ingest(raw).message


def again(message: InboundMessage, ago: timedelta, now) -> InboundMessage:
    with time_machine.travel(now - ago, tick=False):
        return reingest(message).message


def content(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def on_disk(*messages: InboundMessage) -> list[bool]:
    return [default_storage.exists(msg.raw.name) for msg in messages]


def test_old_messages_go_with_their_files_and_what_they_led_to_stays(
    m, now, django_capture_on_commit_callbacks
):
    new = received(200 * DAY, now, mail(files=[("écran.png", PNG, "image/png")]))
    ticket = new.ticket
    reply = received(
        190 * DAY,
        now,
        mail(subject=f"Re: [{ticket.key}] suite", files=[("log.txt", b"trace", "text/plain")]),
    )
    quarantined = received(185 * DAY, now, mail(to="nobody@comptoir.test", subject="Perdu"))
    stranger = received(181 * DAY, now, mail(frm="stranger@else.test", subject="Qui ?"))
    recent = received(179 * DAY, now, mail(subject="Autre chose"))
    assert [x.result for x in (new, reply, quarantined, stranger, recent)] == [
        "created",
        "appended",
        "quarantined",
        "refused",
        "created",
    ]
    assert reply.ticket == ticket and reply.comment is not None
    attachments = list(Attachment.objects.filter(ticket=ticket))
    assert sorted(a.filename for a in attachments) == ["log.txt", "écran.png"]
    events = list(Event.objects.filter(ticket=ticket).values_list("pk", "kind"))
    answers = set(Outbox.objects.filter(kind="mail_refused").values_list("pk", flat=True))
    assert answers

    with django_capture_on_commit_callbacks(execute=True):
        assert retention.prune(now) == {"inbound_messages": 4}
        # Not committed yet: the files are still there.
        assert on_disk(new, reply, quarantined, stranger) == [True] * 4

    assert list(InboundMessage.objects.values_list("pk", flat=True)) == [recent.pk]
    assert on_disk(new, reply, quarantined, stranger, recent) == [False] * 4 + [True]
    # What the mail led to is the ticket's own: untouched.
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert Comment.objects.filter(pk=reply.comment_id).exists()
    assert list(Event.objects.filter(ticket=ticket).values_list("pk", "kind")) == events
    assert list(Attachment.objects.filter(ticket=ticket)) == attachments
    assert {a.filename: content(a.file.name) for a in attachments} == {
        "écran.png": PNG,
        "log.txt": b"trace",
    }
    assert set(Outbox.objects.filter(kind="mail_refused").values_list("pk", flat=True)) == answers
    connection.check_constraints()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert retention.prune(now) == {"inbound_messages": 0}  # idempotent
    assert callbacks == []


def test_a_message_and_its_reingests_go_together(m, now, django_capture_on_commit_callbacks):
    """They share one file; a recent re-ingest keeps its original message and the file."""
    done = received(300 * DAY, now, mail(to="nobody@comptoir.test", subject="Un"))
    done_again = again(done, 250 * DAY, now)
    live = received(300 * DAY, now, mail(to="nobody@comptoir.test", subject="Deux"))
    live_old = again(live, 250 * DAY, now)
    live_recent = again(live, 5 * DAY, now)
    assert done_again.raw.name == done.raw.name and live_recent.raw.name == live.raw.name

    with django_capture_on_commit_callbacks(execute=True):
        assert retention.prune(now) == {"inbound_messages": 3}

    remaining = set(InboundMessage.objects.values_list("pk", flat=True))
    assert remaining == {live.pk, live_recent.pk}
    assert not default_storage.exists(done.raw.name)
    assert default_storage.exists(live.raw.name)  # still named by both remaining rows
    assert InboundMessage.objects.get(pk=live_recent.pk).reingested_from_id == live.pk
    assert not InboundMessage.objects.filter(pk=live_old.pk).exists()
    connection.check_constraints()

    # Once the re-ingest is old too, the family and its file go.
    later = now + 180 * DAY
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.prune(later) == {"inbound_messages": 2}
    assert not InboundMessage.objects.exists()
    assert not default_storage.exists(live.raw.name)


def test_a_file_already_missing_is_no_error(m, now, django_capture_on_commit_callbacks):
    old = received(200 * DAY, now, mail())
    default_storage.delete(old.raw.name)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.prune(now) == {"inbound_messages": 1}
    assert not InboundMessage.objects.exists()
    assert retention.delete_raw_files([old.raw.name]) == 1


def test_a_rolled_back_deletion_keeps_its_files(m, now, django_capture_on_commit_callbacks):
    old = received(200 * DAY, now, mail())
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert retention.prune(now) == {"inbound_messages": 1}
        raise RuntimeError("the database went away")
    assert callbacks == []
    assert InboundMessage.objects.filter(pk=old.pk).exists()
    assert on_disk(old) == [True]


def test_a_storage_error_leaves_that_file_and_removes_the_others(
    m, now, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    stuck = received(200 * DAY, now, mail(subject="Un"))
    freed = received(200 * DAY, now, mail(subject="Deux"))
    real_delete = FileSystemStorage.delete

    def flaky(self, name):
        if name == stuck.raw.name:
            raise PermissionError(13, "Permission denied", name)
        return real_delete(self, name)

    monkeypatch.setattr(FileSystemStorage, "delete", flaky)
    with (
        caplog.at_level(logging.ERROR, "comptoir.mailin.retention"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert retention.prune(now) == {"inbound_messages": 2}
    assert not InboundMessage.objects.exists()
    assert on_disk(stuck, freed) == [True, False]
    assert stuck.raw.name in caplog.text


def test_many_messages_are_deleted_a_batch_at_a_time(
    m, now, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(batches, "PRUNE_BATCH", 2)
    old = [received(200 * DAY, now, mail(subject=f"Message {n}")) for n in range(5)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert retention.prune(now) == {"inbound_messages": 5}
    assert len(callbacks) == 3  # one file clean-up per committed batch: 2 + 2 + 1
    assert not InboundMessage.objects.exists()
    assert on_disk(*old) == [False] * 5


def test_the_age_is_a_setting(m, now, settings, django_capture_on_commit_callbacks):
    settings.COMPTOIR_RETAIN_INBOUND_DAYS = 30
    received(31 * DAY, now, mail(subject="Un"))
    kept = received(29 * DAY, now, mail(subject="Deux"))
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.prune(now) == {"inbound_messages": 1}
    assert list(InboundMessage.objects.values_list("pk", flat=True)) == [kept.pk]
