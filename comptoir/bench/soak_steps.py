"""The child steps of `comptoir bench soak`, run against the workload its DATABASE_URL names
(the bench process itself opens no connection), each printing JSON on its last line:

    python -m comptoir.bench.soak_steps prepare --manifest FILE --customers N --agents N --tag T
    python -m comptoir.bench.soak_steps check --mark JSON

`prepare` says who the load plays and on which tickets (each agent gets tickets of its own
to take and release, so two simulated agents never race for one), makes the mail senders
and their mailbox, creates an API token, and marks where the run starts. `check` reads
back what the server did after that mark: the outcome of every incoming message, failed
background tasks and outbox rows, and what the load wrote. Both refuse a database that is
not a benchmark one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from types import SimpleNamespace
from typing import Any

POOL = 20  # tickets per simulated person: comments spread over them, not piled on one


def _customers(manifest: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Customers with open tickets they reported, the manifest's first, and what each
    files through the portal's form."""
    from comptoir.accounts.models import User
    from comptoir.bench.run_ops import _filing
    from comptoir.tickets.models import Ticket

    open_tickets = Ticket.objects.filter(state="open", reporter__role="customer")
    names = list(manifest["customers"])
    names += [
        n
        for n in open_tickets.order_by("reporter_id")
        .values_list("reporter__username", flat=True)
        .distinct()[: count * 4]
        if n not in names
    ]
    found = []
    for username in names:
        if len(found) == count:
            break
        person = User.objects.filter(username=username, is_active=True).first()
        if person is None:
            continue
        keys = list(
            open_tickets.filter(reporter=person)
            .order_by("-pk")
            .values_list("key", flat=True)[:POOL]
        )
        if keys:
            sample = _filing(username)
            found.append({"username": username, "tickets": keys,
                          "new": f"/portal/new/{sample.desk.slug}/{sample.type.code}/",
                          "category": sample.category_id})  # fmt: skip
    return found


def _agents(manifest: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Agents of the manifest, each with free open tickets of its services in their initial
    status (take applies the workflow's take move, release moves back): disjoint pools."""
    from comptoir.accounts.models import User
    from comptoir.tickets.models import Ticket

    taken: set[str] = set()
    found = []
    for username in manifest["agents"]:
        if len(found) == count:
            break
        agent = User.objects.get(username=username)
        keys = [
            k
            for k in Ticket.objects.filter(
                service__members__user=agent, state="open", assignee=None, status__is_initial=True
            )
            .order_by("-pk")
            .values_list("key", flat=True)[: POOL * (count + 1)]
            if k not in taken
        ][:POOL]
        if keys:
            taken.update(keys)
            found.append({"username": username, "tickets": keys})
    return found


def prepare(manifest_path: str, customers: int, agents: int, tag: str) -> dict[str, Any]:
    from django.db.models import Max
    from django.utils import timezone

    from comptoir.bench.mail_messages import CUSTOMERS, MAILBOX
    from comptoir.bench.run_jobs import mail_setup, op_token
    from comptoir.bench.run_manifest import load
    from comptoir.mailin.models import InboundMessage
    from comptoir.notifications.models import Outbox
    from comptoir.tickets.models import Comment, Ticket

    manifest = load(__import__("pathlib").Path(manifest_path))
    mail_setup()  # the senders and their mailbox, once per workload
    plan = {
        "customers": _customers(manifest, customers),
        "agents": _agents(manifest, agents),
        "api": op_token(SimpleNamespace(manifest=manifest, tag=f"soak {tag}")),
        "mail": {"to": MAILBOX, "senders": len(CUSTOMERS)},
        "words": [w for w in (manifest["rare_word"], manifest["common_word"]) if w],
    }
    if not plan["customers"] or not plan["agents"]:
        raise SystemExit(
            "the workload has no customer with an open ticket or no agent with a free one"
        )
    plan["mark"] = {
        "at": timezone.now().isoformat(),
        **{
            name: model.objects.aggregate(m=Max("pk"))["m"] or 0
            for name, model in (("inbound", InboundMessage), ("outbox", Outbox),
                                ("ticket", Ticket), ("comment", Comment))
        },
    }  # fmt: skip
    return plan


def check(mark: dict[str, Any]) -> dict[str, Any]:
    """What happened after the mark; `problems` lists what should not have."""
    from datetime import datetime

    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from comptoir.bench.mail_messages import MAILBOX
    from comptoir.mailin.models import InboundMessage
    from comptoir.notifications.models import Outbox
    from comptoir.tickets.models import Comment, Ticket

    inbound = InboundMessage.objects.filter(pk__gt=mark["inbound"], mailbox__address=MAILBOX)
    outbox = Outbox.objects.filter(pk__gt=mark["outbox"])
    tasks = DBTaskResult.objects.filter(enqueued_at__gte=datetime.fromisoformat(mark["at"]))

    def counts(qs, field: str) -> dict[str, int]:
        return {r[field]: r["n"] for r in qs.values(field).annotate(n=Count("pk")).order_by(field)}

    problems = [
        f"incoming message {m.message_id}: {m.result} ({m.reason}) {m.detail.splitlines()[-1:]}"
        for m in inbound.exclude(result__in=("created", "appended"))[:20]
    ]
    problems += [
        f"outbox row {o.pk} ({o.kind}) failed: {o.last_error.strip().splitlines()[-1:]}"
        for o in outbox.filter(state="failed")[:20]
    ]
    problems += [
        f"task {t.task_path} failed: {t.exception_class_path}"
        for t in tasks.filter(status="FAILED")[:20]
    ]
    return {
        "inbound": counts(inbound, "result"),
        "outbox": counts(outbox, "state"),
        "tasks": counts(tasks, "status"),
        "tickets": counts(Ticket.objects.filter(pk__gt=mark["ticket"]), "channel"),
        "comments": Comment.objects.filter(pk__gt=mark["comment"]).count(),
        "problems": problems,
    }


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m comptoir.bench.soak_steps")
    sub = p.add_subparsers(dest="step", required=True)
    prep = sub.add_parser("prepare")
    prep.add_argument("--manifest", required=True)
    prep.add_argument("--customers", type=int, default=4)
    prep.add_argument("--agents", type=int, default=4)
    prep.add_argument("--tag", default="0")
    sub.add_parser("check").add_argument("--mark", required=True)
    args = p.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    import django

    django.setup()
    from comptoir.bench.scratch import require_scratch

    require_scratch()
    if args.step == "prepare":
        out = prepare(args.manifest, args.customers, args.agents, args.tag)
    else:
        out = check(json.loads(args.mark))
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
