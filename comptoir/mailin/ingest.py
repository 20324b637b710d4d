"""E-mail in (MAIL-1..4): one raw message in, one recorded outcome out.

`ingest()` never raises for any input: the raw bytes are stored first (content-addressed),
then one transaction claims the message's digest, decides, writes through the ticket
actions and records the outcome; an unexpected error rolls that back and records the
message as quarantined with the traceback, so nothing is dropped silently. The sender is
the actor of every write, so the actions' own guards and the sender's visibility decide
what a mail may do, whatever its headers claim.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from contextlib import nullcontext
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from comptoir.accounts.actions import contact_create_from_email
from comptoir.accounts.models import User
from comptoir.catalog.models import Desk
from comptoir.core.errors import DomainError
from comptoir.mailin import answers, parse, routing
from comptoir.mailin.models import InboundMessage, Mailbox, Result, UnknownSenders, raw_path
from comptoir.tickets.actions import UploadedFile, ticket_comment, ticket_create
from comptoir.tickets.actions.uploads import screen
from comptoir.tickets.models import Channel, Ticket
from comptoir.tickets.selectors import visible_tickets

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 30 * 1024 * 1024
HEAD_BYTES = 256 * 1024  # what is read (and kept) of a message over the size limit
MAX_TEXT = 200_000


@dataclass(frozen=True)
class IngestResult:
    result: str
    ticket: Ticket | None
    reason: str
    message: InboundMessage | None


class Outcome(Exception):
    """How a message ends, raised from deep in the decision to leave it at once."""

    def __init__(self, result: str, reason: str = "", *, ticket: Ticket | None = None):
        super().__init__(reason)
        self.result, self.reason, self.ticket = result, reason, ticket


def ingest(
    raw: bytes,
    *,
    desk: Desk | None = None,
    source: str = "pipe",
    mailbox: Mailbox | None = None,
    reingested_from: InboundMessage | None = None,
) -> IngestResult:
    """Take one raw RFC 822 message; see the module docstring."""
    try:
        raw = bytes(raw)
    except Exception:  # not bytes at all: an empty message, quarantined
        raw = b""
    digest = hashlib.sha256(raw).hexdigest()
    run = _Run(raw, digest, desk=desk, source=source, mailbox=mailbox, root=reingested_from)
    try:
        return run.go()
    except Exception:  # a bug must cost a quarantine, never the message
        logger.exception("incoming message %s quarantined", digest)
        return run.crashed(traceback.format_exc())


def reingest(message: InboundMessage, *, source: str = "reingest") -> IngestResult:
    """Try a kept message again (after a fix, a new mailbox or a new contact)."""
    root = message.reingested_from or message
    if not root.raw:
        return IngestResult(Result.REFUSED, None, "raw_not_kept", None)
    with root.raw.open("rb") as fh:
        raw = fh.read()
    forced = root.desk if root.desk_forced else None
    return ingest(raw, desk=forced, source=source, reingested_from=root)


def _first_with_ticket(found) -> InboundMessage | None:
    """The first of `found` with its ticket; the usual answer, none, costs a one-column
    query rather than two joined rows."""
    pk = found.values_list("pk", flat=True).first()
    if pk is None:
        return None
    return InboundMessage.objects.select_related("ticket").get(pk=pk)


class _Run:
    def __init__(self, raw, digest, *, desk, source, mailbox, root):
        self.raw, self.digest, self.desk, self.mailbox, self.root = raw, digest, desk, mailbox, root
        self.limit = getattr(settings, "COMPTOIR_MAX_INBOUND_BYTES", DEFAULT_MAX_BYTES)
        self.record = InboundMessage(
            digest=digest,
            size=len(raw),
            source=(source or "pipe")[:20],
            desk=desk,
            desk_forced=desk is not None,
            reingested_from=root,
            result=Result.QUARANTINED,
        )
        self.person: User | None = None
        self.may_answer = False
        self.subject = ""

    # --- the frame: store, claim, decide, record --------------------------------------------

    def go(self) -> IngestResult:
        if self.root is None:
            earlier = InboundMessage.objects.filter(digest=self.digest, reingested_from=None)
            if (first := _first_with_ticket(earlier)) is not None:
                return IngestResult(Result.DUPLICATE, first.ticket, "same_message", first)
        too_large = len(self.raw) > self.limit
        self._store(self.raw[:HEAD_BYTES] if too_large else self.raw, head=too_large)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    self.record.save()  # claims the digest: a concurrent copy waits here
            except IntegrityError:
                first = InboundMessage.objects.filter(digest=self.digest, reingested_from=None)
                first = first.select_related("ticket").first()
                return IngestResult(
                    Result.DUPLICATE, getattr(first, "ticket", None), "same_message", first
                )
            try:
                self.decide(too_large)
                raise Outcome(Result.QUARANTINED, "undecided")  # decide() always ends in one
            except Outcome as out:
                return self.finish(out)

    def finish(self, out: Outcome) -> IngestResult:
        rec = self.record
        rec.result, rec.reason = out.result, out.reason[:50]
        rec.ticket = out.ticket or rec.ticket
        if rec.ticket is not None:
            rec.organisation_id = rec.ticket.organisation_id
        elif self.person is not None and self.person.is_customer:
            rec.organisation_id = self.person.organisation_id
        rec.save()
        return IngestResult(rec.result, rec.ticket, rec.reason, rec)

    def crashed(self, trace: str) -> IngestResult:
        rec = self.record
        rec.pk = None
        rec.result, rec.reason, rec.detail = Result.QUARANTINED, "internal_error", trace
        rec.ticket = rec.comment = rec.organisation = None
        try:
            with transaction.atomic():
                rec.save()
        except IntegrityError:
            first = InboundMessage.objects.filter(digest=self.digest, reingested_from=None).first()
            return IngestResult(Result.DUPLICATE, None, "same_message", first)
        return IngestResult(Result.QUARANTINED, None, "internal_error", rec)

    def _store(self, data: bytes, *, head: bool) -> None:
        name = raw_path(self.record, "")
        if head:
            name = name.replace(".eml", ".head.eml")
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(data))
        self.record.raw.name = name

    # --- the decision -----------------------------------------------------------------------

    def decide(self, too_large: bool) -> None:
        raw = self.raw[:HEAD_BYTES] if too_large else self.raw
        msg = parse.parse(raw)
        rec = self.record
        _name, address = parse.sender(msg)
        self.subject = parse.header(msg, "Subject")
        rec.from_address = (address or parse.header(msg, "From"))[:320]
        rec.subject = self.subject[:500]
        rec.message_id = (parse.message_ids(parse.header(msg, "Message-ID")) or [""])[0][:500]
        mailbox = self.mailbox or routing.find_mailbox(msg, self.desk)
        rec.mailbox = mailbox
        rec.desk = mailbox.desk if mailbox else self.desk
        if not address:
            rec.detail = _("No sender address could be read from the From header.")
            raise Outcome(Result.QUARANTINED, "no_sender" if msg.keys() else "unparsable")
        automatic = parse.is_automatic(msg)
        self.may_answer = not automatic and not parse.is_list(msg)
        self._refuse_duplicate_id()
        if address in routing.own_addresses():
            self.may_answer = False
            raise Outcome(Result.REFUSED, "own_address")
        if automatic == "bounce":
            rec.ticket_id = routing.ticket_of_bounce(msg)
            raise Outcome(Result.REFUSED, "bounce")
        if automatic:
            raise Outcome(Result.REFUSED, automatic)
        if too_large:
            self.refuse("too_large")
        if mailbox is None:
            rec.detail = _("None of the recipients is the address of an active mailbox.")
            raise Outcome(Result.QUARANTINED, "no_mailbox")
        self.route(msg, mailbox, address)

    def _refuse_duplicate_id(self) -> None:
        """The same message again with other trace headers (two of our addresses in To,
        an MTA resending it) is a duplicate: one ticket, one answer at most."""
        rec = self.record
        if not rec.message_id:
            return
        done = (Result.CREATED, Result.APPENDED, Result.REFUSED)
        same = InboundMessage.objects.filter(
            message_id=rec.message_id, from_address=rec.from_address, result__in=done
        ).exclude(pk=rec.pk)
        if self.root is not None:
            same = same.exclude(pk=self.root.pk).exclude(
                reingested_from=self.root, result=Result.REFUSED
            )
        first = _first_with_ticket(same.order_by("id"))
        if first is not None:
            raise Outcome(Result.DUPLICATE, "same_message_id", ticket=first.ticket)

    def route(self, msg, mailbox: Mailbox, address: str) -> None:
        thread = routing.thread_by_headers(msg)
        ticket_id = thread.ticket_id
        by_subject = False
        if ticket_id is None and not thread.dangling:
            ticket_id = routing.thread_by_subject(self.subject)
            by_subject = ticket_id is not None
        person = self.sender(address, ticket_id, mailbox, threaded=thread != routing.Thread())
        if person is None:
            self.create(msg, mailbox, new_contact=address)
        self.person = person
        if thread.dangling:
            self.refuse("ticket_not_found")
        if ticket_id is not None:
            ticket = visible_tickets(person).filter(pk=ticket_id).select_related("desk").first()
            if ticket is not None:
                self.append(msg, ticket)
            if not by_subject:  # headers naming a ticket the sender cannot see (TEN-2)
                self.refuse("ticket_not_found")
        self.create(msg, mailbox)

    def sender(
        self, address: str, ticket_id: int | None, mailbox: Mailbox, *, threaded: bool
    ) -> User | None:
        """The known person who wrote; None for an unknown sender the mailbox takes as a
        new contact; otherwise a refusal. Never a guess between two people."""
        people = routing.people_with_address(address)
        active = [p for p in people if p.is_active]
        if len(active) > 1 and ticket_id is not None:
            active = [p for p in active if visible_tickets(p).filter(pk=ticket_id).exists()]
        if len(active) == 1:
            return active[0]
        if len(active) > 1:
            self.refuse("ambiguous_sender")
        if people:
            self.refuse("inactive_sender")
        if threaded or mailbox.unknown_senders != UnknownSenders.CONTACT:
            self.refuse("unknown_sender")
        if mailbox.contact_site_id is None:
            self.refuse("unknown_sender")
        return None

    # --- writes through the ticket actions --------------------------------------------------

    def create(self, msg, mailbox: Mailbox, *, new_contact: str = "") -> None:
        title, reference = parse.split_reference(self.subject)
        body = parse.content(msg)
        # A contact exists only with its first ticket: its savepoint undoes both. Without
        # a new contact, ticket_create's own transaction is enough.
        contact_first = transaction.atomic() if new_contact else nullcontext()
        try:
            with contact_first:
                if new_contact:
                    self.person = contact_create_from_email(
                        site=mailbox.contact_site,
                        email=new_contact,
                        name=parse.sender(msg)[0],
                        language=mailbox.desk.language,
                    )
                person = self.person
                assert person is not None
                with translation.override(person.language):
                    text, files = self._text_and_files(body, trim=False)
                    ticket = ticket_create(
                        actor=person,
                        desk=mailbox.desk,
                        type=mailbox.ticket_type,
                        category=mailbox.category,
                        title=(title or _("(no subject)"))[:250],
                        description=text,
                        personal_reference=reference[:100],
                        channel=Channel.EMAIL,
                        attachments=files,
                    )
        except DomainError as exc:
            if new_contact:
                self.person = None
            self.refuse(exc.code, detail=str(exc))
        raise Outcome(Result.CREATED, ticket=ticket)

    def append(self, msg, ticket: Ticket) -> None:
        person = self.person
        assert person is not None
        self.record.ticket = ticket
        if not ticket.desk.reply_by_email:
            if self.may_answer:
                self.record.answered = bool(
                    answers.answer_reply_refused(
                        digest=self.digest,
                        email=self.record.from_address,
                        ticket=ticket,
                        subject=self.subject,
                        in_reply_to=self.record.message_id,
                        person=person,
                    )
                )
            raise Outcome(Result.REFUSED, "reply_by_email_off", ticket=ticket)
        with translation.override(person.language):
            text, files = self._text_and_files(parse.content(msg), trim=True)
            try:
                comment = ticket_comment(actor=person, ticket=ticket, body=text, files=files)
            except DomainError as exc:
                self.refuse(exc.code, detail=str(exc))
        self.record.comment = comment
        raise Outcome(Result.APPENDED, ticket=ticket)

    def _text_and_files(self, body: parse.Content, *, trim: bool) -> tuple[str, list]:
        text = parse.trim_quoted(body.text) if trim else body.text.strip()
        notes = [
            _("[A part of the message could not be read: %(name)s]") % {"name": n}
            for n in body.notes
        ]
        # The same judge as every upload; a part it refuses is left out with a note
        # rather than losing the message.
        parts = [
            UploadedFile(part.name, BytesIO(part.data), len(part.data), part.content_type)
            for part in body.parts
        ]
        kept, refused = screen(parts)
        files = [item.file for item in kept]
        notes += [_("[Attachment not kept: %(reason)s]") % {"reason": r.message} for r in refused]
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT]
            notes.append(_("[Text cut: the message is longer than the ticket can show]"))
        text = "\n\n".join([text, *notes]).strip()
        return text or _("(message without text)"), files

    def refuse(self, reason: str, *, detail: str = "") -> None:
        """Refused with an answer to the sender when answering cannot loop."""
        rec = self.record
        rec.detail = detail
        if self.may_answer:
            out = answers.answer_refused(
                digest=self.digest,
                email=rec.from_address,
                reason=reason,
                subject=self.subject,
                in_reply_to=rec.message_id,
                desk=rec.desk,
                person=self.person,
                detail=detail,
            )
            rec.answered = out is not None
        raise Outcome(Result.REFUSED, reason)
