"""The one write path for tickets: every change, from every interface, goes through here.

Each action is keyword-only, runs in one transaction, locks the ticket, checks permission
and workflow rules, writes the change, appends timeline events and records outbox rows.
"""

from comptoir.tickets.actions.assignment import (
    ticket_assign,
    ticket_escalate,
    ticket_invite,
    ticket_release,
    ticket_remove_guest,
    ticket_take,
    ticket_transfer,
)
from comptoir.tickets.actions.content import (
    UploadedFile,
    ticket_attach,
    ticket_comment,
    ticket_link,
    ticket_mute,
    ticket_update,
)
from comptoir.tickets.actions.create import ticket_create
from comptoir.tickets.actions.sla import sla_check
from comptoir.tickets.actions.workflow import (
    ticket_assess,
    ticket_confirm_resolution,
    ticket_convert,
    ticket_transition,
)

__all__ = [
    "UploadedFile",
    "sla_check",
    "ticket_assess",
    "ticket_assign",
    "ticket_attach",
    "ticket_comment",
    "ticket_confirm_resolution",
    "ticket_convert",
    "ticket_create",
    "ticket_escalate",
    "ticket_invite",
    "ticket_link",
    "ticket_mute",
    "ticket_release",
    "ticket_remove_guest",
    "ticket_take",
    "ticket_transfer",
    "ticket_transition",
    "ticket_update",
]
