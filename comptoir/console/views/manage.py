"""Service manager pages (002 §III, TEN-7, AG-6, TIC-6): a service's managers and their
privileges, its permanent guests, its categories' templates, and each member's watch level
and daily report. Members see the page; only those who may manage it (or an administrator)
get the forms, and the catalog actions check it again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.models import User
from comptoir.accounts.selectors import person_get, visible_people
from comptoir.catalog import actions as catalog
from comptoir.catalog.models import Category, Service, ServiceMember, SupportLevel
from comptoir.console import forms as cf
from comptoir.console import selectors as sel
from comptoir.console.views.common import lift_non_field_errors, person_from
from comptoir.core.errors import DomainError
from comptoir.core.i18n import tr
from comptoir.web.access import staff_required
from comptoir.web.forms import call_action


def _service(request: HttpRequest, pk: int) -> Service:
    try:
        return sel.service_get(actor=request.user, pk=pk)
    except DomainError:
        raise Http404() from None


@staff_required
def services(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if actor.is_admin:
        rows = [(s, True) for s in sel.my_services(actor)]
    else:
        rows = [(m.service, m.can_manage) for m in sel.memberships(actor)]
    return render(request, "console/services.html", {"rows": rows})


def _privileges_form(m: ServiceMember, categories, levels, data=None) -> cf.PrivilegesForm:
    return cf.PrivilegesForm(
        data,
        prefix=f"m{m.user_id}",
        categories=categories,
        levels=levels,
        initial={
            "can_manage": m.can_manage,
            "categories": [str(c.pk) for c in m.categories.all()],
            "level": str(m.level_id or ""),
        },
    )


def service_context(
    request: HttpRequest,
    service: Service,
    *,
    bound: dict[str, forms.Form] | None = None,
    open: str = "",
) -> dict[str, Any]:
    bound = bound or {}
    members = sel.service_members(service)
    categories = sel.service_categories(service)
    levels = list(SupportLevel.objects.filter(desk_id=service.desk_id).order_by("rank"))
    user_ids = [m.user_id for m in members]
    watch = sel.watch_preferences(service_ids=[service.pk], user_ids=user_ids)
    reports = sel.report_preferences(service_ids=[service.pk], user_ids=user_ids)
    rows = [
        {
            "member": m,
            "form": bound.get(f"m{m.user_id}") or _privileges_form(m, categories, levels),
            "watch": watch.get((service.pk, m.user_id)),
            "report": reports.get((service.pk, m.user_id)),
        }
        for m in members
    ]
    return {
        "service": service,
        "manager": catalog.may_manage(request.user, service),
        "rows": rows,
        "guests": sel.service_permanent_guests(service),
        "categories": categories,
        "levels": levels,
        "add_manager": bound.get("manager") or cf.AddPersonForm(prefix="manager"),
        "add_guest": bound.get("guest") or cf.AddPersonForm(prefix="guest"),
        "open": open,
    }


@staff_required
def service_page(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(request, pk)
    return render(request, "console/service.html", service_context(request, service))


def _again(request: HttpRequest, service: Service, name: str, form: forms.Form) -> HttpResponse:
    lift_non_field_errors(request, form)
    ctx = service_context(request, service, bound={name: form}, open=name)
    return render(request, "console/service.html", ctx, status=400)


def _back(service: Service) -> HttpResponse:
    return redirect(reverse("console:service", kwargs={"pk": service.pk}))


def _add(request: HttpRequest, service: Service, name: str) -> HttpResponse:
    form = cf.AddPersonForm(request.POST, prefix=name)
    user = person_from(request, form) if form.is_valid() else None
    if user is None:
        return _again(request, service, name, form)
    if name == "manager":
        fn, kw = catalog.service_add_manager, {"can_manage": form.cleaned_data["can_manage"]}
        done = _("%(name)s is now a manager of the service.")
    else:
        fn, kw = catalog.service_add_permanent_guest, {}
        done = _("%(name)s is now a permanent guest of the service.")
    _r, error = call_action(
        request, fn, form=form, actor=request.user, service=service, user=user, **kw
    )
    if error is not None:
        return _again(request, service, name, form)
    messages.success(request, done % {"name": user})
    return _back(service)


def _posted_id(request: HttpRequest) -> int:
    value = request.POST.get("member", "")
    return int(value) if value.isdigit() and len(value) < 19 else 0


def _member(request: HttpRequest, service: Service) -> User:
    members = visible_people(request.user).filter(memberships__service=service)
    user = members.filter(pk=_posted_id(request)).first()
    if user is None:
        raise Http404()
    return user


def _privileges(request: HttpRequest, service: Service) -> HttpResponse:
    user = _member(request, service)
    categories = sel.service_categories(service)
    levels = list(SupportLevel.objects.filter(desk_id=service.desk_id).order_by("rank"))
    name = f"m{user.pk}"
    form = cf.PrivilegesForm(request.POST, prefix=name, categories=categories, levels=levels)
    if form.is_valid():
        data = form.cleaned_data
        _r, error = call_action(
            request,
            catalog.service_set_privileges,
            form=form,
            actor=request.user,
            service=service,
            user=user,
            can_manage=data["can_manage"],
            categories=[c for c in categories if str(c.pk) in data["categories"]],
            level=next((lv for lv in levels if str(lv.pk) == data.get("level")), None),
        )
        if error is None:
            messages.success(request, _("Privileges of %(name)s updated.") % {"name": user})
            return _back(service)
    return _again(request, service, name, form)


def _remove(request: HttpRequest, service: Service, fn, done: str) -> HttpResponse:
    try:
        user = person_get(actor=request.user, pk=_posted_id(request))
    except DomainError:
        raise Http404() from None
    _r, error = call_action(request, fn, actor=request.user, service=service, user=user)
    if error is None:
        messages.success(request, done % {"name": user})
    return _back(service)


@staff_required
@require_POST
def service_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    service = _service(request, pk)
    if action in {"add-manager", "add-guest"}:
        return _add(request, service, "manager" if action == "add-manager" else "guest")
    if action == "privileges":
        return _privileges(request, service)
    if action == "remove-manager":
        done = _("%(name)s is no longer a manager of the service.")
        return _remove(request, service, catalog.service_remove_manager, done)
    if action == "remove-guest":
        done = _("%(name)s is no longer a permanent guest of the service.")
        return _remove(request, service, catalog.service_remove_permanent_guest, done)
    raise Http404()


@staff_required
def category_page(request: HttpRequest, pk: int, category: int) -> HttpResponse:
    """TIC-6, 002 §III.1: the category's template (default subject and message)."""
    service = _service(request, pk)
    cat = Category.objects.filter(pk=category, service=service).select_related("service").first()
    if cat is None:
        raise Http404()
    status = 200
    if request.method == "POST":
        form = cf.TemplateForm(request.POST)
        if form.is_valid():
            _r, error = call_action(
                request,
                catalog.category_set_template,
                form=form,
                actor=request.user,
                category=cat,
                **form.cleaned_data,
            )
            if error is None:
                messages.success(
                    request, _("Template of %(name)s saved.") % {"name": tr(cat, "name")}
                )
                return _back(service)
        lift_non_field_errors(request, form)
        status = 400
    else:
        form = cf.TemplateForm(
            initial={
                "subject_fr": cat.template_subject_fr,
                "subject_en": cat.template_subject_en,
                "body_fr": cat.template_body_fr,
                "body_en": cat.template_body_en,
            }
        )
    ctx = {
        "service": service,
        "category": cat,
        "form": form,
        "manager": catalog.may_manage(request.user, service),
    }
    return render(request, "console/category.html", ctx, status=status)
