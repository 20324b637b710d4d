"""Hostile content in a real browser: the payloads of xss_corpus.py as ticket titles and
descriptions, public and internal comments, people's names, the organisation's and the
site's names, attachment names, search terms, and an HTML mail (sanitised at ingest, then
kept as text) with its subject and attachment name. The agent, the customer, the service
manager and the administrator open the pages that show them; the browser says whether any
of it ran: a call to the marker, a dialog, a request to /xss-…, or markup that only an
injection could have made.

The policy is put in report-only mode here, so what is tested is the escaping itself
(a payload that got through would run, and be reported); the enforced policy is tested
in test_browser_csp.py.
"""

from __future__ import annotations

from urllib.parse import quote, urlparse

import pytest
from django.utils import timezone

from comptoir.billing import actions as billing
from comptoir.catalog.models import TicketType
from comptoir.conftest import category, make_user
from comptoir.mailin.ingest import ingest
from comptoir.mailin.models import Mailbox
from comptoir.mailin.tests.helpers import mail
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket, upload

from .xss_corpus import DOM_SCAN, INIT_SCRIPT, PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

P = dict(PAYLOADS)


def _key(ticket) -> str:
    return quote(ticket.key, safe="")


def _hostile_scene(world) -> dict:
    """Every place a person or a mail can write text, filled with the payloads."""
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save(update_fields=["is_staff", "is_superuser"])
    world.org_a.name = P["img"][:190] + " SA"
    world.org_a.save(update_fields=["name"])
    world.a1.name = P["svg"]
    world.a1.save(update_fields=["name"])
    for person, first, last in (
        (world.customer, "dqattr", "script"),
        (world.agent, "sqattr", "textarea"),
    ):
        person.first_name, person.last_name = P[first], P[last][:150]
        person.save(update_fields=["first_name", "last_name"])
    make_user("mallory", site=world.a1, first_name=P["hxget"], last_name=P["details"])

    n = len(PAYLOADS)
    titled = {
        pid: file_ticket(world.customer, "spt", title=payload, description=PAYLOADS[(i + 1) % n][1])
        for i, (pid, payload) in enumerate(PAYLOADS)
    }
    thread = file_ticket(world.customer, "spt", title="Fil de discussion", description=P["mxss"])
    actions.ticket_take(actor=world.agent, ticket=thread)
    for i, (_pid, payload) in enumerate(PAYLOADS):
        author = world.agent if i % 2 else world.customer
        actions.ticket_comment(
            actor=author, ticket=thread, body=payload, internal=author == world.agent and i % 4 == 1
        )
    for batch in (PAYLOADS[:8], PAYLOADS[8:16]):  # at most 10 files at once
        actions.ticket_attach(
            actor=world.customer,
            ticket=thread,
            files=[upload(name=f"{payload}.txt") for _pid, payload in batch],
        )
    billing.time_log(
        actor=world.agent, ticket=thread, minutes=45, worked_on=timezone.localdate(), note=P["css"]
    )

    itil = world.desks["itil"]
    box = Mailbox.objects.create(
        desk=itil,
        address="support@comptoir.test",
        ticket_type=TicketType.objects.get(desk=itil, code="incident"),
        category=category("itil", "serveurs"),
    )
    html = "<html><body><p>Bonjour,</p>" + "".join(f"<p>{p}</p>" for _i, p in PAYLOADS)
    html += "<a href=\"javascript:__xss('maillink')\">lien</a></body></html>"
    raw = mail(
        frm=world.customer.email,
        to=box.address,
        subject=P["title"],
        body=None,
        html=html,
        files=[(P["object"].replace("/", "") + ".txt", b"x", "text/plain")],
    )
    mailed = ingest(raw, mailbox=box).ticket
    assert mailed is not None
    return {"thread": thread, "mailed": mailed, "titled": titled}


def test_hostile_content_stays_text_on_every_page(world, browser, settings):
    settings.SECURE_CSP_REPORT_ONLY, settings.SECURE_CSP = settings.SECURE_CSP, {}
    scene = _hostile_scene(world)
    thread, mailed, titled = _key(scene["thread"]), _key(scene["mailed"]), scene["titled"]
    month = timezone.localdate().strftime("%Y-%m")

    page = browser.page
    hits: list[str] = []
    requests: list[str] = []
    page.context.expose_function("__xssHit", lambda marker: hits.append(f"{page.url}: {marker}"))
    page.context.add_init_script(INIT_SCRIPT)
    page.on("dialog", lambda dialog: (hits.append(f"dialog {dialog.message}"), dialog.dismiss()))
    page.on(
        "request",
        lambda r: urlparse(r.url).path.startswith("/xss") and requests.append(r.url),
    )
    visits = {
        "gaston": [
            "/console/",
            f"/console/?q={quote(P['script'])}",
            f"/console/?q={quote(P['dqattr'])}",
            f"/console/t/{thread}/",
            f"/console/t/{mailed}/",
            f"/console/t/{_key(titled['template'])}/",
            f"/console/t/{_key(titled['hxoob'])}/",
            "/console/people/?q=mallory",
            f"/console/people/?q={quote(P['img'])}",
            "/console/reports/me/",
        ],
        "marc": [
            "/console/reports/",
            f"/console/billing/statements/{world.org_a.pk}/{month}/",
        ],
        "alice": [
            "/portal/",
            f"/portal/?q={quote(P['svg'])}",
            f"/portal/tickets/{thread}/",
            f"/portal/tickets/{mailed}/",
            f"/portal/tickets/{_key(titled['sqattr'])}/",
            "/portal/profile/",
        ],
        "root": [
            "/admin/tickets/ticket/",
            f"/admin/tickets/ticket/{scene['thread'].pk}/change/",
            "/admin/accounts/user/",
            "/admin/accounts/organisation/",
            "/admin/mailin/inboundmessage/",
        ],
    }
    injected: dict[str, list[str]] = {}
    for username, paths in visits.items():
        browser.login(username).wait_for_url(lambda url: "/login/" not in url)
        for path in paths:
            response = page.goto(browser.base_url + path)
            assert response is not None and response.status == 200, (username, path)
            page.wait_for_timeout(100)  # late handlers (an image's error, htmx's load)
            if found := page.evaluate(DOM_SCAN):
                injected[f"{username} {path}"] = found
            if path == f"/console/t/{thread}/":
                # Shown, as text, not dropped: the escaping did its work.
                assert page.get_by_text(P["script"], exact=True).count() >= 1
            if path == f"/console/t/{_key(titled['template'])}/":
                assert P["template"] in page.locator("h1").first.inner_text()
    assert hits == []
    assert requests == []
    assert injected == {}
    assert browser.csp_violations == []  # report-only: an inline payload would show here
