"""An outbox row becomes the mail its one recipient reads (NOT-4, NOT-6, X-1).

Rendering happens at send time, in the row's language (`translation.override`), from the
row itself: its event (what happened, already filtered for this recipient by the rules),
its context (a snapshot written with it) and configuration rows (status names, waiting
reasons). Nothing is read that the recipient could not see when the row was written, but
the public comments of their own ticket for "the last update" of a waiting status.

Every lookup a batch needs is made once for the whole batch (`Lookups.load`), so a batch
costs the same few queries whatever its size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import OuterRef, Subquery
from django.template import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.catalog.models import Desk, Priority, Service
from comptoir.core.i18n import tr
from comptoir.notifications.mailtext import (
    bucket_label,
    quote_details,
    refusal_reason,
    sla_target,
    status_variant,
    subject_prefix,
)
from comptoir.notifications.models import Outbox, OutboxState, ticket_thread_id
from comptoir.tickets.models import Comment, Ticket
from comptoir.web.templatetags.comptoir import event_sentence, label
from comptoir.workflows.models import Status, WaitingReason

ANSWERS = {"mail_refused", "mail_reply_refused"}  # answers to incoming mail (RFC 3834)
TEMPLATES = {
    "created": "created",
    "status": "status",
    "comment": "comment",
    "invited": "invited",
    "sla_warning": "sla",
    "sla_breached": "sla",
    "daily_report": "daily_report",
    "mail_refused": "mail_refused",
    "mail_reply_refused": "mail_reply_refused",
}
FOLDER = "notifications/mail/"
BLANK_LINE = re.compile(r"(?m)^[ \t]+$")
BLANK_LINES = re.compile(r"\n{3,}")


class Undeliverable(Exception):
    """This row must never be sent (no retry): the reason goes to `last_error`."""


def claimed_rows(token: str) -> list[Outbox]:
    """The rows a worker claimed, with everything their mails show, in one query."""
    last_public = Comment.objects.filter(
        ticket_id=OuterRef("ticket_id"),
        internal=False,
        created_at__lte=OuterRef("event__created_at"),
    ).order_by("-created_at", "-id")
    earlier = (
        Outbox.objects.filter(
            ticket_id=OuterRef("ticket_id"), email=OuterRef("email"), pk__lt=OuterRef("pk")
        )
        .exclude(state=OutboxState.FAILED)
        .order_by("-pk")
    )
    return list(
        Outbox.objects.filter(claim_token=token, state=OutboxState.SENDING)
        .select_related(
            "recipient",
            "ticket__desk",
            "ticket__type",
            "ticket__category",
            "ticket__priority",
            "ticket__reporter",
            "ticket__affected",
            "ticket__assignee",
            "event__actor",
            "event__comment__author",
        )
        .annotate(
            last_public_id=Subquery(last_public.values("id")[:1]),
            earlier_message_id=Subquery(earlier.values("message_id")[:1]),
        )
        .order_by("pk")
    )


def _ids(rows: list[Outbox], getter: Any) -> set[Any]:
    out: set[Any] = set()
    for row in rows:
        out.update(v for v in getter(row) if v)
    return out


@dataclass
class Lookups:
    """Configuration and names a batch's mails show, fetched once per batch."""

    statuses: dict[int, Status] = field(default_factory=dict)
    waiting: dict[tuple[int, str], WaitingReason] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    desks: dict[int, Desk] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    services: dict[int, Service] = field(default_factory=dict)
    priorities: dict[int, Priority] = field(default_factory=dict)
    people: dict[int, User] = field(default_factory=dict)
    reply_to: dict[int, str] = field(default_factory=dict)

    def reply_address(self, desk: Desk | None) -> str:
        """Where answers go: the desk's address, else the address one of its active
        mailboxes receives (a desk set up with a mailbox only), else the sender address;
        asked once per desk and batch."""
        if desk is None:
            return settings.DEFAULT_FROM_EMAIL
        if desk.email_address:
            return desk.email_address
        if desk.pk not in self.reply_to:
            from comptoir.mailin.models import Mailbox

            boxes = Mailbox.objects.filter(desk_id=desk.pk, is_active=True).order_by("pk")
            address = boxes.values_list("address", flat=True).first()
            self.reply_to[desk.pk] = address or settings.DEFAULT_FROM_EMAIL
        return self.reply_to[desk.pk]

    @classmethod
    def load(cls, rows: list[Outbox]) -> Lookups:
        def sections(row: Outbox) -> list[dict[str, Any]]:
            return row.context.get("services", []) if row.kind == "daily_report" else []

        def listed(row: Outbox) -> list[dict[str, Any]]:
            return [t for s in sections(row) for t in s.get("tickets", []) + s.get("moved", [])]

        status_rows = [r for r in rows if r.kind == "status" and r.event_id]
        status_ids = _ids(status_rows, lambda r: [(r.event.data.get("new") or {}).get("id")])
        status_ids |= _ids(rows, lambda r: [t.get("status_id") for t in listed(r)])
        waiting = _ids(
            status_rows,
            lambda r: (
                [(r.ticket.desk_id, r.event.data.get("waiting_reason"))]
                if r.event.data.get("waiting_reason")
                else []
            ),
        )
        desk_ids = _ids(rows, lambda r: [r.context.get("desk")] if r.kind in ANSWERS else [])
        desk_ids |= _ids(rows, lambda r: [s.get("desk_id") for s in sections(r)])
        answer_tickets = _ids(
            rows, lambda r: [r.context.get("ticket")] if r.kind in ANSWERS and not r.ticket else []
        )
        out = cls()
        if status_ids:
            out.statuses = Status.objects.in_bulk(status_ids)
        if waiting:
            for reason in WaitingReason.objects.filter(
                desk_id__in={d for d, _c in waiting}, code__in={c for _d, c in waiting}
            ):
                out.waiting[(reason.desk_id, reason.code)] = reason
        comment_ids = _ids(status_rows, lambda r: [r.last_public_id])
        if comment_ids:
            out.comments = Comment.objects.select_related("author").in_bulk(comment_ids)
        if desk_ids:
            out.desks = Desk.objects.in_bulk(desk_ids)
        if answer_tickets:
            out.tickets = Ticket.objects.in_bulk(answer_tickets)
        service_ids = _ids(rows, lambda r: [s.get("service_id") for s in sections(r)])
        if service_ids:
            out.services = Service.objects.in_bulk(service_ids)
        priority_ids = _ids(rows, lambda r: [t.get("priority_id") for t in listed(r)])
        if priority_ids:
            out.priorities = Priority.objects.in_bulk(priority_ids)
        people = _ids(rows, lambda r: [t.get("holder_id") for t in listed(r)])
        if people:
            out.people = User.objects.in_bulk(people)
        return out


