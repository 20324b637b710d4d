"""The world of the web pages' matrix (test_url_matrix*.py): objects on each side of every
tenant boundary, each carrying unique markers ("SECRET-beta-7f3a") in its title, comments,
file names and bytes, or notes, so an answer that shows any of it to someone out of its
scope is caught; one signed-in client per role. url_matrix_targets.py aims each URL at
these objects."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from comptoir.api.actions import token_create
from comptoir.api.tests.matrix_scene import (
    ROLE_USERS,  # the API matrix's people per role
    staff_code,
)
from comptoir.billing import actions as time_actions
from comptoir.billing import rates, statements
from comptoir.billing.models import TimeEntry, TimeTask
from comptoir.catalog.models import Category, Service, TicketType
from comptoir.cmdb.models import ConfigurationItem, Contract, ImportJob
from comptoir.console import selectors as console_sel
from comptoir.console.models import SavedQueue
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket
from comptoir.tickets.tests.helpers import file_ticket
from comptoir.web.tests.url_matrix_table import ROLES

CUSTOMERS = ("customer", "customer_manager")
MANAGE = ("service_manager", "admin")
MARK = {"alice": "3c9e", "anna": "51d2", "albert": "92b4", "beta": "7f3a"}


def upload(name: str, data: bytes = b"log") -> actions.UploadedFile:
    return actions.UploadedFile(name=name, content=io.BytesIO(data), size=len(data))


def month_before(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


class Scene:
    """alice's tickets in SPT (customer services: gaston, gisele, marc), anna's at Alpha
    Lille, albert's at Alpha Lyon, bob's at Beta in ENT's general services (olga's); CIs
    and contracts of each site; a saved view, an API token and an import of each person;
    time on alice's and bob's tickets; January-like statements of Alpha and Beta."""

    def __init__(self, world: Any) -> None:
        w = self.w = world
        self.today = timezone.localdate()
        self.month = month_before(self.today)  # ended, issued for both organisations
        self.open_month = month_before(self.month)  # ended, not issued
        self.spt_support = TicketType.objects.get(desk__slug="spt", code="support")
        self.erp = Category.objects.get(service__desk__slug="spt", slug="erp")
        self.cs = Service.objects.get(desk__slug="spt", slug="customer-services")
        self.sg = Service.objects.get(desk__slug="ent", slug="services-generaux")
        self.sg_category = Category.objects.filter(service=self.sg).order_by("pk").first()
        self.tickets = {
            "alice": self._ticket(w.customer, "alice", "spt"),
            "anna": self._ticket(w.other_site, "anna", "spt"),
            "albert": self._ticket(w.colleague, "albert", "spt"),
            "beta": self._ticket(w.outsider, "beta", "ent", cat="electricite"),
        }
        alice, bob = self.tickets["alice"], self.tickets["beta"]
        actions.ticket_comment(
            actor=w.agent, ticket=alice, body=self.secret("internal"), internal=True
        )
        self.internal_token = actions.ticket_attach(
            actor=w.agent,
            ticket=alice,
            files=[upload("secret-internal-58d0.txt", b"SECRET-internal-58d0")],
            internal=True,
        )[0].token
        actions.ticket_comment(actor=w.outsider, ticket=bob, body=f"{self.secret('beta')}-comment")
        # alice's ticket names anna's (Alpha links its sites' tickets): not a window on it
        actions.ticket_link(actor=w.agent, ticket=alice, target=self.tickets["anna"])
        self.pending = self._walk(alice_ticket(w, "spt"), ("start", {}), ("resolve", SOLVED))
        self.resolved = self._walk(
            alice_ticket(w, "itil"), ("classify", {}), ("start", {}), ("solve", SOLVED)
        )
        self.take_code = next(
            t.code for t in console_sel.moves_after_take(actor=w.agent, ticket=alice)
        )
        self.move_code = staff_code(alice)
        self._cmdb()
        self._people_things()
        self._time_and_statements()

    @staticmethod
    def secret(name: str) -> str:
        return f"SECRET-{name}-{MARK.get(name, '58d0')}"

    def _ticket(self, who: Any, name: str, desk: str, cat: str | None = None) -> Ticket:
        secret = self.secret(name)
        t = file_ticket(who, desk, cat=cat, title=f"{secret} screen", description=f"{secret}.")
        # the file's name and its bytes carry the marker: a download that leaks shows it
        files = [upload(f"{secret.lower()}.txt", f"{secret} log".encode())]
        actions.ticket_attach(actor=who, ticket=t, files=files)
        return t

    def _walk(self, t: Ticket, *moves: tuple[str, dict[str, Any]]) -> Ticket:
        for code, data in moves:
            actions.ticket_transition(actor=self.w.agent, ticket=t, code=code, data=data)
        return t

    def _cmdb(self) -> None:
        w, make = self.w, ConfigurationItem.objects.create
        self.cis = {
            "lyon": make(site=w.a1, name="Caisse Lyon"),
            "spare": make(site=w.a1, name="Caisse Lyon de secours"),
            "lille": make(site=w.a2, name="SECRET-lille-6a7b"),
            "berlin": make(site=w.b1, name="SECRET-berlin-0e1f", serial="SN-SECRET-0e1f"),
        }
        self.contracts = {}
        for name, site, ref in (("lyon", w.a1, "SUP-LYON"), ("berlin", w.b1, "SECRET-sup-d4c1")):
            c = Contract.objects.create(
                site=site, reference=ref, name=ref, kind="support", category="sold",
                starts_on=dt.date(2020, 1, 1),
            )  # fmt: skip
            c.cis.add(self.cis[name])
            self.contracts[name] = c

    def _people_things(self) -> None:
        self.views, self.tokens, self.jobs = {}, {}, {}
        for role, attr in ROLE_USERS.items():
            user = getattr(self.w, attr)
            # as on a real instance, where every person's address is recorded (verified)
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
            name = f"SECRET-view-{user.username}"
            self.views[role] = SavedQueue.objects.create(user=user, name=name, query="q=x")
            token, _secret = token_create(actor=user, name=f"SECRET-token-{user.username}")
            self.tokens[role] = token
        for role in MANAGE:
            user = getattr(self.w, ROLE_USERS[role])
            self.jobs[role] = ImportJob.objects.create(
                actor=user, kind="cis", file_format="csv",
                filename=f"secret-job-{user.username}.csv", state="checked",
            )  # fmt: skip

    def _time_and_statements(self) -> None:
        w, alice, bob = self.w, self.tickets["alice"], self.tickets["beta"]
        self.entries = {
            "alice": time_actions.time_log(
                actor=w.admin, ticket=alice, minutes=30, worked_on=self.today,
                note=self.secret("time"), consultant=w.agent,
            ),
            "beta": time_actions.time_log(
                actor=w.admin, ticket=bob, minutes=30, worked_on=self.today,
                note=f"{self.secret('beta')}-time", consultant=w.other_agent,
            ),
        }  # fmt: skip
        self.rates = {
            name: rates.rate_set(
                actor=w.admin, organisation=org, hourly_rate=amount, currency="EUR",
                rounding_minutes=15, rounding_mode="up", valid_from=self.open_month,
            )
            for name, org, amount in (("alpha", w.org_a, "80.00"), ("beta", w.org_b, "98.76"))
        }  # fmt: skip
        for t, who in ((alice, w.agent), (bob, w.other_agent)):
            for month in (self.month, self.open_month):
                task, _ = TimeTask.objects.get_or_create(
                    ticket=t,
                    month=month,
                    defaults={"organisation_id": t.organisation_id, "name": t.title},
                )
                TimeEntry.objects.create(
                    task=task, ticket=t, organisation_id=t.organisation_id, consultant=who,
                    worked_on=month + dt.timedelta(days=3), minutes=60, period=month,
                    created_by=who, note=self.secret("time" if t == alice else "beta") + "-billed",
                )  # fmt: skip
        self.statements = {
            name: statements.statement_issue(actor=w.admin, organisation=org, month=self.month)
            for name, org in (("alpha", w.org_a), ("beta", w.org_b))
        }

    # --- who is who -----------------------------------------------------------------------

    def user(self, role: str) -> Any:
        return getattr(self.w, ROLE_USERS.get(role, "agent"))

    def clients(self) -> dict[str, Client]:
        """One client per role, signed in once."""
        found = {"anonymous": Client()}
        for role in ROLES[1:]:
            found[role] = Client()
            found[role].force_login(self.user(role))
        return found

    def out_tickets(self, role: str) -> list[str]:
        """The scene's tickets a role may not see."""
        return {
            "customer": ["beta", "anna", "albert"],
            "customer_manager": ["beta", "anna"],
            "other_agent": ["alice", "anna"],
            "agent": ["beta"],
            "service_manager": ["beta"],
        }.get(role, [])


SOLVED = {"solution": "Restarted."}


def alice_ticket(w: Any, desk: str) -> Ticket:
    return file_ticket(w.customer, desk, title="Lyon printer", description="It blinks.")
