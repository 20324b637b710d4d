# covers: MAIL-1, MAIL-2, MAIL-3
"""The corpus of real-world messages (corpus/*.eml) against its expected outcomes.

Each file is ingested as the MTA or the IMAP poller would hand it over, and what the
customer and the agents would see is checked: the ticket's title, reference, text and
files, the comment a reply adds, the answer the sender gets (and, for bounces and
auto-replies, that nobody is answered at all). The files are written by
corpus/build_corpus.py; corpus/expected.json says what each one must give.
"""

from __future__ import annotations

import hashlib
import io
import json
from email import message_from_bytes, policy
from email.utils import parseaddr
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from comptoir.mailin.ingest import ingest
from comptoir.mailin.models import InboundMessage
from comptoir.mailin.tests.corpus import CORPUS, DOMAIN, EXPECTED, RESULTS, load, mail_world
from comptoir.notifications.models import Outbox
from comptoir.tickets.models import Channel, Comment, Ticket

# Small enough for oversized.eml (42 KB), large enough for every other file of the corpus.
LIMIT = 16 * 1024


@pytest.fixture
def mail(world, settings):
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    settings.COMPTOIR_MAX_INBOUND_BYTES = LIMIT
    return mail_world(world)


def sender_of(raw: bytes) -> str:
    return parseaddr(str(message_from_bytes(raw, policy=policy.default)["From"]))[1].lower()


def last_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def check_text(text: str, spec: dict, name: str) -> None:
    for needle in spec.get("text_contains", []):
        assert needle in text, f"{name}: {needle!r} missing from {text!r}"
    for needle in spec.get("text_not_contains", []):
        assert needle not in text, f"{name}: {needle!r} found in {text!r}"


def check_created(ticket: Ticket, spec: dict, name: str, *, text: bool = True) -> None:
    if "title" in spec:
        assert ticket.title == spec["title"], name
    for needle in spec.get("title_contains", []):
        assert needle in ticket.title, f"{name}: {needle!r} not in title {ticket.title!r}"
    if "title_startswith" in spec:
        assert ticket.title.startswith(spec["title_startswith"]), ticket.title
    assert ticket.personal_reference == spec.get("personal_reference", ""), name
    if "reporter" in spec:
        assert ticket.reporter.username == spec["reporter"], name
    if "reporter_email" in spec:
        assert ticket.reporter.email == spec["reporter_email"], name
        assert ticket.reporter.is_customer and ticket.organisation_id is not None
    names = set(ticket.attachments.values_list("filename", flat=True))
    for wanted in spec.get("attachments", []):
        assert wanted in names, f"{name}: attachment {wanted!r} not in {sorted(names)}"
    if "attachments_any" in spec:
        assert names & set(spec["attachments_any"]), f"{name}: attachments {sorted(names)}"
    if text:
        check_text(ticket.description, spec, name)


def run_one(name: str, mail: SimpleNamespace):
    """Ingest one corpus file into its mailbox and check everything expected.json says."""
    spec = EXPECTED[name]
    raw = load(name, mail)
    before = SimpleNamespace(
        tickets=Ticket.objects.count(),
        comments=Comment.objects.count(),
        outbox=last_pk(Outbox),
    )
    res = ingest(raw, mailbox=mail.boxes[spec.get("mailbox", "support")], source="pipe")
    assert res.result == spec["result"], f"{name}: {res.result} ({res.reason})"
    new_outbox = list(Outbox.objects.filter(pk__gt=before.outbox))
    answers = [o for o in new_outbox if o.kind in ("mail_refused", "mail_reply_refused")]

    msg = res.message
    assert msg is not None, name
    assert msg.result == res.result and msg.digest == hashlib.sha256(raw).hexdigest()
    with msg.raw.open("rb") as f:  # kept whatever the outcome (MAIL-3)
        assert f.read() == raw, name

    if res.result == "created":
        assert Ticket.objects.count() == before.tickets + 1
        assert Comment.objects.count() == before.comments, f"{name}: a comment too"
        assert res.ticket is not None and msg.ticket_id == res.ticket.pk
        assert res.ticket.channel == Channel.EMAIL, name
        check_created(Ticket.objects.get(pk=res.ticket.pk), spec, name)
        assert not answers, name
    elif res.result == "appended":
        thread = mail.threads[spec["thread"]]
        assert res.ticket is not None and res.ticket.pk == thread.pk, name
        assert Ticket.objects.count() == before.tickets
        assert Comment.objects.count() == before.comments + 1
        comment = Comment.objects.filter(ticket=thread).latest("pk")
        assert msg.comment_id == comment.pk and not comment.internal
        check_text(comment.body, spec, name)
        assert not answers, name
    else:
        assert (Ticket.objects.count(), Comment.objects.count()) == (
            before.tickets,
            before.comments,
        ), f"{name}: {res.result} but something was written"
        assert res.reason == msg.reason == spec["reason"], f"{name}: {res.reason}"
        answer = spec.get("answer")
        assert msg.answered == (answer is not None), name
        if answer is None:
            assert not new_outbox, f"{name}: answered {[(o.kind, o.email) for o in new_outbox]}"
        else:
            assert [(o.kind, o.email) for o in new_outbox] == [(answer, sender_of(raw))], name
        if "thread" in spec:  # the answer points to the ticket the sender replied to
            assert answers[0].context["ticket"] == mail.threads[spec["thread"]].pk, name
    return res


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name, mail):
    run_one(name, mail)


