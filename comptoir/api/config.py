"""Configuration reads: desks, services, categories, types with their workflow, priorities.

A caller sees the configuration they work with, no more: the provider's staff the desks
and services they are members of (administrators every one); a customer what the portal's
new-request page offers them — the desks with a type customers may create, those types,
the desks' active categories and priorities. Labels come in the caller's language (`name`)
and raw in both (`name_fr`, `name_en`), so a script can match either. The moves allowed
NOW on one ticket are the tickets router's (they depend on the ticket and the caller).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema

from comptoir.accounts.models import User
from comptoir.api.common import actor as api_actor
from comptoir.api.common import token_desk_id
from comptoir.catalog.models import Category, Desk, Priority, Service, TicketType
from comptoir.console import selectors as console
from comptoir.core.errors import NotFound
from comptoir.core.i18n import tr
from comptoir.portal import selectors as portal
from comptoir.workflows.models import Actor, Status, Transition

router = Router(tags=["configuration"])

# The workflow moves a customer can fire on their own tickets; the others are the staff's.
CUSTOMER_ACTORS = {Actor.REQUESTER.value, Actor.OWNER.value}


# --- what the caller sees ------------------------------------------------------------------


def _sees_everything(user: User) -> bool:
    return user.is_admin


def visible_desks(user: User) -> QuerySet[Desk]:
    """Staff: the desks of their services; customers: desks they may file a request on."""
    qs = Desk.objects.filter(is_active=True)
    if _sees_everything(user):
        return qs
    if user.is_staff_member:
        return qs.filter(pk__in=[d.pk for d in console.my_desks(user)])
    return qs.filter(pk__in={t.desk_id for t in portal.creatable_types(actor=user)})


def visible_services(user: User) -> QuerySet[Service]:
    """Staff: their services; customers: the active services of their desks that hold a
    category they may choose."""
    qs = Service.objects.filter(is_active=True).select_related("desk", "level")
    if _sees_everything(user):
        return qs.filter(desk__is_active=True)
    if user.is_staff_member:
        return qs.filter(pk__in=[s.pk for s in console.my_services(user)])
    return qs.filter(pk__in=visible_categories(user).values("service_id"))


def visible_categories(user: User) -> QuerySet[Category]:
    if user.is_staff_member or _sees_everything(user):
        services = visible_services(user).values("id")
        return Category.objects.filter(service_id__in=services, is_active=True).select_related(
            "service"
        )
    ids: list[int] = []
    for desk in visible_desks(user):
        ids.extend(portal.category_choices(desk_id=desk.pk).values_list("id", flat=True))
    return Category.objects.filter(pk__in=ids).select_related("service")


def visible_types(user: User) -> QuerySet[TicketType]:
    """Staff see every type of their desks (Licence included, TIC-1); customers only the
    types they may create."""
    qs = TicketType.objects.filter(desk__in=visible_desks(user))
    if not (user.is_staff_member or _sees_everything(user)):
        qs = qs.filter(pk__in=[t.pk for t in portal.creatable_types(actor=user)])
    return qs.select_related("desk", "workflow", "convertible_to")


def visible_priorities(user: User) -> QuerySet[Priority]:
    return Priority.objects.filter(desk__in=visible_desks(user)).select_related("desk")


def _desk_filter(
    request: HttpRequest, qs: QuerySet, desk: str | None, field: str = "desk"
) -> QuerySet:
    """`desk` is a slug or an id; a desk the caller does not see yields nothing, and a token
    limited to one desk sees that desk's configuration only. `field` leads to the desk
    (empty when `qs` holds desks)."""
    to = f"{field}__" if field else ""
    limited = token_desk_id(request)
    if limited is not None:
        qs = qs.filter(**{f"{to}pk": limited})
    if not desk:
        return qs
    pk = _int_or_none(desk)
    return qs.filter(**{f"{to}pk": pk}) if pk is not None else qs.filter(**{f"{to}slug": desk})


# --- schemas ------------------------------------------------------------------------------


class DeskOut(Schema):
    id: int
    slug: str
    key_prefix: str
    name: str
    name_fr: str
    name_en: str
    description: str
    language: str
    reopen_policy: str


class ServiceOut(Schema):
    id: int
    desk: str
    slug: str
    name: str
    name_fr: str
    name_en: str
    level: str | None


class CategoryOut(Schema):
    id: int
    desk: str
    service: str
    service_id: int
    slug: str
    name: str
    name_fr: str
    name_en: str
    template_subject: str
    template_body: str


class PriorityOut(Schema):
    id: int
    desk: str
    code: str
    name: str
    name_fr: str
    name_en: str
    meaning: str
    rank: int
    is_default: bool


class WorkflowStatusOut(Schema):
    id: int
    code: str
    name: str
    name_fr: str
    name_en: str
    meaning: str
    state: str
    awaiting_party: str
    awaiting: str
    is_initial: bool
    is_final: bool
    auto_after_days: int | None = Field(
        description="the scheduler fires auto_transition after this many days here"
    )
    auto_transition: str


class WorkflowTransitionOut(Schema):
    id: int
    code: str
    name: str
    name_fr: str
    name_en: str
    from_status: str | None
    to_status: str
    actors: list[str]
    requires: list[str]
    asks_confirmation: bool
    needs_confirmation: bool
    is_reopening: bool


class WorkflowOut(Schema):
    id: int
    code: str
    name: str
    name_fr: str
    name_en: str
    statuses: list[WorkflowStatusOut]
    transitions: list[WorkflowTransitionOut]


class TypeOut(Schema):
    id: int
    desk: str
    code: str
    name: str
    name_fr: str
    name_en: str
    group: str
    customer_may_create: bool
    sla_applies: bool
    billing_mode: str
    convertible_to: str | None
    workflow: WorkflowOut


def _names(obj: object) -> dict[str, str]:
    return {"name": tr(obj, "name"), "name_fr": obj.name_fr, "name_en": obj.name_en}


def _desk_out(d: Desk) -> DeskOut:
    return DeskOut(
        id=d.pk,
        slug=d.slug,
        key_prefix=d.key_prefix,
        description=d.description,
        language=d.language,
        reopen_policy=d.reopen_policy,
        **_names(d),
    )


def _service_out(s: Service) -> ServiceOut:
    level = s.level.code if s.level_id else None
    return ServiceOut(id=s.pk, desk=s.desk.slug, slug=s.slug, level=level, **_names(s))


def _category_out(user: User, c: Category, desks: dict[int, str]) -> CategoryOut:
    subject, body = portal.template_for(actor=user, category=c)
    return CategoryOut(
        id=c.pk,
        desk=desks.get(c.service.desk_id, ""),
        service=c.service.slug,
        service_id=c.service_id,
        slug=c.slug,
        template_subject=subject,
        template_body=body,
        **_names(c),
    )


def _status_out(s: Status) -> WorkflowStatusOut:
    return WorkflowStatusOut(
        id=s.pk,
        code=s.code,
        meaning=s.meaning,
        state=s.state,
        awaiting_party=s.awaiting_party,
        awaiting=s.awaiting,
        is_initial=s.is_initial,
        is_final=s.is_final,
        auto_after_days=s.auto_after_days,
        auto_transition=s.auto_transition,
        **_names(s),
    )


def _transition_out(t: Transition, codes: dict[int, str]) -> WorkflowTransitionOut:
    return WorkflowTransitionOut(
        id=t.pk,
        code=t.code,
        from_status=codes.get(t.from_status_id) if t.from_status_id else None,
        to_status=codes.get(t.to_status_id, ""),
        actors=[str(a) for a in t.actors or []],
        requires=[str(r) for r in t.requires or []],
        asks_confirmation=t.asks_confirmation,
        needs_confirmation=t.needs_confirmation,
        is_reopening=t.is_reopening,
        **_names(t),
    )


def _types_out(user: User, types: list[TicketType]) -> list[TypeOut]:
    """Every workflow read in two queries, however many types share it."""
    flow_ids = {t.workflow_id for t in types}
    statuses: dict[int, list[Status]] = {i: [] for i in flow_ids}
    for s in Status.objects.filter(workflow_id__in=flow_ids).order_by("order", "id"):
        statuses[s.workflow_id].append(s)
    transitions: dict[int, list[Transition]] = {i: [] for i in flow_ids}
    for t in Transition.objects.filter(workflow_id__in=flow_ids).order_by("order", "id"):
        if user.is_staff_member or user.is_admin or CUSTOMER_ACTORS & set(t.actors or []):
            transitions[t.workflow_id].append(t)
    codes = {s.pk: s.code for rows in statuses.values() for s in rows}
    out = []
    for t in types:
        flow = WorkflowOut(
            id=t.workflow.pk,
            code=t.workflow.code,
            statuses=[_status_out(s) for s in statuses[t.workflow_id]],
            transitions=[_transition_out(x, codes) for x in transitions[t.workflow_id]],
            **_names(t.workflow),
        )
        out.append(
            TypeOut(
                id=t.pk,
                desk=t.desk.slug,
                code=t.code,
                group=t.group,
                customer_may_create=t.customer_may_create,
                sla_applies=t.sla_applies,
                billing_mode=t.billing_mode,
                convertible_to=t.convertible_to.code if t.convertible_to_id else None,
                workflow=flow,
                **_names(t),
            )
        )
    return out


# --- endpoints ----------------------------------------------------------------------------


@router.get("/desks", response=list[DeskOut], summary="Desks the caller works with")
def desk_list(request: HttpRequest) -> list[DeskOut]:
    qs = _desk_filter(request, visible_desks(api_actor(request)), None, field="")
    return [_desk_out(d) for d in qs.order_by("slug")]


@router.get("/desks/{desk}", response=DeskOut, summary="One desk, by id or slug")
def desk_detail(request: HttpRequest, desk: str) -> DeskOut:
    found = _desk_filter(request, visible_desks(api_actor(request)), desk, field="").first()
    if found is None:
        raise NotFound()
    return _desk_out(found)


@router.get("/services", response=list[ServiceOut], summary="Services, by desk")
def service_list(request: HttpRequest, desk: str | None = None) -> list[ServiceOut]:
    qs = _desk_filter(request, visible_services(api_actor(request)), desk)
    return [_service_out(s) for s in qs.order_by("desk__slug", "name_fr", "id")]


@router.get("/categories", response=list[CategoryOut], summary="Categories, by desk or service")
def category_list(
    request: HttpRequest, desk: str | None = None, service: str | None = None
) -> list[CategoryOut]:
    user = api_actor(request)
    qs = _desk_filter(request, visible_categories(user), desk, field="service__desk")
    if service:
        qs = qs.filter(Q(service__slug=service) | Q(service_id=_int_or_none(service)))
    desks = dict(Desk.objects.values_list("id", "slug"))
    rows = qs.order_by("service__desk__slug", "service__name_fr", "name_fr", "id")
    return [_category_out(user, c, desks) for c in rows]


@router.get("/types", response=list[TypeOut], summary="Ticket types with their workflow")
def type_list(request: HttpRequest, desk: str | None = None) -> list[TypeOut]:
    user = api_actor(request)
    qs = _desk_filter(request, visible_types(user), desk)
    return _types_out(user, list(qs.order_by("desk__slug", "order", "id")))


@router.get("/priorities", response=list[PriorityOut], summary="Priorities, by desk")
def priority_list(request: HttpRequest, desk: str | None = None) -> list[PriorityOut]:
    qs = _desk_filter(request, visible_priorities(api_actor(request)), desk)
    return [
        PriorityOut(
            id=p.pk,
            desk=p.desk.slug,
            code=p.code,
            meaning=p.meaning,
            rank=p.rank,
            is_default=p.is_default,
            **_names(p),
        )
        for p in qs.order_by("desk__slug", "rank", "id")
    ]


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None
