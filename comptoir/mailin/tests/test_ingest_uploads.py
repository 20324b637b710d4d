"""Attachments of incoming mail go through the same judge as every upload; what it refuses
(a program, too many files, too much in total) is left out with a note on the ticket or the
comment, and the message itself is never lost."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from comptoir.accounts.models import User
from comptoir.mailin.ingest import ingest
from comptoir.mailin.tests.helpers import DOMAIN, mail, mail_setup
from comptoir.tickets.models import Attachment, Comment
from comptoir.tickets.tests.test_uploads import pe


@pytest.fixture
def m(world, settings):
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    return mail_setup(world)


def test_a_program_is_left_out_with_a_note_and_the_rest_kept(m):
    with translation.override("en"):
        out = ingest(
            mail(
                files=[
                    ("invoice.pdf", pe(), "application/pdf"),
                    ("update.exe", b"anything", "application/octet-stream"),
                    ("log.txt", b"error 42", "text/plain"),
                ]
            )
        )
    assert out.result == "created"
    text = out.ticket.description
    # The note is written in the desk's language (French here), whoever reads the mail.
    assert "“invoice.pdf” est refusé : les fichiers de ce type (.exe)" in text
    assert "“update.exe” est refusé" in text
    [kept] = Attachment.objects.filter(ticket=out.ticket)
    assert (kept.filename, kept.content_type) == ("log.txt", "text/plain")


def test_a_reply_keeps_the_first_files_that_fit_and_notes_the_others(m, settings):
    settings.COMPTOIR_MAX_ATTACHMENTS = 2
    settings.COMPTOIR_MAX_ATTACHMENTS_TOTAL_BYTES = 1000
    subject = f"Re: [{m.alice_itil.key}] suite"
    files = [(f"f{i}.txt", b"x" * 10, "text/plain") for i in range(3)]
    with translation.override("en"):
        out = ingest(mail(subject=subject, body="Voici les fichiers.", files=files))
    assert (out.result, out.ticket) == ("appended", m.alice_itil)
    comment = Comment.objects.get(ticket=m.alice_itil)
    assert "“f2.txt” est un fichier de trop : 2 fichiers au plus à la fois." in comment.body
    names = Attachment.objects.filter(comment=comment).values_list("filename", flat=True)
    assert sorted(names) == ["f0.txt", "f1.txt"]


def test_the_total_of_one_message_is_bounded(m, settings):
    settings.COMPTOIR_MAX_ATTACHMENTS_TOTAL_BYTES = 25
    files = [("a.txt", b"a" * 20, "text/plain"), ("b.txt", b"b" * 20, "text/plain")]
    with translation.override("en"):
        out = ingest(mail(files=files))
    assert out.result == "created"
    expected = "“b.txt” est refusé : les fichiers envoyés ensemble ne peuvent dépasser 25"
    assert expected in out.ticket.description
    assert [a.filename for a in Attachment.objects.filter(ticket=out.ticket)] == ["a.txt"]


def test_the_raw_message_downloads_like_an_attachment(m, client):
    User.objects.filter(pk=m.world.admin.pk).update(is_staff=True)
    out = ingest(mail(subject="Brut"))
    client.force_login(m.world.admin)
    raw = client.get(reverse("admin:mailin_inboundmessage_raw", args=[out.message.pk]))
    assert raw.status_code == 200 and b"Subject: Brut" in b"".join(raw.streaming_content)
    assert raw["Content-Type"] == "application/octet-stream"
    assert raw["X-Content-Type-Options"] == "nosniff"
    assert raw["Content-Security-Policy"].startswith("sandbox")
    name = f"message-{out.message.pk}.eml"
    assert raw["Content-Disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
