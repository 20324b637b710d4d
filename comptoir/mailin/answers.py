"""Answers to incoming mail (MAIL-2, TEN-4): outbox rows the delivery worker renders.

Written inside the ingest transaction, so an answer exists exactly when its message's
outcome does. Loops are prevented here as well as by the caller: the idempotency key makes
one answer per message whatever the retries and re-ingests, and an address that already
got `MAX_PER_HOUR` answers in the last hour gets no more (a misbehaving autoresponder that
ignores `Auto-Submitted` cannot ping-pong with us).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.catalog.models import Desk
from comptoir.mailin.models import InboundMessage
from comptoir.notifications.models import Outbox
from comptoir.tickets.models import Ticket

MAX_PER_HOUR = 3


def may_answer(address: str) -> bool:
    """Fewer than MAX_PER_HOUR answers to this address in the last hour (read from the
    messages answered, whose reception time is indexed)."""
    since = timezone.now() - timedelta(hours=1)
    recent = InboundMessage.objects.filter(
        received_at__gte=since, from_address=address.lower(), answered=True
    )
    return recent.count() < MAX_PER_HOUR


def answer_refused(
    *,
    digest: str,
    email: str,
    reason: str,
    subject: str,
    in_reply_to: str,
    desk: Desk | None,
    person: User | None = None,
    detail: str = "",
) -> Outbox | None:
    """`mail_refused`: the message was not taken (unknown sender, too large, …)."""
    return _write(
        key=f"mail_refused:{digest}",
        kind="mail_refused",
        email=email,
        person=person,
        desk=desk,
        ticket=None,
        context={
            "reason": reason,
            "subject": subject,
            "desk": desk.pk if desk else None,
            "in_reply_to": in_reply_to,
            "detail": detail,
        },
    )


def answer_reply_refused(
    *,
    digest: str,
    email: str,
    ticket: Ticket,
    subject: str,
    in_reply_to: str,
    person: User | None,
) -> Outbox | None:
    """`mail_reply_refused` (001): this desk takes replies on the portal only."""
    return _write(
        key=f"mail_reply_refused:{digest}",
        kind="mail_reply_refused",
        email=email,
        person=person,
        desk=ticket.desk,
        ticket=ticket,
        context={
            "ticket": ticket.pk,
            "subject": subject,
            "in_reply_to": in_reply_to,
            "desk": ticket.desk_id,
        },
    )


def _write(
    *,
    key: str,
    kind: str,
    email: str,
    person: User | None,
    desk: Desk | None,
    ticket: Ticket | None,
    context: dict,
) -> Outbox | None:
    if Outbox.objects.filter(key=key).exists() or not may_answer(email):
        return None
    language = person.language if person else (desk.language if desk else "fr")
    return Outbox.objects.create(
        key=key,
        kind=kind,
        organisation_id=ticket.organisation_id
        if ticket
        else getattr(person, "organisation_id", None),
        ticket=ticket,
        recipient=person,
        email=email,
        language=language,
        context=context,
    )
