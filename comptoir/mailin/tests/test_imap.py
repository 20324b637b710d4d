# covers: MAIL-4
"""`comptoir mail poll` against a real IMAP server (dovecot, see conftest.py): messages
appended with imap-tools become tickets, are taken only once ingested, and a mailbox that
cannot be read is recorded while the others go on."""

from __future__ import annotations

import hashlib
import imaplib
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import pytest
from django.utils import timezone
from imap_tools import AND, MailBoxUnencrypted

from comptoir.catalog.models import TicketType
from comptoir.conftest import category
from comptoir.mailin import imap
from comptoir.mailin.models import InboundMessage, Mailbox
from comptoir.mailin.tasks import poll_mailboxes
from comptoir.tickets.models import Ticket


def message(subject: str, sender: str = "alice@example.test", body: str = "") -> bytes:
    """A message as a mail client writes it: CRLF line ends, 8-bit UTF-8 body."""
    msg = EmailMessage(policy=SMTP)
    if sender:
        msg["From"] = sender
    msg["To"] = "support@comptoir.test"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="client.test")
    msg.set_content(body or f"Bonjour,\n\n{subject} : ça ne marche plus.\n", cte="8bit")
    return msg.as_bytes()


class Account:
    """The IMAP side of a test mailbox: what a mail client would see."""

    def __init__(self, dovecot, user: str, password: str):
        self.dovecot, self.user, self.password = dovecot, user, password

    def open(self, folder: str = "INBOX") -> MailBoxUnencrypted:
        box = MailBoxUnencrypted(self.dovecot.host, self.dovecot.port, timeout=10)
        return box.login(self.user, self.password, initial_folder=folder)

    def append(self, *raws: bytes) -> None:
        with self.open() as box:
            for raw in raws:
                box.append(raw, "INBOX")

    def subjects(self, folder: str = "INBOX", seen: bool | None = None) -> list[str]:
        with self.open() as box:
            if not box.folder.exists(folder):
                return []
            box.folder.set(folder)
            criteria = AND(all=True) if seen is None else AND(seen=seen)
            return sorted(m.subject for m in box.fetch(criteria, mark_seen=False))


@pytest.fixture
def make_mailbox(world, dovecot):
    incident = TicketType.objects.get(desk=world.desks["itil"], code="incident")

    def make(
        done: str = "Traité",
        failed: str = "",
        password: str | None = None,
        security: str = "none",
    ):
        user, secret = dovecot.account()
        mailbox = Mailbox.objects.create(
            desk=world.desks["itil"],
            address=f"{user}@comptoir.test",
            ticket_type=incident,
            category=category("itil", "serveurs"),
            imap_host=dovecot.host,
            imap_port=dovecot.ssl_port if security == "ssl" else dovecot.port,
            imap_security=security,
            imap_username=user,
            imap_password=secret if password is None else password,
            imap_done_folder=done,
            imap_failed_folder=failed,
        )
        return mailbox, Account(dovecot, user, secret)

    return make