def site_link(name: str, *args: Any) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def is_staff(person: User | None) -> bool:
    return person is not None and (person.is_staff_member or person.is_admin)


def ticket_link(ticket: Ticket, person: User | None) -> str:
    """Staff open the console, everyone else the portal (which checks the access)."""
    return site_link("console:ticket" if is_staff(person) else "portal:ticket", ticket.key)


def moment(value: datetime | str | None) -> str:
    """An instant in the local time zone, in the active language's format."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value is None:
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _status_context(row: Outbox, lk: Lookups) -> dict[str, Any]:
    data = row.event.data or {}
    new = data.get("new") or {}
    status = lk.statuses.get(new.get("id"))
    variant = status_variant(data, status)
    ctx: dict[str, Any] = {
        "variant": variant,
        "status_name": label(new),
        "status_meaning": status.meaning if status else "",
        "reason": data.get("reason", ""),
        "solution": data.get("solution", ""),
        "appointment": moment(data.get("appointment")) if data.get("appointment") else "",
        "quote_amount": data.get("quote_amount", ""),
        **quote_details(data),
        "changed_at": moment(row.event.created_at),
    }
    code = data.get("waiting_reason")
    if code:
        reason = lk.waiting.get((row.ticket.desk_id, code))
        ctx["waiting_reason"] = tr(reason, "name") if reason else code
    last = lk.comments.get(row.last_public_id) if variant in {"waiting", "postponed"} else None
    if last is not None:
        ctx["last_update"] = {
            "author": str(last.author),
            "at": moment(last.created_at),
            "body": last.body,
        }
    return ctx


def _report_context(row: Outbox, lk: Lookups) -> dict[str, Any]:
    def entry(t: dict[str, Any]) -> dict[str, Any]:
        status = lk.statuses.get(t.get("status_id"))
        priority = lk.priorities.get(t.get("priority_id"))
        holder = lk.people.get(t.get("holder_id"))
        return {
            "key": t["key"],
            "title": t["title"],
            "bucket": bucket_label(t["bucket"]),
            "status": status.name if status else t.get("status", ""),
            "priority": priority.name if priority else "",
            "holder": str(holder) if holder else "",
            "link": site_link("console:ticket", t["key"]),
        }

    sections = []
    for s in row.context.get("services", []):
        service = lk.services.get(s.get("service_id"))
        counts = s.get("counts", {})
        sections.append(
            {
                "name": service.name if service else "",
                "tickets": [entry(t) for t in s.get("tickets", [])],
                "moved": [entry(t) for t in s.get("moved", [])],
                "since": moment(s["since"]) if s.get("since") else "",
                "truncated": s.get("truncated", False),
                "counts": [(bucket_label(b), n) for b, n in counts.items() if n],
            }
        )
    local = date.fromisoformat(row.context["local_date"])
    return {
        "sections": sections,
        "report_date": date_format(local, "DATE_FORMAT"),
        "report_hour": f"{row.context.get('local_hour', 0):02d}:00",
        "queue_link": site_link("console:queue"),
    }


def _context(row: Outbox, lk: Lookups) -> dict[str, Any]:
    person = row.recipient
    ticket = row.ticket or lk.tickets.get(row.context.get("ticket"))
    ev = row.event
    ctx: dict[str, Any] = {
        "row": row,
        "kind": row.kind,
        "recipient": person,
        "recipient_name": str(person) if person else "",
        "staff": is_staff(person),
        "ticket": ticket,
        "event": ev,
        "actor": str(ev.actor) if ev and ev.actor else "",
        "when": moment(ev.created_at) if ev else "",
        "data": row.context,
        "portal_link": site_link("portal:tickets"),
    }
    if ticket is not None:
        ctx["link"] = ticket_link(ticket, person)
    if row.kind == "status":
        ctx.update(_status_context(row, lk))
    elif row.kind == "comment":
        comment = ev.comment if ev else None
        if comment is None:
            raise Undeliverable("comment mail without its comment")
        if comment.internal and not is_staff(person):
            raise Undeliverable("internal comment addressed to a customer")
        ctx.update(comment=comment, author=str(comment.author))
    elif row.kind in {"sla_warning", "sla_breached"}:
        ctx.update(
            target=sla_target(row.context.get("target")),
            due_at=moment(row.context.get("due_at")),
            percent=row.context.get("percent"),
            breached=row.kind == "sla_breached",
        )
    elif row.kind == "daily_report":
        ctx.update(_report_context(row, lk))
    elif row.kind == "mail_refused":
        ctx.update(reason_text=refusal_reason(row.context.get("reason", "")))
    elif ev is not None and row.kind not in TEMPLATES:
        ctx["sentence"] = event_sentence(ev)
    return ctx


def _render(name: str, ctx: dict[str, Any]) -> tuple[str, str]:
    """Text (not escaped) and HTML (escaped) bodies from the kind's two templates."""
    text = get_template(f"{FOLDER}{name}.txt").template.render(Context(ctx, autoescape=False))
    html = get_template(f"{FOLDER}{name}.html").render(ctx)
    text = BLANK_LINES.sub("\n\n", BLANK_LINE.sub("", text))
    return text.strip() + "\n", html


