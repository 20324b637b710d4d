"""`comptoir demo`: a provider running the four preset desks, with people and tickets.

Loads any preset not loaded yet, then, unless the demo is already there (its provider
organisation is the marker), creates organisations, sites, departments and people, and
plays the ticket stories of `comptoir/core/demo.py` through the ticket actions; all in one
transaction. Running it twice changes nothing. It always ends with the demo logins.
The passwords are demo-only and deliberately weak: never run this on a production instance.
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from comptoir.accounts.models import Department, Organisation, Role, Site, User, VisibilityGrant
from comptoir.catalog.models import Desk, PermanentGuest, ServiceMember
from comptoir.core.demo import play_stories
from comptoir.core.errors import DomainError
from comptoir.workflows.presets import PRESET_NAMES
from comptoir.workflows.presets.loader import load_preset

MARKER = "comptoir-demo"  # code of the demo provider organisation: present = demo built
PASSWORDS = {"admin": "admin"}  # everyone else: "demo"
DEFAULT_PASSWORD = "demo"  # noqa: S105 (demo-only, printed in the logins table)

# fmt: off
# (name, code, [(site name, customer number, division, [departments])])
ORGANISATIONS = [
    ("Boulangeries Martin SA", "martin", [
        ("Martin Lyon", "MLY", "Sud", ["Comptabilité", "Production"]),
        ("Martin Lille", "MLI", "Nord", ["Logistique"]),
    ]),
    ("Northwind Traders Ltd", "northwind", [
        ("Northwind London", "NWL", "", ["Finance", "IT"]),
        ("Northwind Manchester", "NWM", "", ["Warehouse"]),
    ]),
    ("Clinique des Tilleuls", "tilleuls", [
        ("Tilleuls Bordeaux", "CTB", "", ["Accueil", "Pharmacie"]),
    ]),
]

A, M, C, CM = Role.AGENT, Role.SERVICE_MANAGER, Role.CUSTOMER, Role.CUSTOMER_MANAGER
# (username, first name, last name, role, language, site code, department, what to try)
PEOPLE = [
    ("admin", "Admin", "Comptoir", Role.ADMIN, "en", None, None,
     "/admin/: every desk, workflow, ticket and outbox row; Billing: statements and rates"),
    ("claire", "Claire", "Dubois", A, "fr", None, None, "spt agent (FrontDesk): SPT- tickets"),
    ("oliver", "Oliver", "Smith", A, "en", None, None, "spt agent, English"),
    ("helene", "Hélène", "Girard", M, "fr", None, None,
     "spt service manager; filed a Licence request by phone (AG-7)"),
    ("julien", "Julien", "Moreau", A, "fr", None, None, "ent agent, DSI service"),
    ("emma", "Emma", "Wilson", A, "en", None, None, "ent agent, DSI; transferred a ticket (AG-4)"),
    ("paul", "Paul", "Lefèvre", A, "fr", None, None, "ent agent, Services généraux"),
    ("nathalie", "Nathalie", "Roche", M, "fr", None, None,
     "ent service manager of both services; reassigned a ticket (AG-2)"),
    ("dominique", "Dominique", "Faure", A, "fr", None, None,
     "permanent guest of ent/DSI: follows every new DSI ticket (AG-6)"),
    ("thomas", "Thomas", "Petit", A, "fr", None, None, "itil agent (IT- tickets)"),
    ("grace", "Grace", "Taylor", A, "en", None, None, "itil agent; converted an incident (TIC-7)"),
    ("isabelle", "Isabelle", "Blanc", M, "fr", None, None, "itil service manager"),
    ("lucas", "Lucas", "Bernard", A, "fr", None, None,
     "n123 agent, level N1: time logged on tickets, My dashboard"),
    ("chloe", "Chloé", "Garnier", A, "fr", None, None, "n123 agent, level N2: quotes (WF-6)"),
    ("henry", "Henry", "Brown", A, "en", None, None, "n123 agent, level N3: escalated ticket"),
    ("victor", "Victor", "Lambert", M, "fr", None, None,
     "n123 service manager, N1 to N3: Reports with ten weeks of history"),
    ("amandine", "Amandine", "Roux", C, "fr", "MLY", "Comptabilité",
     "spt customer: a resolution to confirm or refute (WF-5), a question to answer"),
    ("bruno", "Bruno", "Perrin", C, "fr", "MLY", "Production",
     "ent customer: a closure awaiting his approval"),
    ("celine", "Céline", "Fontaine", C, "fr", "MLI", "Logistique",
     "n123 customer: a quote awaiting her approval (WF-6)"),
    ("mathilde", "Mathilde", "Vidal", CM, "fr", "MLY", None,
     "customer manager: every Boulangeries Martin ticket (TEN-3), Statements"),
    ("james", "James", "Walker", C, "en", "NWL", "Finance",
     "itil customer: a change awaiting his approval (WF-7), a solved incident"),
    ("olivia", "Olivia", "Clark", C, "en", "NWM", "Warehouse",
     "n123 customer: an answer to confirm (reponse envoyee); itil tickets"),
    ("lea", "Léa", "Mercier", C, "fr", "CTB", "Accueil",
     "ent: a request for information to answer; itil: a solved request"),
    ("hugo", "Hugo", "Marchand", C, "fr", "CTB", "Pharmacie",
     "ent: a refused ticket; itil: a postponed request"),
]

# (username, desk, service slug, can_manage)
MEMBERS = [
    ("claire", "spt", "customer-services", False),
    ("oliver", "spt", "customer-services", False),
    ("helene", "spt", "customer-services", True),
    ("julien", "ent", "dsi", False),
    ("emma", "ent", "dsi", False),
    ("paul", "ent", "services-generaux", False),
    ("nathalie", "ent", "dsi", True),
    ("nathalie", "ent", "services-generaux", True),
    ("thomas", "itil", "infrastructure", False),
    ("thomas", "itil", "applications", False),
    ("grace", "itil", "infrastructure", False),
    ("grace", "itil", "applications", False),
    ("isabelle", "itil", "infrastructure", True),
    ("isabelle", "itil", "applications", True),
    ("lucas", "n123", "support-n1", False),
    ("chloe", "n123", "support-n2", False),
    ("henry", "n123", "support-n3", False),
    ("victor", "n123", "support-n1", True),
    ("victor", "n123", "support-n2", True),
    ("victor", "n123", "support-n3", True),
]
PERMANENT_GUESTS = [("dominique", "ent", "dsi")]
# fmt: on


def demo_present() -> bool:
    return Organisation.objects.filter(code=MARKER).exists()


def logins() -> list[tuple[str, str, str, str]]:
    """(username, password, role, what to try) for every demo person, in PEOPLE order."""
    with translation.override("en"):
        roles = {value: str(label) for value, label in Role.choices}
    return [(p[0], PASSWORDS.get(p[0], DEFAULT_PASSWORD), roles[p[3]], p[7]) for p in PEOPLE]


def create_people() -> dict[str, User]:
    """The demo provider, customer organisations, sites, departments, people, memberships."""
    provider = Organisation.objects.create(
        name="Comptoir Services (démo)", code=MARKER, is_provider=True, registration_open=False
    )
    sites: dict[str, Site] = {}
    departments: dict[tuple[str, str], Department] = {}
    for name, code, site_rows in ORGANISATIONS:
        org = Organisation.objects.create(name=name, code=code)
        for site_name, number, division, depts in site_rows:
            site = Site.objects.create(
                organisation=org, name=site_name, code=number, division=division
            )
            sites[number] = site
            for dept in depts:
                departments[number, dept] = Department.objects.create(site=site, name=dept)
    # Hash each password once (a hash is slow on purpose); the validators do not run
    # here on purpose (demo-only passwords).
    hashes = {pw: make_password(pw) for pw in {DEFAULT_PASSWORD, *PASSWORDS.values()}}
    people: dict[str, User] = {}
    for username, first, last, role, lang, site_code, dept, _try in PEOPLE:
        site = sites.get(site_code) if site_code else None
        domain = (site.organisation.code if site else "comptoir") + ".example"
        is_admin = role == Role.ADMIN
        people[username] = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@{domain}",
            password=hashes[PASSWORDS.get(username, DEFAULT_PASSWORD)],
            role=role,
            language=lang,
            site=site,
            organisation=site.organisation if site else provider,
            department=departments.get((site_code, dept)) if dept else None,
            is_staff=is_admin,
            is_superuser=is_admin,
        )
    # Verified addresses: the demo works with COMPTOIR_EMAIL_VERIFICATION=mandatory too.
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in people.values()
    )
    VisibilityGrant.objects.create(
        user=people["mathilde"], organisation=Organisation.objects.get(code="martin")
    )
    for username, desk, slug, can_manage in MEMBERS:
        service = Desk.objects.get(slug=desk).services.get(slug=slug)
        ServiceMember.objects.create(
            service=service, user=people[username], can_manage=can_manage, level=service.level
        )
    for username, desk, slug in PERMANENT_GUESTS:
        service = Desk.objects.get(slug=desk).services.get(slug=slug)
        PermanentGuest.objects.create(service=service, user=people[username])
    return people


class Command(BaseCommand):
    help = "Build the demo: four desks, customers, agents, tickets in every status; idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        loaded = set(Desk.objects.filter(slug__in=PRESET_NAMES).values_list("slug", flat=True))
        for name in PRESET_NAMES:
            if name not in loaded:
                load_preset(name)
                self.stdout.write(f"preset {name} loaded")
        if demo_present():
            self.stdout.write("demo data already present")
        else:
            started = time.monotonic()
            try:
                with transaction.atomic():  # all or nothing
                    people = create_people()
                    tickets = play_stories(people)
            except DomainError as exc:  # e.g. a preset edited so that a story no longer fits
                raise CommandError(f"the demo could not be built ({exc.code}): {exc}") from exc
            self.stdout.write(
                f"demo built: {len(people)} people, {len(tickets)} tickets "
                f"in {time.monotonic() - started:.1f} s"
            )
        self.stdout.write("")
        self.stdout.write(table(["username", "password", "role", "what to try"], logins()))
        self.stdout.write("Demo passwords only: never use this data on a real instance.")


def table(header: list[str], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(row) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return "\n".join([line, fmt(header), line, *(fmt(r) for r in rows), line])
