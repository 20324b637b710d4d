# covers: MAIL-4
"""`comptoir mail smtpd`: a real SMTP conversation (smtplib) with the receiver running in a
thread on a free port. It takes mail for the mailboxes' addresses only, refuses what is too
large, and a message accepted is a ticket; a failure is temporary (451) so the sender
retries."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path

import pytest

from comptoir.catalog.models import TicketType
from comptoir.conftest import category
from comptoir.mailin import smtpd
from comptoir.mailin.models import InboundMessage, Mailbox
from comptoir.mailin.tests.conftest import free_port
from comptoir.tickets.models import Ticket

ADDRESS = "support@comptoir.test"


def message(subject: str, body: str = "", sender: str = "alice@example.test") -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = ADDRESS
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="client.test")
    # A line starting with a dot: dot-stuffed on the wire, and back as it was.
    msg.set_content(body or f"Bonjour,\n.net ne démarre plus : {subject}\n", cte="8bit")
    return msg.as_bytes()


@pytest.fixture
def mailboxes(transactional_db, world):
    """The receiver's thread reads the database through its own connection: committed data."""
    itil = world.desks["itil"]
    incident = TicketType.objects.get(desk=itil, code="incident")
    serveurs = category("itil", "serveurs")
    make = Mailbox.objects.create
    return {
        "support": make(desk=itil, address=ADDRESS, ticket_type=incident, category=serveurs),
        "other": make(
            desk=itil, address="info@comptoir.test", ticket_type=incident, category=serveurs
        ),
        "off": make(
            desk=itil,
            address="closed@comptoir.test",
            ticket_type=incident,
            category=serveurs,
            is_active=False,
        ),
    }