def test_poll_turns_messages_into_tickets_and_moves_them_once(make_mailbox):
    mailbox, account = make_mailbox()
    raws = [message("Imprimante HS"), message("Écran noir"), message("Inconnu", "x@nowhere.test")]
    account.append(*raws)

    summary = imap.poll(mailbox)

    assert summary == {
        "mailbox": mailbox.address,
        "error": None,
        "created": 2,
        "appended": 0,
        "refused": 1,  # unknown sender: answered, and taken like the others
        "quarantined": 0,
        "duplicate": 0,
        "failed": 0,
    }
    assert set(Ticket.objects.values_list("title", flat=True)) == {"Imprimante HS", "Écran noir"}
    assert account.subjects("INBOX") == []
    assert account.subjects("Traité", seen=True) == ["Imprimante HS", "Inconnu", "Écran noir"]
    # The exact bytes the server holds were ingested and kept.
    records = InboundMessage.objects.filter(mailbox=mailbox, source="imap")
    assert sorted(r.digest for r in records) == sorted(hashlib.sha256(r).hexdigest() for r in raws)
    for record in records:
        with record.raw.open("rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == record.digest
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.last_polled_at <= timezone.now()

    again = imap.poll(mailbox)
    assert again["error"] is None
    assert not any(again[k] for k in (*imap.RESULTS, "failed"))
    assert InboundMessage.objects.filter(mailbox=mailbox).count() == 3


def test_without_done_folder_messages_are_flagged_seen_and_left(make_mailbox):
    mailbox, account = make_mailbox(done="")
    account.append(message("Accès VPN"))
    assert imap.poll(mailbox)["created"] == 1
    assert account.subjects("INBOX", seen=True) == ["Accès VPN"]
    assert account.subjects("INBOX", seen=False) == []
    assert imap.poll(mailbox)["created"] == 0
    assert Ticket.objects.filter(title="Accès VPN").count() == 1


def test_messages_already_read_by_someone_are_not_taken(make_mailbox):
    mailbox, account = make_mailbox()
    with account.open() as box:
        box.append(message("Lu par un humain"), "INBOX", flag_set=[imap.MailMessageFlags.SEEN])
    assert imap.poll(mailbox)["created"] == 0
    assert account.subjects("INBOX") == ["Lu par un humain"]


def test_many_messages_are_taken_in_batches(make_mailbox, monkeypatch):
    monkeypatch.setattr(imap, "BATCH", 2)
    mailbox, account = make_mailbox()
    account.append(*(message(f"Demande {i}") for i in range(5)))
    assert imap.poll(mailbox)["created"] == 5
    assert len(account.subjects("Traité")) == 5


def test_a_large_message_is_fetched_alone(make_mailbox, monkeypatch):
    monkeypatch.setattr(imap, "BATCH_BYTES", 2000)
    mailbox, account = make_mailbox()
    account.append(message("Petit"), message("Gros", body="x" * 5000 + "\n"), message("Autre"))
    with account.open() as box:
        uids = box.uids("UNSEEN")
        assert [len(b) for b in imap.batches(box, uids)] == [1, 1, 1]
    assert imap.poll(mailbox)["created"] == 3
    assert "x" * 5000 in Ticket.objects.get(title="Gros").description


def test_a_quarantined_message_is_taken_into_the_failed_folder(make_mailbox):
    mailbox, account = make_mailbox(failed="Échecs")
    account.append(message("Sans expéditeur", sender=""), message("Normal"))
    summary = imap.poll(mailbox)
    assert (summary["quarantined"], summary["created"]) == (1, 1)
    assert account.subjects("Échecs") == ["Sans expéditeur"]
    assert account.subjects("Traité") == ["Normal"]
    assert InboundMessage.objects.get(subject="Sans expéditeur").result == "quarantined"
    assert imap.poll(mailbox)["quarantined"] == 0


def test_a_quarantined_message_polled_again_still_goes_to_the_failed_folder(make_mailbox):
    mailbox, account = make_mailbox(failed="Échecs")
    raw = message("Sans expéditeur", sender="")
    account.append(raw)
    imap.poll(mailbox)
    account.append(raw)  # the same bytes again: after a crash, or sent twice
    assert imap.poll(mailbox)["duplicate"] == 1
    assert account.subjects("Échecs") == ["Sans expéditeur", "Sans expéditeur"]
    assert account.subjects("Traité") == []


def test_without_failed_folder_a_quarantined_message_is_still_taken(make_mailbox):
    mailbox, account = make_mailbox(failed="")
    account.append(message("Sans expéditeur", sender=""))
    assert imap.poll(mailbox)["quarantined"] == 1
    assert account.subjects("Traité") == ["Sans expéditeur"]  # its copy is in the quarantine
    assert imap.poll(mailbox)["quarantined"] == 0


def test_a_message_whose_ingest_fails_stays_unseen_and_is_taken_later(make_mailbox, monkeypatch):
    mailbox, account = make_mailbox()
    account.append(message("Base en panne"), message("Passe"))
    real_ingest = imap.ingest

    def database_down_for_one(raw, **kwargs):
        if b"Base en panne" in raw:
            raise RuntimeError("server closed the connection unexpectedly")
        return real_ingest(raw, **kwargs)

    monkeypatch.setattr(imap, "ingest", database_down_for_one)
    summary = imap.poll(mailbox)
    assert (summary["failed"], summary["created"], summary["error"]) == (1, 1, None)
    assert account.subjects("INBOX", seen=False) == ["Base en panne"]

    monkeypatch.setattr(imap, "ingest", real_ingest)
    assert imap.poll(mailbox)["created"] == 1
    assert account.subjects("INBOX") == []
    assert Ticket.objects.filter(title="Base en panne").count() == 1


def test_a_crash_after_ingest_re_ingests_as_a_duplicate(make_mailbox, monkeypatch):
    """The connection drops between the commit and the move: nothing lost, nothing doubled."""
    mailbox, account = make_mailbox()
    account.append(message("Coupure réseau"))

    def connection_lost(*args, **kwargs):
        raise imaplib.IMAP4.abort("socket error: EOF")

    monkeypatch.setattr(imap, "put_away", connection_lost)
    summary = imap.poll(mailbox)
    assert summary["created"] == 1 and "EOF" in summary["error"]
    mailbox.refresh_from_db()
    assert "EOF" in mailbox.last_error
    assert account.subjects("INBOX", seen=False) == ["Coupure réseau"]

    monkeypatch.undo()
    summary = imap.poll(mailbox)
    assert (summary["duplicate"], summary["created"], summary["error"]) == (1, 0, None)
    assert account.subjects("Traité") == ["Coupure réseau"]
    assert Ticket.objects.filter(title="Coupure réseau").count() == 1
    mailbox.refresh_from_db()
    assert mailbox.last_error == ""


def test_a_wrong_password_is_recorded_and_the_other_mailboxes_go_on(make_mailbox):
    bad, _ = make_mailbox(password="wrong")
    good, account = make_mailbox()
    account.append(message("Toujours reçu"))

    summary = poll_mailboxes.call()

    assert (summary["mailboxes"], summary["errors"], summary["created"]) == (2, 1, 1)
    bad.refresh_from_db()
    assert bad.imap_username in bad.last_error and bad.last_polled_at is not None
    good.refresh_from_db()
    assert good.last_error == ""
    assert Ticket.objects.filter(title="Toujours reçu").exists()


def test_an_unexpected_error_is_recorded_and_frees_the_mailbox(make_mailbox, monkeypatch):
    broken, _ = make_mailbox()
    _good, account = make_mailbox()
    account.append(message("Malgré le bug"))
    real_take_all = imap.take_all

    def bug_on_one(box, mailbox, counts):
        if mailbox.pk == broken.pk:
            raise KeyError("bug")
        return real_take_all(box, mailbox, counts)

    monkeypatch.setattr(imap, "take_all", bug_on_one)
    summary = imap.poll_all()
    assert (summary["errors"], summary["created"]) == (1, 1)
    broken.refresh_from_db()
    assert "KeyError" in broken.last_error and imap.claim(broken)


def test_an_unreachable_server_is_recorded(world, make_mailbox):
    from comptoir.mailin.tests.conftest import free_port

    mailbox, _ = make_mailbox()
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_port=free_port())
    mailbox.refresh_from_db()
    summary = imap.poll(mailbox)
    assert summary["error"] and str(mailbox.imap_port) in summary["error"]
    mailbox.refresh_from_db()
    assert mailbox.last_error == summary["error"]


