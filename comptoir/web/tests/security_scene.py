"""The main pages of every role, over a small scene, for the security tests (imported, not
collected): the CSRF test renders them all and posts to each of their forms without the
token; the CSP browser test opens them in Chromium. A page added to Comptoir belongs here.
"""

from __future__ import annotations

import datetime as dt
import html.parser
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import quote, urljoin

from django.utils import timezone

from comptoir.billing import actions as billing
from comptoir.cmdb import actions as cmdb
from comptoir.tickets import actions as tickets
from comptoir.tickets.tests.helpers import file_ticket


def build(world: SimpleNamespace) -> SimpleNamespace:
    """A free ticket, one the agent holds with time logged on it, a CI under contract; the
    administrator may open the admin."""
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save(update_fields=["is_staff", "is_superuser"])
    free = file_ticket(world.customer, "spt", title="Imprimante en panne")
    held = file_ticket(world.customer, "n123", title="Création de l'utilisateur Fabrice")
    tickets.ticket_take(actor=world.agent, ticket=held)
    billing.time_log(actor=world.agent, ticket=held, minutes=30, worked_on=timezone.localdate())
    tickets.ticket_comment(actor=world.agent, ticket=held, body="En cours.", internal=True)
    ci = cmdb.ci_create(actor=world.manager, name="PC-LYON", site=world.a1, kind="PC")
    contract = cmdb.contract_create(
        actor=world.manager,
        reference="SUP-1",
        name="Support Lyon",
        kind="support",
        category="sold",
        site=world.a1,
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        cis=[ci],
    )
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    service = world.desks["spt"].services.get(slug="customer-services")
    return SimpleNamespace(
        free=quote(free.key, safe=""),
        held=quote(held.key, safe=""),
        held_pk=held.pk,
        ci=ci.pk,
        contract=contract.pk,
        org=world.org_a.pk,
        month=last_month,
        service=service.pk,
        person=world.customer.pk,
    )


# (who, path): who is an attribute of `world`, or None for a visitor; the path is formatted
# with the scene's attributes.
PAGES: list[tuple[str | None, str]] = [
    (None, "/login/"),
    (None, "/register/"),
    (None, "/account/password/reset/"),
    ("customer", "/portal/"),
    ("customer", "/portal/?q=imprimante"),
    ("customer", "/portal/new/"),
    ("customer", "/portal/new/spt/support/"),
    ("customer", "/portal/tickets/{free}/"),
    ("customer", "/portal/tickets/{held}/"),
    ("customer", "/portal/profile/"),
    ("customer", "/account/password/change/"),
    ("customer", "/account/2fa/"),
    ("customer", "/account/reauthenticate/"),
    ("customer_manager", "/portal/billing/statements/"),
    ("agent", "/console/"),
    ("agent", "/console/?q=imprimante"),
    ("agent", "/console/t/{free}/"),
    ("agent", "/console/t/{held}/"),
    ("agent", "/console/new/"),
    ("agent", "/console/new/spt/"),
    ("agent", "/console/people/?q=al"),
    ("agent", "/console/preferences/"),
    ("agent", "/console/services/"),
    ("agent", "/console/cmdb/"),
    ("agent", "/console/cmdb/{ci}/"),
    ("agent", "/console/contracts/"),
    ("agent", "/console/contracts/{contract}/"),
    ("agent", "/console/reports/me/"),
    ("agent", "/api-tokens/"),
    ("manager", "/console/services/{service}/"),
    ("manager", "/console/reports/"),
    ("manager", "/console/billing/statements/"),
    ("manager", "/console/billing/statements/{org}/{month}/"),
    ("manager", "/console/billing/rates/"),
    ("manager", "/console/billing/rates/{org}/"),
    ("manager", "/console/cmdb/new/"),
    ("manager", "/console/contracts/new/"),
    ("manager", "/console/cmdb/import/"),
    ("admin", "/admin/"),
    ("admin", "/admin/tickets/ticket/"),
    ("admin", "/admin/tickets/ticket/{held_pk}/change/"),
    ("admin", "/admin/accounts/user/{person}/change/"),
    ("admin", "/admin/catalog/category/add/"),
    ("admin", "/api/v1/docs"),
]


@dataclass
class Form:
    """A form (or an element with hx-post) as the browser would submit it."""

    action: str
    fields: dict[str, str] = field(default_factory=dict)
    has_token: bool = False


class FormParser(html.parser.HTMLParser):
    """Every POST form of a page with its fields, and every hx-post target."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.hx_posts: list[str] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "hx-post" in a:
            self.hx_posts.append(urljoin(self.url, a["hx-post"]))
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._open = Form(action=urljoin(self.url, a.get("action") or self.url))
                self.forms.append(self._open)
            return
        if self._open is None or "name" not in a:
            return
        if a["name"] == "csrfmiddlewaretoken":
            self._open.has_token = bool(a.get("value"))
        elif tag in {"input", "textarea", "select"} and a.get("type") != "file":
            self._open.fields.setdefault(a["name"], a.get("value", "x"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms_of(url: str, html_text: str) -> FormParser:
    parser = FormParser(url)
    parser.feed(html_text)
    return parser