@pytest.fixture
def receiver(mailboxes, settings):
    """The receiver on its own event loop in a thread, as `run()` serves it; its port."""
    settings.COMPTOIR_MAX_INBOUND_BYTES = 20_000
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    ready = threading.Event()
    port: list[int] = []

    def on_ready(bound: int) -> None:
        port.append(bound)
        ready.set()

    thread = threading.Thread(
        target=loop.run_until_complete, args=(smtpd.serve("127.0.0.1", 0, stop, on_ready),)
    )
    thread.start()
    assert ready.wait(10), "the SMTP receiver did not start"
    yield port[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def client(port: int) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", port, timeout=10)


def test_a_message_for_a_mailbox_becomes_a_ticket(receiver):
    raw = message("Serveur de fichiers arrêté")
    with client(receiver) as smtp:
        smtp.ehlo("client.test")
        assert smtp.mail("alice@example.test") == (250, b"OK")
        assert smtp.rcpt(ADDRESS.upper())[0] == 250  # addresses match whatever their case
        code, answer = smtp.data(raw)
    assert code == 250
    ticket = Ticket.objects.get(title="Serveur de fichiers arrêté")
    assert answer.decode() == f"2.0.0 Accepted: created {ticket.key}"
    record = InboundMessage.objects.get(ticket=ticket)
    assert record.source == "smtp" and record.mailbox.address == ADDRESS
    assert record.digest == hashlib.sha256(raw).hexdigest()  # the exact bytes, unstuffed
    assert ".net ne démarre plus" in ticket.description


def test_the_same_message_sent_again_is_a_duplicate(receiver):
    raw = message("Envoyé deux fois")
    with client(receiver) as smtp:
        assert smtp.sendmail("alice@example.test", [ADDRESS], raw) == {}
    with client(receiver) as smtp:
        smtp.ehlo()
        smtp.mail("alice@example.test")
        smtp.rcpt(ADDRESS)
        code, answer = smtp.data(raw)
    ticket = Ticket.objects.get(title="Envoyé deux fois")
    assert (code, answer.decode()) == (250, f"2.0.0 Accepted: duplicate {ticket.key}")


def test_other_addresses_are_refused_no_open_relay(receiver):
    with client(receiver) as smtp:
        smtp.ehlo()
        smtp.mail("alice@example.test")
        assert smtp.rcpt("someone@elsewhere.test")[0] == 550
        assert smtp.rcpt("closed@comptoir.test")[0] == 550  # an inactive mailbox
        assert smtp.rcpt(ADDRESS)[0] == 250
        assert smtp.data(message("Un seul destinataire valable"))[0] == 250
    with client(receiver) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.sendmail("alice@example.test", ["postmaster@elsewhere.test"], message("Relais"))
    assert refused.value.recipients["postmaster@elsewhere.test"][0] == 550
    assert not Ticket.objects.filter(title="Relais").exists()
    assert Ticket.objects.filter(title="Un seul destinataire valable").count() == 1


def test_two_mailboxes_in_one_envelope_take_the_message_once(receiver):
    with client(receiver) as smtp:
        smtp.ehlo()
        smtp.mail("alice@example.test")
        smtp.rcpt(ADDRESS)
        smtp.rcpt("info@comptoir.test")
        code, answer = smtp.data(message("Aux deux adresses"))
    ticket = Ticket.objects.get(title="Aux deux adresses")
    assert code == 250
    assert answer.decode() == f"2.0.0 Accepted: created {ticket.key}, duplicate {ticket.key}"


def test_too_large_is_refused_with_552(receiver):
    big = message("Énorme", body="x" * 100 + "\n" * 300 + "y" * 30_000 + "\n")
    # A client that reads the SIZE announced in EHLO is refused before it sends the data…
    with client(receiver) as smtp, pytest.raises(smtplib.SMTPSenderRefused) as refused:
        smtp.sendmail("alice@example.test", [ADDRESS], big)
    assert refused.value.smtp_code == 552
    # …and one that does not is refused at the end of the data.
    with client(receiver) as smtp:
        smtp.helo()
        smtp.mail("alice@example.test")
        smtp.rcpt(ADDRESS)
        assert smtp.data(big)[0] == 552
    assert not InboundMessage.objects.exists()


def test_a_failure_is_temporary_so_the_sender_retries(receiver, monkeypatch):
    def database_down(raw, **kwargs):
        raise RuntimeError("server closed the connection unexpectedly")

    raw = message("Réessayé plus tard")
    monkeypatch.setattr(smtpd, "ingest", database_down)
    with client(receiver) as smtp:
        smtp.ehlo()
        smtp.mail("alice@example.test")
        smtp.rcpt(ADDRESS)
        assert smtp.data(raw)[0] == 451
    monkeypatch.undo()
    with client(receiver) as smtp:
        assert smtp.sendmail("alice@example.test", [ADDRESS], raw) == {}
    assert Ticket.objects.filter(title="Réessayé plus tard").count() == 1


def test_run_serves_in_the_foreground_until_sigterm(tmp_path):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "comptoir.settings"}
    code = (
        "import django; django.setup()\n"
        "from comptoir.mailin.smtpd import run\n"
        f"run('127.0.0.1', {port})\n"
    )
    root = Path(__file__).resolve().parents[3]
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=root, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert f"smtp://127.0.0.1:{port}" in proc.stdout.readline()
        with client(port) as smtp:
            assert smtp.ehlo()[0] == 250
            idle = client(port)  # a client that stays connected does not hold the stop
            proc.send_signal(signal.SIGTERM)
            started = time.monotonic()
            assert proc.wait(10) == 0
            assert time.monotonic() - started < 5
            idle.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_database_down_at_rcpt_is_temporary(receiver, monkeypatch):
    def database_down(address):
        raise RuntimeError("could not connect to server")

    monkeypatch.setattr(smtpd, "find_mailbox", database_down)
    with client(receiver) as smtp:
        smtp.ehlo()
        smtp.mail("alice@example.test")
        assert smtp.rcpt(ADDRESS)[0] == 451