def desk_of(row: Outbox, lk: Lookups) -> Desk | None:
    if row.ticket is not None:
        return row.ticket.desk
    if row.kind in ANSWERS:
        ticket = lk.tickets.get(row.context.get("ticket"))
        return lk.desks.get(row.context.get("desk")) or (ticket.desk if ticket else None)
    desks = {s.get("desk_id") for s in row.context.get("services", [])}
    return lk.desks.get(desks.pop()) if len(desks) == 1 else None


def headers(row: Outbox, ticket: Ticket | None, language: str) -> dict[str, str]:
    """Threading (the contract with the inbound side) and loop protection."""
    out = {
        "Message-ID": row.message_id,
        "Content-Language": language,
        "Auto-Submitted": "auto-replied" if row.kind in ANSWERS else "auto-generated",
        # Exchange and Outlook: no out-of-office or read receipts back to us.
        "X-Auto-Response-Suppress": "All",
    }
    parents = []
    if ticket is not None:
        parents.append(ticket_thread_id(ticket.pk))
    if row.kind in ANSWERS and row.context.get("in_reply_to"):
        parents.append(row.context["in_reply_to"])
    elif getattr(row, "earlier_message_id", None):
        parents.append(row.earlier_message_id)
    if parents:
        out["References"] = " ".join(parents)
        out["In-Reply-To"] = parents[-1]
    return out


def build(row: Outbox, lk: Lookups) -> EmailMultiAlternatives:
    """The message for one row, to its one address (NOT-6: no Cc, no Bcc, nobody else)."""
    if not row.email:
        raise Undeliverable("no address")
    if row.recipient is not None and not row.recipient.is_active:
        raise Undeliverable("the recipient's account is deactivated")
    if row.event is not None and row.event.internal and not is_staff(row.recipient):
        raise Undeliverable("internal event addressed to a customer")
    language = row.language if row.language in dict(settings.LANGUAGES) else None
    with translation.override(language or settings.LANGUAGE_CODE):
        ctx = _context(row, lk)
        ticket = ctx["ticket"]
        desk = desk_of(row, lk)
        ctx["desk_name"] = desk.name if desk else "Comptoir"
        ctx["LANGUAGE_CODE"] = translation.get_language()
        text, html = _render(TEMPLATES.get(row.kind, "event"), ctx)
        prefix = subject_prefix(row, ctx)
        if row.kind in ANSWERS:
            subject = _("%(prefix)s: %(title)s") % {
                "prefix": prefix,
                "title": row.context.get("subject") or "",
            }
            if ticket is not None:
                subject = f"[{ticket.key}] {subject}"
        elif ticket is not None:
            subject = f"[{ticket.key}] " + _("%(prefix)s: %(title)s") % {
                "prefix": prefix,
                "title": ticket.title,
            }
        else:
            subject = prefix
        sender_name, sender = parseaddr(settings.DEFAULT_FROM_EMAIL)
        from_email = formataddr((desk.name if desk else sender_name, sender))
    reply_to = lk.reply_address(desk)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=from_email,
        to=[row.email],
        reply_to=[reply_to],
        headers=headers(row, ticket, ctx["LANGUAGE_CODE"]),
    )
    message.attach_alternative(html, "text/html")
    return message
