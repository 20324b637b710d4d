# covers: TEN-2, NOT-5, X-3, BIL-2
"""What lists, searches, counts, exports and mails show across tenants (the web pages'
matrix, url_matrix_scene's world).

Every list, search, lookup, export and count a role reaches is read with the markers of
the tickets, CIs, statements and notes out of its scope: none shows, whatever is searched
for (the markers themselves, the tickets' keys), and a count stays the same when another
such ticket appears. The same lists read by someone who does see the object show it, so
each check could fail. The links of the mails about alice's ticket open for their
recipient and for nobody else.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import resolve, reverse

from comptoir.accounts.actions import grant_visibility
from comptoir.notifications.delivery import deliver_due
from comptoir.reports.tables import TABLES
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket
from comptoir.tickets.tests.helpers import file_ticket
from comptoir.web.tests.url_matrix_checks import Answer, send
from comptoir.web.tests.url_matrix_scene import Scene

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s\"'<>]+")
QUEUES = ("free", "mine", "categories", "waiting", "following", "all")


def _get(
    client: Client, url_name: str, params: dict | None = None, kw: dict | None = None
) -> Answer:
    url = reverse(url_name, kwargs=kw or None)
    return send(client, "GET", f"{url}?{urlencode(params or {})}")


def _secrets(scene: Scene, role: str) -> tuple[str, ...]:
    """Every marker of what `role` may not see in the scene."""
    found = [scene.secret(n) for n in scene.out_tickets(role)]
    if role in ("customer", "customer_manager"):
        found += [scene.secret("internal"), scene.secret("time"), "SECRET-lille", "SECRET-berlin"]
        found += ["Beta GmbH", "98.76", "SECRET-sup"]
    if role in ("agent", "service_manager"):
        found.append(f"{scene.secret('beta')}-time")  # olga's time on bob's ticket
    if role == "other_agent":
        found.append(scene.secret("time"))  # gaston's time on alice's ticket
    return tuple(found)


def _searches(scene: Scene, role: str) -> list[dict[str, str]]:
    """No filter, then the words of each marker out of scope ("beta 7f3a" finds a ticket
    titled "SECRET-beta-7f3a …", and a page that says what was searched for does not
    repeat the whole marker), then each key out of scope."""
    names = scene.out_tickets(role)
    if role in ("customer", "customer_manager"):
        names = [*names, "internal"]  # alice's internal note: staff only
    words = [scene.secret(n).split("-", 1)[1].replace("-", " ") for n in names]
    keys = [scene.tickets[n].key for n in scene.out_tickets(role)]
    return [{}, *({"q": term} for term in (*words, *keys))]


def _lists(scene: Scene, role: str, grant: int) -> list[tuple[str, dict[str, Any], dict]]:
    """(URL name, query, URL arguments) of every list, search and export `role` reads."""
    out = scene.out_tickets(role)
    refs = [{"references": scene.tickets[n].key} for n in out]
    found: list[tuple[str, dict[str, Any], dict]] = [("api_tokens:list", {}, {})]
    if role in ("customer", "customer_manager"):
        # every list the portal offers, closed tickets included; searched in the widest
        for scope in ("mine", "site", "all", f"grant-{grant}"):
            found += [("portal:tickets", {"scope": scope, "closed": c}, {}) for c in ("", "1")]
        widest = {"scope": "all", "closed": "1"}
        found += [("portal:tickets", widest | q, {}) for q in _searches(scene, role)]
        found += [("portal:new", r, {}) for r in refs]
        found += [("portal:new_ticket", r, {"desk": "spt", "type": "support"}) for r in refs]
        found += [("portal:ticket", {}, {"key": scene.tickets["alice"].key})]
        if role == "customer":
            return found
        found += [("portal_billing:statements", {}, {})]
        found += [
            ("portal_billing:statement_export", {}, {"pk": scene.statements["alpha"].pk, "fmt": f})
            for f in ("csv", "xlsx", "pdf")
        ]
        return found
    found += [("console:queue", {"queue": queue, "state": "all"}, {}) for queue in QUEUES]
    every = {"queue": "all", "state": "all"}
    found += [("console:queue", every | q, {}) for q in _searches(scene, role)]
    other = scene.cs if role == "other_agent" else scene.sg  # a service not the role's
    found += [("console:queue", every | {"service": other.pk}, {})]
    found += [("console:new_desk", r, {"desk": "ent"}) for r in refs]
    found += [("reports:me", {}, {}), ("console:people", {"q": "o"}, {})]
    if role == "service_manager":
        found += [("reports:dashboard", {}, {}), ("reports:export_tickets", {}, {})]
        found += [("reports:export", {}, {"name": name}) for name in TABLES]
        # a service not the manager's is refused (a 400), not obeyed; ENT is theirs (DSI)
        for probe in ({"service": scene.sg.pk}, {"desk": scene.sg.desk_id}):
            found += [("reports:export_tickets", probe, {}), ("reports:dashboard", probe, {})]
        month = f"{scene.month:%Y-%m}"
        found += [
            ("billing:statement_export", {}, {"org": scene.w.org_a.pk, "month": month, "fmt": f})
            for f in ("csv", "xlsx", "pdf")
        ]
    return found


def test_lists_searches_and_exports_leave_out_what_is_out_of_scope(world, subtests):
    scene = Scene(world)
    clients = scene.clients()
    grant = grant_visibility(actor=world.admin, user=world.outsider, organisation=world.org_b).pk
    for role in ("customer", "customer_manager", "other_agent", "agent", "service_manager"):
        secrets = _secrets(scene, role)
        for name, params, kwargs in _lists(scene, role, grant):
            with subtests.test(name, role=role, query=urlencode(params)):
                answer = _get(clients[role], name, params, kwargs)
                refused = name.startswith("reports:") and "service" in params
                assert answer.status == (400 if refused else 200), str(answer)
                assert not answer.shows(secrets), answer.shows(secrets)
                assert not answer.written, answer.written
    exports = [
        ("console:cmdb_export", {"kind": "cis"}),
        ("console:cmdb_export", {"kind": "people"}),
        ("console:contracts_report_csv", {}),
        ("console:cis", {"q": "berlin 0e1f"}),
        ("console:contracts", {"q": "sup d4c1"}),
        ("reports:export_tickets", {}),
        ("billing:statements", {}),
    ]
    for role in ("customer", "customer_manager", "other_agent", "agent"):
        for name, params in exports:
            if role in ("other_agent", "agent") and name in ("console:cis", "console:contracts"):
                continue  # the provider's staff serve every tenant's CIs
            with subtests.test(name, role=role, query=urlencode(params), staff_only=True):
                answer = _get(clients[role], name, params)
                assert answer.status in (403, 404), str(answer)
                assert not answer.shows((*_secrets(scene, role), "SECRET-")), str(answer)
    with subtests.test("the same lists show it to whoever may see it"):
        admin = clients["admin"]
        for name, params in (
            ("console:queue", {"queue": "all", "state": "all", "q": scene.secret("beta")}),
            ("reports:export_tickets", {}),
        ):
            assert _get(admin, name, params).shows((scene.secret("beta"),)), name
        olga = _get(clients["other_agent"], "console:queue", {"queue": "all", "state": "all"})
        assert olga.shows((scene.secret("beta"),))
        amelie = _get(clients["customer_manager"], "portal:tickets", {"scope": "site"})
        assert amelie.shows((scene.secret("albert"),))
        alpha = {"pk": scene.statements["alpha"].pk, "fmt": "csv"}
        own = _get(clients["customer_manager"], "portal_billing:statement_export", kw=alpha)
        assert own.shows((scene.secret("alice"),))  # a statement names its tickets
        beta = {"org": world.org_b.pk, "month": f"{scene.month:%Y-%m}"}
        for fmt in ("csv", "xlsx", "pdf"):
            theirs = _get(
                clients["service_manager"], "billing:statement_export", kw=beta | {"fmt": fmt}
            )
            assert theirs.shows((scene.secret("beta"),)), fmt


def test_lookups_answer_for_a_ticket_out_of_scope_as_for_a_missing_one(world, subtests):
    """console:people with `ticket=`: the people who may follow it, or nobody at all, the
    same answer as for a key that does not exist."""
    scene = Scene(world)
    clients = scene.clients()
    for role in ("other_agent", "agent", "service_manager"):
        for name in scene.out_tickets(role):
            with subtests.test(name, role=role):
                ask = {"q": "a", "kind": "any"}
                foreign = _get(
                    clients[role], "console:people", ask | {"ticket": scene.tickets[name].key}
                )
                nothing = _get(clients[role], "console:people", ask | {"ticket": "SPT-999999"})
                assert foreign.status == nothing.status == 200
                assert foreign.text == nothing.text


def _counts(client: Client, role: str) -> list[Any]:
    """Every count a role's pages show: the queue tabs and the dashboard's, or the lists'
    lengths in the portal."""
    if role in ("customer", "customer_manager"):
        return [
            len(client.get(reverse("portal:tickets"), {"scope": s, "closed": c}).context["tickets"])
            for s in ("mine", "site", "all")
            for c in ("", "1")
        ]
    queue = client.get(reverse("console:queue"), {"state": "all"}).context["tabs"]
    me = client.get(reverse("reports:me")).context
    return [[(t[0], int(t[2])) for t in queue], [(q.code, int(q.count)) for q in me["queues"]]]


def test_counts_leave_out_tickets_out_of_scope(world, subtests):
    """A ticket filed at Berlin (olga's service) and one at Lille (SPT): each role's counts
    grow by the ones it sees, and by nothing else."""
    scene = Scene(world)
    clients = scene.clients()
    grows = {"customer": 0, "customer_manager": 0, "other_agent": 1, "agent": 1}
    grows |= {"service_manager": 1}
    before = {role: _counts(clients[role], role) for role in grows}
    file_ticket(world.outsider, "ent", cat="electricite", title="One more in Berlin")
    file_ticket(world.other_site, "spt", title="One more in Lille")
    for role, n in grows.items():
        with subtests.test("counts", role=role):
            expected = before[role]
            if role not in ("customer", "customer_manager"):  # new tickets are free ones
                expected = [
                    [
                        (code, count + n if code in ("free", "all") else count)
                        for code, count in tabs
                    ]
                    for tabs in expected
                ]
            assert _counts(clients[role], role) == expected


def _links(person: Any) -> list[str]:
    """Every http(s) link of the mails `person` received, text and HTML parts alike."""
    found = []
    for message in mail.outbox:
        if person.email not in message.to:
            continue
        parts = [message.body] + [body for body, _kind in getattr(message, "alternatives", [])]
        found += [link for part in parts for link in LINK.findall(part)]
    return sorted(set(found))


def test_the_links_of_a_mail_open_for_their_recipient_only(world, subtests):
    """Mails about alice's ticket, made by the actions and delivered: each link of alice's
    mail and of gaston's (an agent of the service) opens for its recipient; bob (another
    organisation) and olga (another service) get the 404 a missing ticket gets where the
    link names the ticket, and never a page showing it; the anonymous get the login page."""
    scene = Scene(world)
    clients = scene.clients()
    clients["bob"] = Client()
    clients["bob"].force_login(world.outsider)
    t = file_ticket(world.customer, "spt", title=f"{scene.secret('alice')} mailed")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_comment(actor=world.agent, ticket=t, body="We are on it.")
    mail.outbox.clear()
    deliver_due()
    for role, person in (("customer", world.customer), ("agent", world.agent)):
        links = _links(person)
        assert any(t.key in link for link in links), (role, links)
        for link in links:
            assert link.startswith(settings.SITE_URL), link
            path = urlsplit(link).path
            key = resolve(path).kwargs.get("key")
            titles = (Ticket.objects.get(key=key).title,) if key else (t.title,)
            with subtests.test(path, recipient=role):
                assert clients[role].get(path, follow=True).status_code == 200
                for other in ("bob", "other_agent", "anonymous"):
                    answer = send(clients[other], "GET", path)
                    if other == "anonymous":
                        assert answer.status == 302, str(answer)
                        assert answer.location.startswith("/login/"), str(answer)
                    elif key:
                        assert answer.status == 404, (other, str(answer))
                    assert not answer.shows(titles), other
                    assert not answer.written, other
