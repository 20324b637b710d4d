"""Workload W around the presets: 50 customer organisations with 4 sites each, 5,000
customers (one customer manager per site), 100 agents (a few service managers) spread over
20 services of 5 categories each, and an administrator; then the `World` the ticket
generator draws from (seed_gen.py).

The presets bring 8 services and 16 categories; the others are added to the desks without
support levels (spt, ent, itil), so the n123 desk keeps its level routing. Everyone shares
one password, hashed once.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from comptoir.bench.seed_text import CITY, company_name, person_name

ORGANISATIONS, SITES_EACH, CUSTOMERS, AGENTS, MANAGERS = 50, 4, 5000, 100, 8
SERVICES, CATEGORIES_EACH = 20, 5
PASSWORD = "comptoir-bench"  # noqa: S105 (a benchmark workload's shared password)
RATED = 5  # organisations with an hourly rate
EXTRA_SERVICES = [
    ("reseau", "Réseau et télécoms", "Network and telecoms"),
    ("postes", "Postes de travail", "Workstations"),
    ("messagerie", "Messagerie", "E-mail"),
    ("securite", "Sécurité", "Security"),
    ("telephonie", "Téléphonie", "Telephony"),
    ("metier", "Applications métier", "Business applications"),
    ("donnees", "Données et sauvegardes", "Data and backups"),
    ("acces", "Comptes et accès", "Accounts and access"),
]
CATEGORY_NAMES = [
    ("panne", "Panne", "Outage"),
    ("lenteur", "Lenteur", "Slowness"),
    ("acces-refuse", "Accès refusé", "Access denied"),
    ("installation", "Installation", "Installation"),
    ("demande-info", "Demande d'information", "Question"),
    ("materiel", "Matériel", "Hardware"),
    ("configuration", "Configuration", "Configuration"),
    ("mise-a-jour", "Mise à jour", "Update"),
]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def ascii_slug(*parts: str) -> str:
    text = ".".join(parts).lower().replace(" ", "")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _catalogue() -> list[Any]:
    """Services up to SERVICES and categories up to CATEGORIES_EACH each; the services."""
    from comptoir.catalog.models import Category, Desk, Service

    desks = [d for d in Desk.objects.order_by("slug") if not d.levels.exists()]
    missing = SERVICES - Service.objects.count()
    extra = iter(EXTRA_SERVICES * 3)
    new = []
    for i in range(max(missing, 0)):
        slug, fr, en = next(extra)
        desk = desks[i % len(desks)]
        new.append(Service(desk=desk, slug=f"{slug}-{i}", name_fr=fr, name_en=en))
    Service.objects.bulk_create(new)
    services = list(Service.objects.select_related("desk").order_by("pk"))
    have = defaultdict(set)
    for service_id, slug in Category.objects.values_list("service_id", "slug"):
        have[service_id].add(slug)
    cats = []
    for s in services:
        free = [c for c in CATEGORY_NAMES if c[0] not in have[s.pk]]
        for slug, fr, en in free[: max(CATEGORIES_EACH - len(have[s.pk]), 0)]:
            cats.append(Category(service=s, slug=slug, name_fr=fr, name_en=en))
    Category.objects.bulk_create(cats)
    return services


def setup(seed: int) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from comptoir.accounts.models import Organisation, Role, Site, User
    from comptoir.catalog.models import ServiceMember

    rng = random.Random(seed)  # noqa: S311 (a reproducible workload, not secrets)
    hashed = make_password(PASSWORD)
    with transaction.atomic():
        services = _catalogue()
        provider = Organisation.objects.create(
            name="Comptoir Services (bench)", code="bench-provider", is_provider=True
        )
        orgs, names = [], set()
        for i in range(ORGANISATIONS):
            lang = "en" if i % 5 in (1, 3) else "fr"
            name = company_name(rng, lang)
            name = name if name not in names else f"{name} ({i})"
            names.add(name)
            orgs.append(Organisation(name=name, code=f"bench-client-{i:02d}"))
        orgs = Organisation.objects.bulk_create(orgs)
        langs = {o.pk: ("en" if i % 5 in (1, 3) else "fr") for i, o in enumerate(orgs)}
        sites = Site.objects.bulk_create(
            Site(
                organisation=o,
                name=f"{CITY[langs[o.pk]][(i * 7 + j) % 20]} {j + 1}",
                code=f"W{i:02d}{'ABCD'[j]}",
                division=("Nord", "Sud")[j % 2],
            )
            for i, o in enumerate(orgs)
            for j in range(SITES_EACH)
        )
        people = []

        def person(role: str, k: int, lang: str, **where: Any) -> User:
            first, last = person_name(rng, lang)
            username = f"{ascii_slug(first, last)}{k}"
            org = where.pop("organisation", None) or where["site"].organisation
            return User(
                username=username, password=hashed, first_name=first, last_name=last,
                email=f"{username}@{org.code}.example", role=role, language=lang,
                organisation=org, **where,
            )  # fmt: skip

        admin = person(Role.ADMIN, 0, "fr", organisation=provider)
        admin.username, admin.is_superuser, admin.is_staff = "bench.admin", True, True
        people.append(admin)
        for k in range(AGENTS):
            role = Role.SERVICE_MANAGER if k < MANAGERS else Role.AGENT
            people.append(person(role, k + 1, ("fr", "en")[k % 4 == 3], organisation=provider))
        per_site = CUSTOMERS // len(sites)
        for n, site in enumerate(sites):
            for j in range(per_site):
                role = Role.CUSTOMER_MANAGER if j == 0 else Role.CUSTOMER
                k = 1000 + n * per_site + j
                people.append(person(role, k, langs[site.organisation_id], site=site))
        people = User.objects.bulk_create(people, batch_size=1000)
        agents = people[1 : AGENTS + 1]
        members = []
        for k, agent in enumerate(agents):
            mine = {k % SERVICES, (k * 7 + 3) % SERVICES}
            for idx in sorted(mine):
                s = services[idx]
                members.append(
                    ServiceMember(
                        service=s, user=agent, can_manage=k < MANAGERS, level_id=s.level_id
                    )
                )
        ServiceMember.objects.bulk_create(members)
    customers = people[AGENTS + 1 :]
    sample_agent = agents[MANAGERS + 2]
    sample_customer_manager = next(c for c in customers if c.role == Role.CUSTOMER_MANAGER)
    service_of = defaultdict(list)
    for m in members:
        service_of[m.user_id].append(m.service_id)
    return {
        "rated": [o.pk for o in orgs[:RATED]],
        "rates_from": date(date.today().year - 2, 1, 1),
        "sample_agent": sample_agent.pk,
        "manifest": {
            "password": PASSWORD,
            "admin": admin.username,
            "agents": [
                {"username": a.username, "id": a.pk, "services": service_of[a.pk]}
                for a in agents[MANAGERS : MANAGERS + 10]
            ],
            "agent": {
                "username": sample_agent.username,
                "id": sample_agent.pk,
                "services": service_of[sample_agent.pk],
            },
            "service_manager": {
                "username": agents[0].username,
                "services": service_of[agents[0].pk],
            },
            "customers": [
                {"username": c.username, "organisation": c.organisation_id, "site": c.site_id}
                for c in customers[1:200:20]
            ],
            "customer_manager": {
                "username": sample_customer_manager.username,
                "organisation": sample_customer_manager.organisation_id,
                "site": sample_customer_manager.site_id,
            },
        },
    }


def world(people: dict[str, Any]):
    """Everything the generator needs, read once."""
    from django.db.models import Q
    from django.utils import timezone

    from comptoir.accounts.models import Organisation, Role, User
    from comptoir.bench.seed_gen import TypeInfo, World
    from comptoir.catalog.models import Category, Desk, Priority, ServiceMember, TicketType
    from comptoir.sla.models import SlaPolicy
    from comptoir.workflows.models import Status, Transition

    statuses: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    status_info, initial = {}, {}
    for s in Status.objects.order_by("workflow_id", "order", "pk"):
        statuses[s.workflow_id][s.state].append(s.pk)
        label = {"id": s.pk, "fr": s.name_fr, **({"en": s.name_en} if s.name_en else {})}
        status_info[s.pk] = {
            "label": json.dumps(label, ensure_ascii=False),
            "sla": s.sla_effect,
            "state": s.state,
        }
        if s.is_initial:
            initial.setdefault(s.workflow_id, s.pk)
    types = defaultdict(list)
    for t in TicketType.objects.order_by("desk_id", "order"):
        types[t.desk_id].append(
            TypeInfo(t.pk, t.desk_id, t.workflow_id, t.default_level_id, t.sla_applies,
                     t.customer_may_create, t.billing_mode == "time")
        )  # fmt: skip
    priorities = defaultdict(list)
    for p in Priority.objects.order_by("desk_id", "rank"):
        priorities[p.desk_id].append((p.pk, p.rank))
    targets = {}
    for pol in SlaPolicy.objects.filter(type__isnull=True, priority__isnull=False):
        if pol.resolution_minutes:
            targets[pol.priority_id] = (
                pol.first_response_minutes or pol.resolution_minutes,
                pol.resolution_minutes,
                pol.warning_percent,
            )
    orgs, cumulative = [], 0.0
    clients = Organisation.objects.filter(is_provider=False, code__startswith="bench-client-")
    for rank, (pk, code) in enumerate(clients.order_by("code").values_list("pk", "code")):
        cumulative += 1 / (rank + 1) ** 0.6  # a few large customers, a long tail
        orgs.append((pk, "en" if int(code[-2:]) % 5 in (1, 3) else "fr", cumulative))
    sites, customers, managers = defaultdict(list), defaultdict(list), {}
    labels = {}
    for pk, role, site, org, first, last in (
        User.objects.filter(Q(site__isnull=False) | Q(role__in=[Role.AGENT, Role.SERVICE_MANAGER]))
        .order_by("pk")
        .values_list("pk", "role", "site_id", "organisation_id", "first_name", "last_name")
    ):
        labels[pk] = json.dumps({"id": pk, "name": f"{first} {last}"}, ensure_ascii=False)
        if role == Role.CUSTOMER_MANAGER:
            managers[site] = pk
        if role in (Role.CUSTOMER, Role.CUSTOMER_MANAGER) and site:
            customers[site].append(pk)
            if site not in sites[org]:
                sites[org].append(site)
    agents = defaultdict(list)
    for service_id, user_id in ServiceMember.objects.order_by("pk").values_list(
        "service_id", "user_id"
    ):
        agents[service_id].append(user_id)
    categories = [
        (c.pk, c.service_id, c.service.desk_id, c.service.level_id)
        for c in Category.objects.select_related("service").order_by("pk")
        if agents[c.service_id]
    ]
    transitions = {}
    for code, src, dst in Transition.objects.order_by("order", "pk").values_list(
        "code", "from_status_id", "to_status_id"
    ):
        transitions.setdefault((src, dst), code)
    desks = {
        d.pk: {"prefix": d.key_prefix, "language": d.language, "next": d.next_number}
        for d in Desk.objects.order_by("pk")
    }
    sample = people["sample_agent"]
    return World(
        now=int(timezone.now().timestamp()), desks=desks, categories=categories, types=types,
        statuses=statuses, initial=initial, status_info=status_info, transitions=transitions,
        priorities=priorities, targets=targets, orgs=orgs, sites=sites, customers=customers,
        managers=managers, agents=agents, user_label=labels,
        sample_services=set(ServiceMember.objects.filter(user_id=sample).values_list(
            "service_id", flat=True)),
        sample_agent=sample,
    )  # fmt: skip


def sample_file(media_root: Path | str) -> str:
    """The one small file every seeded attachment row points at."""
    path = Path(media_root) / "bench" / "capture.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    return str(path)


def counts() -> dict[str, int]:
    from django.apps import apps

    names = [
        "accounts.Organisation", "accounts.Site", "accounts.User", "catalog.Service",
        "catalog.Category", "catalog.ServiceMember", "tickets.Ticket", "tickets.Comment",
        "tickets.Event", "tickets.Attachment", "billing.TimeTask", "billing.TimeEntry",
        "billing.Rate",
    ]  # fmt: skip
    return {n: apps.get_model(n).objects.count() for n in names}


def usernames(ids) -> list[dict[str, Any]]:
    from comptoir.accounts.models import User

    rows = User.objects.filter(pk__in=set(ids)).order_by("pk")
    return [
        {"username": u, "organisation": o, "site": s}
        for u, o, s in rows.values_list("username", "organisation_id", "site_id")[:10]
    ]


def rate_organisation(time_orgs: dict[int, int]) -> dict[str, Any] | None:
    """The rated customer with the most tickets on time, for the statement export."""
    from comptoir.billing.models import Rate

    rated = set(Rate.objects.values_list("organisation_id", flat=True))
    best = max(((n, org) for org, n in time_orgs.items() if org in rated), default=None)
    if not best:
        return None
    from comptoir.accounts.models import Organisation

    org = Organisation.objects.get(pk=best[1])
    return {"id": org.pk, "code": org.code, "name": org.name, "tickets_with_time": best[0]}
