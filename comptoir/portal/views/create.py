"""New incident / new service request (POR-1, TIC-3, TIC-5, TIC-6, TEN-4)."""

from __future__ import annotations

from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.catalog.models import Category, TicketType
from comptoir.core.errors import DomainError
from comptoir.portal import selectors
from comptoir.portal.forms import NO_SITE_MESSAGE, NewTicketForm, to_uploads
from comptoir.tickets.actions import ticket_create
from comptoir.tickets.models import Channel, Ticket
from comptoir.tickets.selectors import ticket_get
from comptoir.web.access import customer_required
from comptoir.web.forms import call_action


def _referenced(request: HttpRequest, key: str) -> Ticket | None:
    """The ticket a new request references (001 FAQ), if the customer may see it."""
    if not key:
        return None
    try:
        return ticket_get(actor=request.user, key=key.strip())
    except DomainError:
        return None


@customer_required
def choose(request: HttpRequest) -> HttpResponse:
    """Which kind of request: the desks' types a customer may create, grouped."""
    types = selectors.creatable_types(actor=request.user)
    references = _referenced(request, request.GET.get("references", ""))
    if references is not None:
        same_desk = [t for t in types if t.desk_id == references.desk_id]
        types = same_desk or types
    if len(types) == 1:
        return redirect(_new_url(types[0], references))
    desks = [
        (desk, [(group, list(items)) for group, items in groupby(rows, key=lambda t: t.group)])
        for desk, rows in groupby(types, key=lambda t: t.desk)
    ]
    return render(
        request,
        "portal/new_choose.html",
        {
            "desks": desks,
            "references": references,
            "no_site": selectors.cannot_file(actor=request.user),
            "no_site_message": NO_SITE_MESSAGE,
        },
    )


def _new_url(type_: TicketType, references: Ticket | None) -> str:
    url = reverse("portal:new_ticket", kwargs={"desk": type_.desk.slug, "type": type_.code})
    if references is not None:
        url += "?" + urlencode({"references": references.key})
    return url


@customer_required
def new_ticket(request: HttpRequest, desk: str, type: str) -> HttpResponse:
    try:
        type_ = selectors.creatable_type_get(actor=request.user, desk=desk, code=type)
    except DomainError:
        raise Http404() from None
    actor = request.user
    if request.method == "POST":
        form = NewTicketForm(request.POST, request.FILES, actor=actor, desk_id=type_.desk_id)
        if form.is_valid():
            ticket = _create(request, form, type_)
            if ticket is not None:
                messages.success(
                    request,
                    _("Your request %(key)s has been recorded. We will keep you informed.")
                    % {"key": ticket.key},
                )
                return redirect("portal:ticket", key=ticket.key)
        references = _referenced(request, request.POST.get("references", ""))
        status = 400
    else:
        references = _referenced(request, request.GET.get("references", ""))
        form = NewTicketForm(
            initial=_initial(actor, type_, request.GET.get("category"), references),
            actor=actor,
            desk_id=type_.desk_id,
        )
        status = 200
    return render(
        request,
        "portal/new_ticket.html",
        {
            "form": form,
            "type": type_,
            "references": references,
            "no_site": selectors.cannot_file(actor=actor),
            "no_site_message": NO_SITE_MESSAGE,
            "current_category": form["category"].value(),
        },
        status=status,
    )


def _initial(actor, type_: TicketType, category_id, references: Ticket | None) -> dict:
    categories = selectors.category_choices(desk_id=type_.desk_id)
    category = None
    if category_id and str(category_id).isdigit():
        category = categories.filter(pk=int(category_id)).first()
    if category is None and references is not None:
        category = categories.filter(pk=references.category_id).first()
    if category is None:
        # Preselect only when there is nothing to choose: a guess would file requests in
        # the wrong category (and propose the wrong template).
        only = list(categories[:2])
        category = only[0] if len(only) == 1 else None
    subject, body = selectors.template_for(actor=actor, category=category)
    return {
        "category": category.pk if category else None,
        "title": subject,
        "description": body,
        "references": references.key if references else "",
    }


def _create(request: HttpRequest, form: NewTicketForm, type_: TicketType) -> Ticket | None:
    data = form.cleaned_data
    references = None
    if data.get("references"):
        references = _referenced(request, data["references"])
        if references is None:
            form.add_error(None, _("The referenced ticket was not found."))
            return None
    extra = {}
    if not form.external and data.get("affected"):
        extra["affected"] = data["affected"]  # outside TEN-4's external mode only
    ticket, _error = call_action(
        request,
        ticket_create,
        form=form,
        actor=request.user,
        desk=type_.desk,
        type=type_,
        category=data["category"],
        title=data["title"],
        description=data.get("description", ""),
        priority=data.get("priority"),
        personal_reference=data.get("personal_reference", ""),
        ci=data.get("ci"),
        references=references,
        channel=Channel.PORTAL,
        attachments=to_uploads(data.get("attachments") or []),
        **extra,
    )
    return ticket


@require_POST
@customer_required
def template(request: HttpRequest, desk: str, type: str) -> HttpResponse:
    """htmx: the title and description fields for the chosen category (TIC-6). What the
    customer typed is kept; only text still equal to the previous template is replaced.
    A POST, so what they typed never lands in a URL (logs, history) nor hits its length."""
    try:
        type_ = selectors.creatable_type_get(actor=request.user, desk=desk, code=type)
    except DomainError:
        raise Http404() from None
    categories = selectors.category_choices(desk_id=type_.desk_id)
    new = _category(categories, request.POST.get("category"))
    old = _category(categories, request.POST.get("previous_category"))
    old_subject, old_body = selectors.template_for(actor=request.user, category=old)
    subject, body = selectors.template_for(actor=request.user, category=new)
    title = request.POST.get("title", "")
    description = request.POST.get("description", "")
    if title.strip() in ("", old_subject.strip()):
        title = subject
    if description.strip() in ("", old_body.strip()):
        description = body
    form = NewTicketForm(
        initial={"title": title, "description": description},
        actor=request.user,
        desk_id=type_.desk_id,
    )
    return render(
        request,
        "portal/partials/template_fields.html",
        {"form": form, "current_category": new.pk if new else ""},
    )


def _category(categories, value: str | None) -> Category | None:
    if value and value.isdigit():
        return categories.filter(pk=int(value)).first()
    return None
