"""What the ticket page's buttons post to. Each handler parses its form, calls one action of
`comptoir.tickets.actions` (the one write path), and either goes back to the ticket or shows
the page again with the action's refusal next to the field it concerns."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.models import User
from comptoir.accounts.selectors import person_get
from comptoir.catalog.models import SupportLevel
from comptoir.console import forms as cf
from comptoir.console import selectors as sel
from comptoir.console.views.common import after_write, person_from, safe_next, ticket_or_404
from comptoir.console.views.ticket import render_ticket
from comptoir.core.errors import DomainError
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket
from comptoir.tickets.selectors import ticket_get, ticket_moves
from comptoir.web.access import staff_required
from comptoir.web.forms import call_action
from comptoir.workflows import engine

Handler = Callable[[HttpRequest, Ticket], HttpResponse]


def _done(request: HttpRequest, ticket: Ticket, message: str) -> HttpResponse:
    messages.success(request, message)
    return after_write(request, ticket)


def _run(
    request: HttpRequest,
    ticket: Ticket,
    name: str,
    form: forms.Form,
    fn: Callable,
    success: str,
    **kwargs,
) -> HttpResponse:
    """Call the action when the form parsed; its refusal goes back to the form."""
    if form.is_valid():
        _result, error = call_action(
            request, fn, form=form, actor=request.user, ticket=ticket, **kwargs
        )
        if error is None:
            return _done(request, ticket, success)
    return render_ticket(request, ticket, name, form)


def take(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = cf.TakeForm(request.POST, prefix="take")
    back = safe_next(request)
    if back and form.is_valid():  # the queue's quick "Take": errors go back there
        _r, error = call_action(request, actions.ticket_take, actor=request.user, ticket=ticket)
        if error is not None:
            return redirect(back)
        return _done(request, ticket, _("You now hold %(key)s.") % {"key": ticket.key})
    form.is_valid()
    return _run(
        request,
        ticket,
        "take",
        form,
        actions.ticket_take,
        _("You now hold this ticket."),
        comment=form.cleaned_data.get("comment", ""),
    )


def assign(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    members = sel.service_agents(ticket.service_id)
    form = cf.AssignForm(request.POST, prefix="assign", members=members)
    assignee = None
    if form.is_valid():
        assignee = next(
            (m.user for m in members if str(m.user_id) == form.cleaned_data["assignee"]), None
        )
    if assignee is None:
        if form.is_valid():
            form.add_error("assignee", _("Choose an agent of the service."))
        return render_ticket(request, ticket, "assign", form)
    return _run(
        request,
        ticket,
        "assign",
        form,
        actions.ticket_assign,
        _("Assigned to %(name)s.") % {"name": assignee},
        assignee=assignee,
    )


def release(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    _r, error = call_action(request, actions.ticket_release, actor=request.user, ticket=ticket)
    if error is None:
        return _done(request, ticket, _("Released: the ticket is free again."))
    return after_write(request, ticket)


def transfer(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    categories = sel.desk_categories(ticket.desk_id)
    form = cf.TransferForm(request.POST, prefix="transfer", categories=categories)
    if not form.is_valid():
        return render_ticket(request, ticket, "transfer", form)
    category = next(c for c in categories if str(c.pk) == form.cleaned_data["category"])
    return _run(
        request,
        ticket,
        "transfer",
        form,
        actions.ticket_transfer,
        _("Transferred to %(category)s.") % {"category": category},
        category=category,
        reason=form.cleaned_data["reason"],
        stay_as_guest=form.cleaned_data["stay_as_guest"],
    )


def escalate(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    levels = sel.higher_levels(ticket)
    form = cf.EscalateForm(request.POST, prefix="escalate", levels=levels)
    level: SupportLevel | None = None
    if form.is_valid() and form.cleaned_data["level"]:
        level = next(lv for lv in levels if str(lv.pk) == form.cleaned_data["level"])
    return _run(
        request,
        ticket,
        "escalate",
        form,
        actions.ticket_escalate,
        _("Escalated."),
        level=level,
        reason=form.cleaned_data.get("reason", ""),
    )


def convert(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = cf.ReasonForm(request.POST, prefix="convert")
    form.is_valid()
    return _run(
        request,
        ticket,
        "convert",
        form,
        actions.ticket_convert,
        _("Converted."),
        reason=form.cleaned_data.get("reason", ""),
    )


def invite(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = cf.InviteForm(request.POST, prefix="invite")
    user = person_from(request, form) if form.is_valid() else None
    if user is None:
        return render_ticket(request, ticket, "invite", form)
    return _run(
        request,
        ticket,
        "invite",
        form,
        actions.ticket_invite,
        _("%(name)s now follows this ticket.") % {"name": user},
        user=user,
        message=form.cleaned_data["message"],
    )


def _person(request: HttpRequest, pk: int) -> User | None:
    """A person posted by id, read through the actor's scope like every other read."""
    try:
        return person_get(actor=request.user, pk=pk)
    except DomainError:
        return None