def test_inactive_and_unpolled_mailboxes_are_left_alone(make_mailbox):
    inactive, account = make_mailbox()
    Mailbox.objects.filter(pk=inactive.pk).update(is_active=False)
    account.append(message("Boîte désactivée"))
    unpolled, _ = make_mailbox()
    Mailbox.objects.filter(pk=unpolled.pk).update(imap_host="")
    assert imap.poll_all()["mailboxes"] == 0
    assert account.subjects("INBOX") == ["Boîte désactivée"]


def test_a_mailbox_held_by_another_poller_is_skipped_until_its_lease_ends(make_mailbox):
    mailbox, account = make_mailbox()
    account.append(message("Un seul preneur"))
    assert imap.claim(mailbox)  # another poller is at work on it
    assert not imap.claim(mailbox)
    assert imap.poll(mailbox) == {"mailbox": mailbox.address, "skipped": "busy"}
    assert imap.poll_all()["skipped"] == 1
    assert account.subjects("INBOX") == ["Un seul preneur"]

    # That poller died: its lease ends and the mailbox is polled again.
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now() - timedelta(1))
    assert imap.poll(mailbox)["created"] == 1
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at <= timezone.now()  # the lease is given back
    assert imap.claim(mailbox)


@pytest.fixture
def certificate(dovecot):
    if dovecot.cert is None:
        pytest.skip("TLS tests need the openssl command to make the server's certificate")
    return dovecot.cert


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_connections(make_mailbox, certificate, monkeypatch, security):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # the test server's own CA
    mailbox, account = make_mailbox(security=security)
    account.append(message(f"Par {security}"))
    assert imap.poll(mailbox)["created"] == 1
    assert account.subjects("Traité") == [f"Par {security}"]


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_an_untrusted_certificate_is_refused_before_the_password_is_sent(
    make_mailbox, certificate, security
):
    mailbox, account = make_mailbox(security=security)
    account.append(message("Serveur usurpé"))
    summary = imap.poll(mailbox)
    assert "CERTIFICATE_VERIFY_FAILED" in summary["error"] and summary["created"] == 0
    assert account.subjects("INBOX", seen=False) == ["Serveur usurpé"]
