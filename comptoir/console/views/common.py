"""Small helpers every console view shares: reading a ticket or a person through the
selectors, and where to go after a successful write."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from comptoir.accounts.models import CUSTOMER_ROLES, User
from comptoir.accounts.selectors import person_get, visible_people
from comptoir.core.errors import DomainError
from comptoir.tickets.models import Ticket
from comptoir.tickets.selectors import ticket_get, visible_tickets


def ticket_or_404(request: HttpRequest, key: str) -> Ticket:
    """The ticket if the signed-in person may see it; the same 404 for missing and for
    another tenant's (TEN-2)."""
    try:
        return ticket_get(actor=request.user, key=key)
    except DomainError:
        raise Http404() from None


def ticket_url(ticket: Ticket) -> str:
    return reverse("console:ticket", kwargs={"key": ticket.key})


def after_write(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Back to the ticket, or to the queue when the write took it out of sight (a transfer
    to another service, an escalation to another level)."""
    if visible_tickets(request.user).filter(pk=ticket.pk).exists():
        return redirect(ticket_url(ticket))
    return redirect("console:queue")


def safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return None


def lift_non_field_errors(request: HttpRequest, form: forms.Form) -> None:
    """An error that names no field goes on top of the page (as a message), where it shows
    even when the refused form is not on the page any more (the ticket changed meanwhile,
    or the person may not use that form at all)."""
    for message in form.non_field_errors():
        messages.error(request, message)
    form.errors.pop(NON_FIELD_ERRORS, None)


def person_from(
    request: HttpRequest,
    form: forms.Form,
    text: str = "user",
    pick: str = "pick",
    *,
    customers_only: bool = False,
    required: bool = True,
) -> User | None:
    """The person a form names: the one picked in the directory lookup, else the one whose
    login or e-mail was typed exactly (002: "identifiant ou adresse de messagerie"), among
    the people the actor may see. A miss is put on the form's `text` field."""
    people = visible_people(request.user)
    if customers_only:
        people = people.filter(role__in=CUSTOMER_ROLES)
    picked = form.cleaned_data.get(pick)
    if picked:
        try:
            found = person_get(actor=request.user, pk=picked)
        except DomainError:
            found = None
        if found is not None and people.filter(pk=found.pk).exists():
            return found
        form.add_error(text, _("This person was not found."))
        return None
    term = (form.cleaned_data.get(text) or "").strip()
    if not term:
        if required:
            form.add_error(text, _("Give a login or an e-mail address."))
        return None
    matches = list(people.filter(Q(username__iexact=term) | Q(email__iexact=term))[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        form.add_error(text, _("Several people have this address: pick one from the list."))
    else:
        form.add_error(text, _("Nobody was found with this login or e-mail."))
    return None
