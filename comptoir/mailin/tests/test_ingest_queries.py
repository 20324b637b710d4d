"""One ingested message costs a fixed number of queries: a new request and a reply each
have their budget, whatever the number of agents told (no query per recipient)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comptoir.accounts.models import Role
from comptoir.conftest import make_user, member
from comptoir.mailin.ingest import ingest
from comptoir.mailin.tests.helpers import DOMAIN, mail, mail_setup
from comptoir.notifications.models import Outbox

# As counted inside the test's transaction (the ingest's own transaction becomes
# savepoints; the delivery enqueued on commit is not run).
NEW_REQUEST_QUERIES = 29
REPLY_QUERIES = 27


@pytest.fixture
def m(world, settings):
    settings.COMPTOIR_MAIL_DOMAIN = DOMAIN
    return mail_setup(world)


def _ingest(raw: bytes):
    with CaptureQueriesContext(connection) as ctx:
        out = ingest(raw)
    return out, len(ctx.captured_queries)


def _root(ticket) -> str:
    return f"<comptoir.ticket.{ticket.pk}@{DOMAIN}>"


def test_new_request_and_reply_cost_a_fixed_number_of_queries(m):
    ingest(mail(subject="warm-up"))
    out, new = _ingest(mail(subject="Le serveur ne répond plus"))
    assert out.result == "created"
    reply, replied = _ingest(mail(subject="Re: x", headers={"In-Reply-To": _root(out.ticket)}))
    assert (reply.result, reply.ticket) == ("appended", out.ticket)
    assert (new, replied) == (NEW_REQUEST_QUERIES, REPLY_QUERIES)


def test_more_agents_told_cost_no_more_queries(m):
    first, before_new = _ingest(mail(subject="Premier"))
    _r, before_reply = _ingest(mail(subject="Re", headers={"In-Reply-To": _root(first.ticket)}))
    for i in range(5):
        agent = make_user(f"veilleur{i}", Role.AGENT, organisation=m.world.provider)
        member(agent, "itil", first.ticket.service.slug)
    out, new = _ingest(mail(subject="Second"))
    told = Outbox.objects.filter(ticket=out.ticket, recipient__username__startswith="veilleur")
    assert told.count() == 5
    _r, replied = _ingest(mail(subject="Re", headers={"In-Reply-To": _root(out.ticket)}))
    assert (new, replied) == (before_new, before_reply)