def remove_guest(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = cf.RemoveGuestForm(request.POST)
    user = _person(request, form.cleaned_data["user"]) if form.is_valid() else None
    if user is None:
        messages.error(request, _("This person does not follow the ticket."))
        return after_write(request, ticket)
    _r, error = call_action(
        request, actions.ticket_remove_guest, actor=request.user, ticket=ticket, user=user
    )
    if error is None:
        messages.success(request, _("%(name)s no longer follows this ticket.") % {"name": user})
    return after_write(request, ticket)


def comment(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = cf.CommentForm(request.POST, request.FILES, prefix="comment")
    if not form.is_valid():
        return render_ticket(request, ticket, "comment", form)
    internal = form.cleaned_data["internal"]
    return _run(
        request,
        ticket,
        "comment",
        form,
        actions.ticket_comment,
        _("Internal note added.") if internal else _("Comment added."),
        body=form.cleaned_data["comment"],
        internal=internal,
        files=cf.uploads(form.cleaned_data["attachments"]),
    )


def attach(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = cf.AttachForm(request.POST, request.FILES, prefix="attach")
    if not form.is_valid():
        return render_ticket(request, ticket, "attach", form)
    return _run(
        request,
        ticket,
        "attach",
        form,
        actions.ticket_attach,
        _("Attached."),
        files=cf.uploads(form.cleaned_data["attachments"]),
        internal=form.cleaned_data["internal"],
    )


def link(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = cf.LinkForm(request.POST, prefix="link")
    if not form.is_valid():
        return render_ticket(request, ticket, "link", form)
    key = form.cleaned_data["target"].strip()
    try:
        target = ticket_get(actor=request.user, key=key)
    except DomainError:
        form.add_error("target", _("The ticket to link was not found."))
        return render_ticket(request, ticket, "link", form)
    return _run(
        request,
        ticket,
        "link",
        form,
        actions.ticket_link,
        _("Linked to %(key)s.") % {"key": target.key},
        target=target,
        kind=form.cleaned_data["kind"],
    )


def edit(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    priorities = sel.desk_priorities(ticket.desk_id)
    cis = sel.ticket_cis(ticket)
    form = cf.EditForm(request.POST, prefix="edit", priorities=priorities, cis=cis)
    if not form.is_valid():
        return render_ticket(request, ticket, "edit", form)
    data = form.cleaned_data
    changes = {
        "title": data["title"],
        "personal_reference": data["personal_reference"],
        "qualification": data["qualification"],
    }
    priority = next((p for p in priorities if str(p.pk) == data["priority"]), None)
    if priority is not None:
        changes["priority"] = priority
    changes["ci"] = next((ci for ci in cis if str(ci.pk) == data["ci"]), None)
    return _run(request, ticket, "edit", form, actions.ticket_update, _("Saved."), changes=changes)


HANDLERS: dict[str, Handler] = {
    "take": take,
    "assign": assign,
    "release": release,
    "transfer": transfer,
    "escalate": escalate,
    "convert": convert,
    "invite": invite,
    "remove-guest": remove_guest,
    "comment": comment,
    "attach": attach,
    "link": link,
    "edit": edit,
}


@staff_required
@require_POST
def ticket_action(request: HttpRequest, key: str, action: str) -> HttpResponse:
    ticket = ticket_or_404(request, key)
    handler = HANDLERS.get(action)
    if handler is None:
        raise Http404()
    return handler(request, ticket)


def _gone(request: HttpRequest, ticket: Ticket, code: str) -> HttpResponse:
    """The move is no longer offered (someone moved the ticket meanwhile): say why."""
    try:
        transition = engine.find_transition(ticket.status, code)
        messages.error(
            request,
            _("You are not allowed to “%(action)s” this ticket now.") % {"action": transition},
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    return after_write(request, ticket)


def _version(request: HttpRequest) -> int | None:
    """The ticket's version the page showed: a move on a ticket changed since is refused
    (AG-8: no lost update), with the page shown again on the fresh ticket."""
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@staff_required
@require_POST
def ticket_move(request: HttpRequest, key: str, code: str) -> HttpResponse:
    """A workflow move with the data it requires (WF-2)."""
    ticket = ticket_or_404(request, key)
    moves = ticket_moves(actor=request.user, ticket=ticket)
    transition = next((t for t in moves if t.code == code), None)
    if transition is None:
        return _gone(request, ticket, code)
    name = f"move-{code}"
    reasons = sel.waiting_reasons(ticket.desk_id)
    form = cf.MoveForm(request.POST, prefix=name, transition=transition, reasons=reasons)
    form.is_valid()
    return _run(
        request,
        ticket,
        name,
        form,
        actions.ticket_transition,
        _("Status changed: %(name)s.") % {"name": transition.to_status.name},
        code=code,
        data=form.data_for_action(),
        expected_version=_version(request),
    )


@staff_required
@require_POST
def ticket_take_then(request: HttpRequest, key: str, code: str) -> HttpResponse:
    """AG-1: take, and at once comment, close or request information."""
    ticket = ticket_or_404(request, key)
    moves = sel.moves_after_take(actor=request.user, ticket=ticket)
    found = next((t for t in moves if t.code == code), None)
    if found is None:
        return _gone(request, ticket, code)
    name = f"take-{code}"
    reasons = sel.waiting_reasons(ticket.desk_id)
    form = cf.MoveForm(request.POST, prefix=name, transition=found, reasons=reasons)
    form.is_valid()
    data = form.data_for_action()
    comment = data.pop("comment", "")
    return _run(
        request,
        ticket,
        name,
        form,
        actions.ticket_take,
        _("You now hold this ticket: %(name)s.") % {"name": found.name},
        then=code,
        comment=comment,
        data=data,
    )
