"""Create a ticket on behalf of a customer (AG-7, TIC-9 "phone"; 001: licence requests by
sales administration): pick the customer in the directory, the type, category and priority,
and the category's template is proposed (TIC-6)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from comptoir.catalog.models import Category, Desk, TicketType
from comptoir.console import selectors as sel
from comptoir.console.forms import CreateForm, uploads
from comptoir.console.views.common import after_write, person_from
from comptoir.core.errors import DomainError
from comptoir.core.i18n import tr
from comptoir.tickets import actions
from comptoir.tickets.models import Channel, Ticket
from comptoir.tickets.selectors import ticket_get
from comptoir.web.access import staff_required
from comptoir.web.forms import call_action


@staff_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """Which desk the new ticket goes to; straight to it when there is only one."""
    desks = sel.my_desks(request.user)
    if len(desks) == 1:
        return redirect("console:new_desk", desk=desks[0].slug)
    return render(request, "console/new_choose.html", {"desks": desks})


def _desk(request: HttpRequest, slug: str) -> Desk:
    desk = next((d for d in sel.my_desks(request.user) if d.slug == slug), None)
    if desk is None:
        raise Http404()
    return desk


def _form(desk: Desk, *args, **kwargs) -> CreateForm:
    return CreateForm(
        *args,
        types=list(TicketType.objects.filter(desk=desk).order_by("order")),
        categories=sel.desk_categories(desk.pk),
        priorities=sel.desk_priorities(desk.pk),
        **kwargs,
    )


def _template(desk: Desk, category_id: str | None, title: str = "", description: str = "") -> dict:
    """TIC-6: the category's default subject and message, where nothing was typed yet."""
    category = None
    if category_id and category_id.isdigit():
        category = Category.objects.filter(pk=category_id, service__desk=desk).first()
    if category is None:
        return {}
    out = {}
    if not title.strip():
        out["title"] = tr(category, "template_subject")
    if not description.strip():
        out["description"] = tr(category, "template_body")
    return out


def _referenced(request: HttpRequest, form: CreateForm) -> Ticket | None:
    """TIC-5 (001 FAQ): the ticket the new one references, e.g. a closed one."""
    key = form.cleaned_data.get("references", "").strip()
    if not key:
        return None
    try:
        return ticket_get(actor=request.user, key=key)
    except DomainError:
        form.add_error(None, _("The referenced ticket was not found."))
        return None


@staff_required
def new_ticket_desk(request: HttpRequest, desk: str) -> HttpResponse:
    the_desk = _desk(request, desk)
    if request.method != "POST":
        initial = {
            "category": request.GET.get("category", ""),
            "customer": request.GET.get("customer", "")[:150],
            "references": request.GET.get("references", "")[:30],
        }
        initial.update(_template(the_desk, initial["category"]))
        form = _form(the_desk, initial=initial)
        return render(request, "console/new.html", {"desk": the_desk, "form": form})
    form = _form(the_desk, request.POST, request.FILES)
    customer = affected = references = None
    if form.is_valid():
        customer = person_from(request, form, "customer", "customer_pick", customers_only=True)
        affected = person_from(
            request, form, "affected", "affected_pick", customers_only=True, required=False
        )
        references = _referenced(request, form)
    if form.is_valid():
        data = form.cleaned_data
        ticket, error = call_action(
            request,
            actions.ticket_create,
            form=form,
            actor=request.user,
            desk=the_desk,
            type=TicketType.objects.get(pk=data["type"]),
            category=Category.objects.select_related("service").get(pk=data["category"]),
            priority=the_desk.priorities.filter(pk=data["priority"]).first()
            if data["priority"]
            else None,
            title=data["title"],
            description=data["description"],
            personal_reference=data["personal_reference"],
            reporter=customer,
            affected=affected or customer,
            channel=Channel.PHONE,
            references=references,
            attachments=uploads(data["attachments"]),
        )
        if error is None:
            messages.success(
                request,
                _("Ticket %(key)s created for %(name)s.") % {"key": ticket.key, "name": customer},
            )
            return after_write(request, ticket)
    return render(request, "console/new.html", {"desk": the_desk, "form": form}, status=400)


@staff_required
def new_ticket_template(request: HttpRequest, desk: str) -> HttpResponse:
    """htmx: the title and description inputs, with the chosen category's template."""
    the_desk = _desk(request, desk)
    title = request.GET.get("title", "")
    description = request.GET.get("description", "")
    initial = {"title": title, "description": description}
    initial.update(_template(the_desk, request.GET.get("category"), title, description))
    form = _form(the_desk, initial=initial)
    return render(request, "console/partials/new_text.html", {"form": form})
