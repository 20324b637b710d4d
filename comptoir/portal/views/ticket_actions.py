"""What a customer does on a ticket page. Every POST parses its form and calls one action;
a refusal is shown next to the field it names, on the page re-rendered with status 400."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.portal.forms import (
    AssessForm,
    CommentForm,
    ConfirmForm,
    MoveForm,
    MuteForm,
    to_uploads,
)
from comptoir.portal.views.ticket import customer_moves, get_ticket, render_ticket
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket
from comptoir.web.access import customer_required
from comptoir.web.forms import call_action

Args = Callable[[dict[str, Any]], dict[str, Any]]


def _run(
    request: HttpRequest,
    ticket: Ticket,
    *,
    name: str,
    form: forms.Form,
    fn: Callable[..., Any],
    args: Args,
    done: str,
) -> HttpResponse:
    """Parse, call the action; success → the page with a message (post/redirect/get),
    refusal → the page again with the action's message on the form."""
    if form.is_valid():
        _result, error = call_action(
            request, fn, form=form, actor=request.user, ticket=ticket, **args(form.cleaned_data)
        )
        if error is None:
            messages.success(request, done)
            return _back(ticket)
    return render_ticket(request, ticket, {name: form}, status=400)


def _back(ticket: Ticket) -> HttpResponse:
    """The ticket page, at the top where the message is (a form's own #anchor, kept by the
    browser through a redirect without one, would scroll past it)."""
    return redirect(reverse("portal:ticket", kwargs={"key": ticket.key}) + "#main")


@require_POST
@customer_required
def comment(request: HttpRequest, key: str) -> HttpResponse:
    """TIC-8: a public comment, with files; files alone are attached without a comment."""
    ticket = get_ticket(request, key)
    form = CommentForm(request.POST, request.FILES, prefix="comment")
    files_only = (
        form.is_valid()
        and not form.cleaned_data["comment"].strip()
        and form.cleaned_data["attachments"]
    )
    if files_only:
        return _run(
            request,
            ticket,
            name="comment",
            form=form,
            fn=actions.ticket_attach,
            args=lambda d: {"files": to_uploads(d["attachments"])},
            done=_("Your files have been attached."),
        )
    return _run(
        request,
        ticket,
        name="comment",
        form=form,
        fn=actions.ticket_comment,
        args=lambda d: {"body": d["comment"], "files": to_uploads(d["attachments"])},
        done=_("Your comment has been added."),
    )


@require_POST
@customer_required
def mute(request: HttpRequest, key: str) -> HttpResponse:
    """NOT-5: no more e-mails about this ticket (or again)."""
    ticket = get_ticket(request, key)
    form = MuteForm(request.POST)
    muted = request.POST.get("muted") == "1"
    return _run(
        request,
        ticket,
        name="mute",
        form=form,
        fn=actions.ticket_mute,
        args=lambda d: {"muted": d["muted"]},
        done=_("You will no longer receive e-mails about this ticket.")
        if muted
        else _("You will receive e-mails about this ticket again."),
    )


@require_POST
@customer_required
def confirm(request: HttpRequest, key: str) -> HttpResponse:
    """WF-5: confirm the resolution, or refute it with a comment."""
    ticket = get_ticket(request, key)
    form = ConfirmForm(request.POST, prefix="confirm")
    accepted = request.POST.get("confirm-accepted") == "yes"
    return _run(
        request,
        ticket,
        name="confirm",
        form=form,
        fn=actions.ticket_confirm_resolution,
        args=lambda d: {"accepted": d["accepted"], "comment": d["comment"]},
        done=_("Thank you: the resolution is confirmed.")
        if accepted
        else _("Thank you: your ticket goes back to the team with your comment."),
    )


@require_POST
@customer_required
def assess(request: HttpRequest, key: str) -> HttpResponse:
    """POR-4: satisfaction from 1 to 5 and a comment."""
    ticket = get_ticket(request, key)
    form = AssessForm(request.POST, prefix="assess")
    return _run(
        request,
        ticket,
        name="assess",
        form=form,
        fn=actions.ticket_assess,
        args=lambda d: {"satisfaction": d["satisfaction"], "comment": d["comment"]},
        done=_("Thank you for your assessment."),
    )


@require_POST
@customer_required
def move(request: HttpRequest, key: str, code: str) -> HttpResponse:
    """WF-3, WF-6, WF-7: reopen, accept or refuse a quote, approve or decline…"""
    ticket = get_ticket(request, key)
    transition = next((m for m in customer_moves(request, ticket) if m.code == code), None)
    if transition is None:
        # Not offered now: the write path says why (or, if it accepts it, it is allowed).
        _result, error = call_action(
            request,
            actions.ticket_transition,
            actor=request.user,
            ticket=ticket,
            code=code,
            data={"comment": request.POST.get(f"move-{code}-comment", "")},
        )
        if error is None:
            messages.success(request, _("Done."))
        return _back(ticket)
    form = MoveForm(request.POST, transition=transition)
    return _run(
        request,
        ticket,
        name=f"move-{code}",
        form=form,
        fn=actions.ticket_transition,
        args=lambda d: {"code": code, "data": form.data_for_action()},
        done=_("Done: “%(action)s”.") % {"action": form.label},
    )
