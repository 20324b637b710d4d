"""The mail benchmark's steps that need the database, run as child processes whose
DATABASE_URL names the scratch database (see scratch.py: the bench process itself opens
no Django connection) and whose COMPTOIR_VAR_DIR is a scratch folder (attachments, raw
messages):

    python -m comptoir.bench.mail_steps setup           people, a mailbox, agents watching
    python -m comptoir.bench.mail_steps ingest N MIX    N generated messages through ingest()
    python -m comptoir.bench.mail_steps deliver         the outbox sent over SMTP (the sink)

Each prints its findings as JSON on its last line. All refuse a database that is not a
scratch one. The presets are loaded before `setup` by `comptoir preset load`, as an
operator would.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from comptoir.bench.mail_messages import CUSTOMERS, MAILBOX, Generated, generate

AGENTS = ("gaston.bench", "gisele.bench")
SERVICE = ("itil", "infrastructure")  # the service of the mailbox's category, serveurs


def setup() -> dict[str, Any]:
    """Customers of one organisation who write in, and two agents of the mailbox's service:
    each new ticket tells its requester and both agents (the default watch level), so
    the ingests themselves fill the outbox the way a real desk does."""
    from django.db import transaction

    from comptoir.accounts.models import Organisation, Role, Site, User
    from comptoir.catalog.models import Category, Desk, ServiceMember, TicketType
    from comptoir.mailin.models import Mailbox

    desk_slug, service_slug = SERVICE
    with transaction.atomic():
        provider = Organisation.objects.create(
            name="Prestataire", code="bench-provider", is_provider=True
        )
        client = Organisation.objects.create(name="Société Générale d'Études", code="bench-sge")
        site = Site.objects.create(organisation=client, name="Siège, Besançon", code="BSN")
        for username, email, first, last in CUSTOMERS:
            User.objects.create_user(
                username=username,
                password=None,  # no hashing: the setup is not what is measured
                email=email,
                first_name=first,
                last_name=last,
                role=Role.CUSTOMER,
                site=site,
                organisation=client,
                language="fr",
            )
        desk = Desk.objects.get(slug=desk_slug)
        Desk.objects.filter(pk=desk.pk).update(email_address=MAILBOX, reply_by_email=True)
        service = desk.services.get(slug=service_slug)
        for username in AGENTS:
            agent = User.objects.create_user(
                username=username,
                password=None,
                email=f"{username}@prestataire.example",
                role=Role.AGENT,
                organisation=provider,
                language="fr",
            )
            ServiceMember.objects.create(service=service, user=agent)
        Mailbox.objects.create(
            desk=desk,
            address=MAILBOX,
            ticket_type=TicketType.objects.get(desk=desk, code="incident"),
            category=Category.objects.get(service=service, slug="serveurs"),
        )
    return {"customers": len(CUSTOMERS), "agents": len(AGENTS), "mailbox": MAILBOX}


def ingest_all(n: int, mix: list[str]) -> dict[str, Any]:
    """Ingest `n` generated messages one by one, each kind timed on its own; refuse any
    outcome other than the expected one (a new request creates its ticket with its
    attachment, a reply joins the ticket its In-Reply-To names)."""
    from comptoir.mailin import parse
    from comptoir.mailin.ingest import ingest
    from comptoir.tickets.models import Attachment, Comment

    messages = generate(n, mix)
    tickets: dict[str, int] = {}  # Message-ID of a new request → its ticket
    problems: list[str] = []
    steps: list[dict[str, Any]] = []
    for kind in ("new", "reply"):
        batch = [m for m in messages if m.kind == kind]
        if not batch:
            continue
        start = time.perf_counter()
        results = [ingest(m.raw) for m in batch]
        seconds = time.perf_counter() - start
        steps.append({"step": f"ingest: {kind}", "messages": len(batch), "seconds": seconds})
        for m, r in zip(batch, results, strict=True):
            problems += _check(m, r, tickets)
    # The same messages parsed again without the database: the share of parsing.
    start = time.perf_counter()
    for m in messages:
        parse.content(parse.parse(m.raw))
    parse_seconds = time.perf_counter() - start
    created = [m for m in messages if m.kind == "new"]
    attachments = Attachment.objects.filter(ticket_id__in=tickets.values()).count()
    if attachments != len(created):
        problems.append(f"{attachments} attachments stored, expected {len(created)}")
    replies = sum(1 for m in messages if m.kind == "reply")
    comments = Comment.objects.filter(ticket_id__in=tickets.values(), author__role="customer")
    if comments.count() != replies:
        problems.append(f"{comments.count()} comments from customers, expected {replies}")
    return {
        "steps": steps,
        "parse_seconds": parse_seconds,
        "messages": len(messages),
        "bytes": sum(len(m.raw) for m in messages),
        "problems": problems[:20],
    }


def _check(m: Generated, r: Any, tickets: dict[str, int]) -> list[str]:
    if m.kind == "new":
        if r.result != "created" or r.ticket is None:
            return [f"{m.message_id}: {r.result} ({r.reason}), expected created"]
        tickets[m.message_id] = r.ticket.pk
        return []
    expected = tickets.get(m.parent_id)
    if r.result != "appended" or r.ticket is None or r.ticket.pk != expected:
        got = r.ticket.pk if r.ticket else None
        return [
            f"{m.message_id}: {r.result} ({r.reason}) on {got}, expected appended to {expected}"
        ]
    return []


def deliver() -> dict[str, Any]:
    """Call the delivery task until nothing is due, timed; report what the rows became and
    their Message-IDs for the sink to match."""
    from django.db.models import Count

    from comptoir.notifications.models import Outbox, OutboxState
    from comptoir.notifications.tasks import deliver_outbox

    rows = Outbox.objects.count()
    calls, totals = 0, {"sent": 0, "retry": 0, "failed": 0}
    start = time.perf_counter()
    while Outbox.objects.filter(state=OutboxState.PENDING).exists() and calls < 1000:
        result = deliver_outbox.call()
        calls += 1
        for key in totals:
            totals[key] += result.get(key, 0)
        if not result["sent"]:
            break
    seconds = time.perf_counter() - start
    states = dict(Outbox.objects.values_list("state").annotate(n=Count("pk")))
    return {
        "rows": rows,
        "calls": calls,
        "seconds": seconds,
        "totals": totals,
        "states": states,
        "errors": sorted(
            set(Outbox.objects.exclude(last_error="").values_list("last_error", flat=True))
        )[:5],
        "message_ids": sorted(Outbox.objects.values_list("message_id", flat=True)),
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    import django

    django.setup()
    from comptoir.bench.scratch import require_scratch

    require_scratch()
    match argv:
        case ["setup"]:
            out = setup()
        case ["ingest", n, mix]:
            out = ingest_all(int(n), mix.split(","))
        case ["deliver"]:
            out = deliver()
        case _:
            raise SystemExit(__doc__)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
