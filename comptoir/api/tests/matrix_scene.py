"""The world of the role matrix (test_matrix.py): the people of `world`, the objects in
scope and across every tenant boundary, one caller per role and token, and a snapshot of
every row a ticket write touches, to prove a refused call wrote nothing."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from functools import cached_property
from typing import Any
from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.api.actions import token_create
from comptoir.api.tests.matrix_table import CUSTOMERS, PREFIX, Entry, Target
from comptoir.billing import actions as time_actions
from comptoir.billing.models import Statement, TimeEntry, Timer, TimeTask
from comptoir.catalog.models import Category, TicketType
from comptoir.cmdb.models import ConfigurationItem, Contract
from comptoir.conftest import category, make_user
from comptoir.notifications.models import Outbox
from comptoir.tickets import actions
from comptoir.tickets.models import (
    Assessment,
    Attachment,
    Comment,
    Event,
    Guest,
    Mute,
    Ticket,
    TicketLink,
)
from comptoir.webhooks.models import WebhookDelivery
from comptoir.workflows import engine

ROLE_USERS = {
    "customer": "customer",
    "customer_manager": "customer_manager",
    "other_agent": "other_agent",
    "agent": "agent",
    "service_manager": "manager",
    "admin": "admin",
}
# Path parameters naming something a desk-limited token is held to.
DESK_BOUND = {"key", "token", "desk", "entry_id"}
COUNTED = (
    Ticket,
    Comment,
    Event,
    Attachment,
    Guest,
    TicketLink,
    Mute,
    Assessment,
    Outbox,
    WebhookDelivery,
    TimeEntry,
    TimeTask,
    Timer,
)
COUNTS_SQL = "SELECT " + ", ".join(
    f"(SELECT COUNT(*) FROM {model._meta.db_table})" for model in COUNTED
)
TICKETS_SQL = f"SELECT * FROM {Ticket._meta.db_table} ORDER BY id"


def snapshot() -> tuple[tuple[int, ...], list[tuple[Any, ...]]]:
    """Row counts of everything a ticket write touches, and every ticket row in full."""
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL)
        counts = tuple(cursor.fetchone())
        cursor.execute(TICKETS_SQL)
        return counts, cursor.fetchall()


def path_names(path: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", path))


def staff_code(ticket: Ticket) -> str:
    """A move from the ticket's status that the service's agents make with no data."""
    flow = ticket.type.workflow
    implied = {engine.take_transition(ticket.status, flow)}
    for move in engine.transitions_from(ticket.status):
        if move not in implied and not move.requires and "agent" in move.actors:
            return move.code
    raise AssertionError(f"no plain staff move from {ticket.status.code}")


def upload(name: str) -> actions.UploadedFile:
    return actions.UploadedFile(name=name, content=io.BytesIO(b"log"), size=3)


class Caller:
    """One person's calls, with their token, through the scene's shared test client."""

    def __init__(self, http: Client, secret: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, url: str) -> Any:
        return self.http.get(url, headers=self.headers)

    def post(self, url: str, data: dict[str, Any]) -> Any:
        return self.http.post(url, data, headers=self.headers)

    def generic(self, method: str, url: str, body: str = "", **extra: Any) -> Any:
        return self.http.generic(method, url, body, headers=self.headers, **extra)


class Scene:
    """The `world`, with tickets and CIs on each side of every tenant boundary."""

    def __init__(self, world: Any, http: Client) -> None:
        self.w = world
        self.http = http
        self.shared: dict[str, Target] = {}
        self.secrets: dict[tuple[Any, ...], str] = {}
        self.bea = make_user("bea", site=world.b1, first_name="Beatrix", last_name="Brandt")
        world.outsider.last_name = "Brenner"
        world.outsider.save(update_fields=["last_name"])
        self.cis = {
            "lyon": ConfigurationItem.objects.create(site=world.a1, name="Caisse Lyon"),
            "lille": ConfigurationItem.objects.create(site=world.a2, name="Caisse Lille"),
            "berlin": ConfigurationItem.objects.create(
                site=world.b1, name="Kasse Berlin", serial="SN-BERLIN-7"
            ),
        }
        self.contracts = {
            name: Contract.objects.create(
                site=site,
                reference=ref,
                name=title,
                kind="support",
                category="sold",
                starts_on=dt.date(2026, 1, 1),
            )
            for name, site, ref, title in (
                ("lyon", world.a1, "SUP-LYON", "Support Lyon"),
                ("lille", world.a2, "SUP-LILLE", "Support Lille"),
                ("berlin", world.b1, "SUP-BERLIN", "Wartung Berlin"),
            )
        }
        for name, contract in self.contracts.items():
            contract.cis.add(self.cis[name])
        self.statements = {  # issued January statements, one per customer organisation
            name: Statement.objects.create(
                organisation=org,
                month=dt.date(2026, 1, 1),
                number=f"2026-01-{org.code.upper()}",
                issued_by=world.admin,
            )
            for name, org in (("alpha", world.org_a), ("beta", world.org_b))
        }

    def client(self, role: str, **token_options: Any) -> Caller:
        """The role's caller: no token for the anonymous, else a token made for the role
        with these options (read-only, limited to a desk), made once per test."""
        if role == "anonymous":
            return Caller(self.http, "")
        key = (role, *sorted(token_options.items(), key=str))
        if key not in self.secrets:
            user = getattr(self.w, ROLE_USERS[role])
            _token, self.secrets[key] = token_create(actor=user, name="matrix", **token_options)
        return Caller(self.http, self.secrets[key])

    def file(self, who: User, desk: str, type_code: str, cat: str, title: str) -> Ticket:
        return actions.ticket_create(
            actor=who,
            desk=self.w.desks[desk],
            type=TicketType.objects.get(desk__slug=desk, code=type_code),
            category=category(desk, cat),
            title=title,
            description=f"{title}: since this morning.",
        )

    def walk(self, ticket: Ticket, *moves: tuple[str, dict[str, Any]]) -> None:
        for code, data in moves:
            actions.ticket_transition(actor=self.w.agent, ticket=ticket, code=code, data=data)

    def ticket(self, state: str) -> Ticket:
        """A fresh ticket of alice in `state` (matrix_table.Entry.ticket)."""
        alice, solved = self.w.customer, {"solution": "Restarted."}
        if state in ("convertible", "resolved"):
            t = self.file(alice, "itil", "incident", "serveurs", "Lyon server reboots")
            if state == "resolved":
                self.walk(t, ("classify", {}), ("start", {}), ("solve", solved))
        elif state == "levels":
            t = self.file(alice, "n123", "assistance", "assistance", "Lyon report is slow")
        else:
            t = self.file(alice, "spt", "support", "erp", "Lyon screen stays black")
            if state == "held":
                actions.ticket_take(actor=self.w.agent, ticket=t)
            elif state == "pending":
                self.walk(t, ("start", {}), ("resolve", solved))
            else:
                assert state == "open", state
        return Ticket.objects.select_related("status", "type__workflow").get(pk=t.pk)

    @cached_property
    def alice_second(self) -> Ticket:
        return self.file(self.w.customer, "spt", "support", "licences", "Lyon printer offline")

    @cached_property
    def anna_ticket(self) -> Ticket:
        return self.file(self.w.other_site, "spt", "support", "erp", "Lille scanner jams")

    @cached_property
    def bob_ticket(self) -> Ticket:
        t = self.file(self.w.outsider, "ent", "ticket", "electricite", "Zeppelin boiler leaks")
        return Ticket.objects.select_related("status", "type__workflow").get(pk=t.pk)

    def target(self, entry: Entry, path: str, *, fresh: bool = False, role: str = "") -> Target:
        """The object in scope for `path`: the same one for calls that must write nothing,
        a fresh one for a write, so one role's change never meets another's call. A new
        ticket names its customer when staff file it; a customer files for themself."""
        if not fresh:
            if path not in self.shared:
                self.shared[path] = self.target(entry, path, fresh=True)
            return self.shared[path]
        w = self.w
        if not entry.ticket:
            return Target(
                params={
                    "desk": "spt",
                    "org_id": w.org_a.pk,
                    "site_id": w.a1.pk,
                    "person_id": w.customer.pk,
                    "ci_id": self.cis["lyon"].pk,
                    "contract_id": self.contracts["lyon"].pk,
                    "statement_id": self.statements["alpha"].pk,
                },
                category=category("spt", "erp").pk,
                affected=None if role in CUSTOMERS else w.customer.pk,
                secrets=("Customer Services",),
            )
        return self.ticket_target(
            self.ticket(entry.ticket),
            path,
            guest=w.colleague,
            author=w.customer,
            key2=self.alice_second.key,
            invitee=w.colleague,
            assignee=w.agent2,
            consultant=w.agent,
        )

    def ticket_target(
        self,
        t: Ticket,
        path: str,
        *,
        guest: User,
        author: User,
        key2: str,
        invitee: User,
        assignee: User,
        consultant: User | None = None,
    ) -> Target:
        names = path_names(path)
        params: dict[str, Any] = {"key": t.key}
        if "code" in names:
            params["code"] = staff_code(t)
        if "user_id" in names:
            actions.ticket_invite(actor=self.w.admin, ticket=t, user=guest)
            params["user_id"] = guest.pk
        filename = f"{t.key.lower()}-log.txt"
        if "token" in names:
            stored = actions.ticket_attach(actor=author, ticket=t, files=[upload(filename)])
            params["token"] = stored[0].token
        note = f"Time on {t.key}"
        if "entry_id" in names:  # logged by an administrator for an agent of the service
            params["entry_id"] = time_actions.time_log(
                actor=self.w.admin,
                ticket=t,
                minutes=30,
                worked_on=timezone.localdate(),
                note=note,
                consultant=consultant,
            ).pk
        other = (
            Category.objects.filter(service__desk_id=t.desk_id, is_active=True)
            .exclude(pk=t.category_id)
            .order_by("id")
            .first()
        )
        return Target(
            params=params,
            key2=key2,
            invitee=invitee.pk,
            assignee=assignee.pk,
            category=other.pk,
            secrets=(t.title, t.description, t.affected.email, filename, note),
        )

    @cached_property
    def bob_target(self) -> Target:
        """Beta's ticket, in a service none of the matrix's agents belongs to, with a guest,
        an attachment and a second ticket to link: what a foreign call aims at."""
        w, t = self.w, self.bob_ticket
        second = self.file(w.outsider, "ent", "ticket", "chauffage", "Zeppelin heating cold")
        found = self.ticket_target(
            t,
            "{key}{code}{user_id}{token}{entry_id}",
            guest=self.bea,
            author=w.outsider,
            key2=second.key,
            invitee=w.agent2,
            assignee=w.other_agent,
            consultant=w.other_agent,
        )
        found.secrets += (second.title, "Brenner", "Brandt", "bea@example.test")
        return found

    def foreign(self, role: str, entry: Entry, path: str) -> Target | None:
        """Another tenant's object for `role`, None where the role sees every tenant."""
        names = path_names(path)
        if names & {"key", "token", "entry_id"}:
            if role == "other_agent":  # alice's ticket is outside olga's service
                return self.target(entry, path)
            return None if role == "admin" else self.bob_target
        if "desk" in names:
            return self.target(entry, path) if role == "other_agent" else None
        if names and role in CUSTOMERS:
            w = self.w
            return Target(
                params={
                    "org_id": w.org_b.pk,
                    "site_id": w.b1.pk,
                    "person_id": w.outsider.pk,
                    "ci_id": self.cis["berlin"].pk,
                    "contract_id": self.contracts["berlin"].pk,
                    "statement_id": self.statements["beta"].pk,
                },
                secrets=("Beta", "Berlin", "Brenner", "bob@example.test", "SN-BERLIN", "BETA"),
            )
        return None  # the provider's staff serve every tenant

    def row(self, kind: str, name: str) -> tuple[Any, str, tuple[str, ...]]:
        """A list row: its identity in the answer, a search term that finds it, its data."""
        w = self.w
        if kind == "tickets":
            t = {"alice": self.alice_second, "anna": self.anna_ticket, "bob": self.bob_ticket}
            return t[name].key, t[name].title, (t[name].title,)
        if kind == "people":
            u = {"alice": w.customer, "anna": w.other_site, "bob": w.outsider}[name]
            return u.pk, u.email, (u.email,)
        if kind == "organisations":
            o = {"alpha": w.org_a, "beta": w.org_b}[name]
            return o.pk, o.name, (o.name,)
        if kind == "sites":
            s = {"lyon": w.a1, "lille": w.a2, "berlin": w.b1}[name]
            return s.pk, s.name, (s.name,)
        if kind == "cis":
            c = self.cis[name]
            return c.pk, c.name, (c.name,)
        if kind == "contracts":
            k = self.contracts[name]
            return k.pk, k.reference, (k.reference, k.name)
        if kind == "statements":
            st = self.statements[name]
            return st.pk, "", (st.number,)
        desk = w.desks[name]
        return desk.slug, "", (desk.name_fr,)


def call(client: Caller, method: str, path: str, target: Target, entry: Entry) -> Any:
    url = PREFIX + path.format(**{k: quote(str(v), safe="") for k, v in target.params.items()})
    if entry.multipart:
        file = SimpleUploadedFile("matrix.txt", b"matrix", content_type="text/plain")
        return client.post(url, {"file": file})
    if entry.body is None:
        return client.generic(method, url)
    body = json.dumps(entry.body(target))
    return client.generic(method, url, body, content_type="application/json")


def content(response: Any) -> bytes:
    if response.streaming:  # consuming it closes it, as a WSGI server would
        return b"".join(response.streaming_content)
    return response.content
