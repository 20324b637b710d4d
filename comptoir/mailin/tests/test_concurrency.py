# covers: MAIL-3, MAIL-4
"""Two deliveries of one message at the same moment (an MTA retry racing the IMAP poll)
make one ticket: the digest's unique row is the claim, the second copy waits on it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from comptoir.conftest import pg_only
from comptoir.mailin.ingest import ingest
from comptoir.mailin.tests.helpers import DOMAIN, mail, mail_setup
from comptoir.tickets.models import Ticket


@pg_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_at_once_make_one_ticket(world, settings):
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    mail_setup(world)
    raw = mail(subject="Deux fois en même temps")
    barrier = threading.Barrier(3)
    results: list[str] = []

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(ingest(raw, source="race").result)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["created", "duplicate", "duplicate"]
    assert Ticket.objects.filter(title="Deux fois en même temps").count() == 1