def test_every_file_has_an_expected_outcome():
    files = {p.name for p in CORPUS.glob("*.eml")}
    assert files == set(EXPECTED)
    assert {spec["result"] for spec in EXPECTED.values()} <= RESULTS
    assert len(files) >= 30


def test_corpus_twice_is_duplicate_the_second_time(mail):
    """An MTA retry or a poller that saw the message twice changes nothing."""
    for name in sorted(EXPECTED):  # each outcome's details are test_corpus_message's
        spec = EXPECTED[name]
        res = ingest(load(name, mail), mailbox=mail.boxes[spec.get("mailbox", "support")])
        assert res.result == spec["result"], f"{name}: {res.result} ({res.reason})"
    counts = (
        Ticket.objects.count(),
        Comment.objects.count(),
        Outbox.objects.count(),
        InboundMessage.objects.count(),
    )
    for name in sorted(EXPECTED):
        spec = EXPECTED[name]
        res = ingest(load(name, mail), mailbox=mail.boxes[spec.get("mailbox", "support")])
        assert res.result == "duplicate", f"{name}: {res.result} ({res.reason})"
    assert counts[:3] == (Ticket.objects.count(), Comment.objects.count(), Outbox.objects.count())


def test_reply_threads_by_the_message_id_of_the_mail_that_opened_the_ticket(mail):
    first = run_one("plain-latin1.eml", mail)
    raw = (
        b"From: alice@example.test\nTo: support@comptoir.test\nSubject: Re: imprimante\n"
        b"Message-ID: <follow-up@client.test>\nIn-Reply-To: <latin1@client.test>\n\n"
        b"Elle refonctionne.\n"
    )
    res = ingest(raw, mailbox=mail.boxes["support"])
    assert (res.result, res.ticket.pk) == ("appended", first.ticket.pk)
    assert "Elle refonctionne." in res.message.comment.body


def test_mail_ingest_command_runs_the_whole_corpus(mail, tmp_path):
    """The MTA pipe: one JSON line per file, the desk found from the receiving address."""
    paths = []
    for name in sorted(EXPECTED):
        path = tmp_path / name
        path.write_bytes(load(name, mail))
        paths.append(str(path))
    out = io.StringIO()
    call_command("mail", "ingest", *paths, stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert [Path(line["file"]).name for line in lines] == sorted(EXPECTED)
    for line in lines:
        name = Path(line["file"]).name
        spec = EXPECTED[name]
        assert line["result"] == spec["result"], f"{name}: {line}"
        if spec["result"] == "appended":
            assert line["ticket"] == mail.threads[spec["thread"]].key
        elif spec["result"] == "created":
            ticket = Ticket.objects.get(key=line["ticket"])
            check_created(ticket, spec, name, text=False)  # the text: test_corpus_message
            assert ticket.desk.slug == {"contact": "ent"}.get(spec.get("mailbox"), "itil")
        elif spec["result"] in ("refused", "quarantined"):
            assert line["reason"] == spec["reason"], f"{name}: {line}"


def test_mail_ingest_command_with_a_desk_reads_standard_input(mail, monkeypatch):
    raw = load("personal-reference.eml", mail).replace(b"support@", b"elsewhere@")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("mail", "ingest", "--desk", "itil", "-", stdout=out)
    (line,) = [json.loads(x) for x in out.getvalue().splitlines() if x.strip()]
    assert line["result"] == "created"
    ticket = Ticket.objects.get(key=line["ticket"])
    assert (ticket.desk.slug, ticket.personal_reference) == ("itil", "CMD-2024-117")
