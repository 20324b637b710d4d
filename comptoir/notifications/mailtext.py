"""The short words of outgoing mail (subject prefixes, labels), in the active language.

Kept apart from the templates because they are chosen by code: which kind, which status
variant (NOT-4, seed 003 §1.5), which refusal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from comptoir.notifications.models import Outbox
from comptoir.sla.models import AlertTarget
from comptoir.web.templatetags.comptoir import label
from comptoir.workflows.models import Party, State, Status


def status_variant(data: dict[str, Any], status: Status | None) -> str:
    """Which status mail of 003 §1.5 this move is, read from what the move carried:
    solved (solution), planned (appointment), waiting (waiting reason), rejected or
    postponed (a reason, closing or not), approval (a quote, or the customer is now
    expected to act), else a plain status change."""
    if data.get("solution"):
        return "solved"
    if data.get("appointment"):
        return "planned"
    if data.get("waiting_reason"):
        return "waiting"
    if data.get("reason"):
        return "rejected" if status is not None and status.state == State.CLOSED else "postponed"
    if data.get("quote_amount") or (
        status is not None
        and status.awaiting_party == Party.REQUESTER
        and status.state == State.OPEN
    ):
        return "approval"
    return "changed"


def quote_details(data: dict[str, Any]) -> dict[str, str]:
    """A submitted quote's estimated effort and validity (WF-6), as the recipient reads
    them in their language ("7,5 h", "31 décembre 2026"); empty when not given."""
    out = {"quote_effort": "", "quote_valid_until": ""}
    try:
        hours = Decimal(str(data.get("quote_effort_hours") or ""))
    except InvalidOperation:
        hours = None
    if hours is not None and hours.is_finite():
        whole = hours == hours.to_integral_value()
        hours = hours.quantize(Decimal(1)) if whole else hours.normalize()
        out["quote_effort"] = _("%(hours)s h") % {"hours": number_format(hours)}
    day = data.get("quote_valid_until")
    if day:
        try:
            out["quote_valid_until"] = date_format(date.fromisoformat(str(day)), "DATE_FORMAT")
        except ValueError:
            out["quote_valid_until"] = str(day)
    return out


def subject_prefix(row: Outbox, ctx: dict[str, Any]) -> str:
    kind = row.kind
    if kind == "created":
        return _("New ticket") if ctx["staff"] else _("Request registered")
    if kind == "status":
        return label((row.event.data or {}).get("new"))
    if kind == "comment":
        return _("Internal note") if ctx["comment"].internal else _("New comment")
    fixed = {
        "invited": _("Invitation"),
        "assigned": _("Assigned to you"),
        "taken": _("Taken"),
        "released": _("Released"),
        "transferred": _("Transferred"),
        "escalated": _("Escalated"),
        "converted": _("Converted"),
        "fields": _("Details changed"),
        "sla_warning": _("SLA warning"),
        "sla_breached": _("SLA breached"),
        "mail_refused": _("Message not accepted"),
        "mail_reply_refused": _("Reply not accepted"),
    }
    if kind in fixed:
        return fixed[kind]
    if kind == "confirmation":
        accepted = (row.event.data or {}).get("accepted")
        return _("Resolution confirmed") if accepted else _("Resolution refuted")
    if kind == "daily_report":
        return _("Daily report, %(date)s at %(hour)s") % {
            "date": ctx["report_date"],
            "hour": ctx["report_hour"],
        }
    return _("Update")


def bucket_label(bucket: str) -> str:
    return {
        "free": pgettext("daily report", "Free"),
        "in_progress": pgettext("daily report", "In progress"),
        "closed": pgettext("daily report", "Closed"),
        "refused": pgettext("daily report", "Refused"),
        "postponed": pgettext("daily report", "Postponed"),
    }.get(bucket, bucket)


def sla_target(code: str | None) -> str:
    try:
        return str(AlertTarget(code).label)
    except ValueError:
        return code or ""


def refusal_reason(code: str) -> str:
    """Why an incoming message was not accepted, as its sender reads it; "" for a reason
    with no sentence of its own (the answer then shows the ingest's detail, if any)."""
    reasons = {
        "unknown_sender": _(
            "This address accepts messages only from the people registered with this service "
            "desk, and your address is not one of them."
        ),
        "inactive_sender": _("Your account with this service desk is no longer active."),
        "ambiguous_sender": _(
            "Your address belongs to several accounts of this service desk, so we cannot "
            "tell on whose behalf you wrote."
        ),
        "too_large": _("Your message is larger than this service desk accepts."),
        "ticket_not_found": _(
            "Your message answers a ticket we could not find among those you may follow."
        ),
    }
    return reasons.get(code, "")
