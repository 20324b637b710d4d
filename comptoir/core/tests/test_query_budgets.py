#
"""Query budgets: every page and API list costs a fixed number of SQL queries whatever the
number of tickets, comments, events and rows behind it (issue 9: the same count with 5 or
40 of each), and no more than its budget.

A query here is any statement but a savepoint: the test runs inside a transaction, so the
session's save on every request (`SESSION_SAVE_EVERY_REQUEST`, the idle timeout) shows as
SAVEPOINT / UPDATE / RELEASE where production sends one UPDATE in its own transaction.
Every page pays for its session (read, then saved) and its user: three of its queries.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comptoir.api.tests.helpers import api_client
from comptoir.billing.models import Statement
from comptoir.billing.statement_issue import statement_issue
from comptoir.billing.tests.test_statements import JAN, in_february  # noqa: F401 (fixture)
from comptoir.conftest import signed_in
from comptoir.core.tests.budget_scene import build, grow, kwargs_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_february")]

SMALL, LARGE = 5, 40

LIST = 12  # a list or a detail page: session (read, saved), user, its rows, its choices
# The agents' ticket page reads the ticket, the service's roster and the workflow's moves
# once each (core/readcache.py), the action forms' choices (levels, categories,
# priorities, CIs; ITIL adds the type to convert into and the waiting reasons), guests,
# links, timeline, attachments, the contracts of its CI, quotes, time entries and tasks.
# Reaching 12 would need the action forms' choices read when a form opens (htmx) and the
# side column's time panel likewise, instead of with the page.
TICKET_AGENT = 18
# The dashboard reads each metric's aggregate (backlog, volumes, times, SLA, satisfaction,
# time spent) in its own query, whatever the number of tickets; fewer would mean fewer
# tables or charts on the page, or one query returning several metrics at once.
DASHBOARD = 21

# (name, who, path, budget); {long} etc. come from budget_scene.kwargs_for.
PAGES: list[tuple[str, str, str, int]] = [
    ("console queue free", "agent", "/console/", LIST),
    ("console queue mine", "agent", "/console/?queue=mine", LIST),
    ("console queue all by priority", "agent", "/console/?queue=all&sort=priority", LIST),
    ("console queue any by status", "agent", "/console/?queue=all&state=any&sort=status", LIST),
    ("console queue following", "agent", "/console/?queue=following", LIST),
    ("console queue categories", "agent", "/console/?queue=categories", LIST),
    ("console ticket (taken)", "agent", "/console/t/{long}/", TICKET_AGENT),
    ("console ticket (free)", "agent", "/console/t/{free}/", TICKET_AGENT),
    ("console ticket (manager)", "manager", "/console/t/{long}/", TICKET_AGENT),
    ("console people", "agent", "/console/people/?q=al", LIST),
    ("console services", "manager", "/console/services/", LIST),
    ("console service", "manager", "/console/services/{service}/", LIST),
    ("console preferences", "agent", "/console/preferences/", LIST),
    ("console cis", "manager", "/console/cmdb/", LIST),
    ("console ci", "manager", "/console/cmdb/{ci}/", LIST),
    ("console contracts", "manager", "/console/contracts/", LIST),
    ("console contract", "manager", "/console/contracts/{contract}/", LIST),
    ("console contracts report", "manager", "/console/cmdb/reports/contracts/", LIST),
    ("billing statements", "admin", "/console/billing/statements/?month=2026-02", LIST),
    ("billing statement draft", "admin", "/console/billing/statements/{org}/2026-02/", LIST),
    ("billing statement issued", "admin", "/console/billing/statements/{org}/2026-01/", LIST),
    ("billing rates", "admin", "/console/billing/rates/", LIST),
    ("billing rates of org", "admin", "/console/billing/rates/{org}/", LIST),
    ("reports dashboard", "admin", "/console/reports/", DASHBOARD),
    ("reports me", "agent", "/console/reports/me/", LIST),
    ("portal my tickets", "customer", "/portal/", LIST),
    ("portal all states", "customer_manager", "/portal/?state=all", LIST),
    ("portal ticket", "customer", "/portal/tickets/{long}/", LIST),
    ("portal statements", "customer_manager", "/portal/billing/statements/", LIST),
    ("portal statement", "customer_manager", "/portal/billing/statements/{statement}/", LIST),
    ("api tickets", "api agent", "/api/v1/tickets", LIST),
    ("api tickets (customer)", "api customer", "/api/v1/tickets", LIST),
    ("api ticket", "api agent", "/api/v1/tickets/{long}", LIST),
    ("api attachments", "api agent", "/api/v1/tickets/{long}/attachments", LIST),
    ("api transitions", "api agent", "/api/v1/tickets/{free}/transitions", LIST),
    ("api guests", "api agent", "/api/v1/tickets/{long}/guests", LIST),
    ("api quotes", "api agent", "/api/v1/tickets/{long}/quotes", LIST),
    ("api time", "api agent", "/api/v1/tickets/{long}/time", LIST),
    ("api people", "api agent", "/api/v1/people?q=a", LIST),
    ("api organisations", "api agent", "/api/v1/organisations", LIST),
    ("api sites", "api agent", "/api/v1/sites", LIST),
    ("api cis", "api manager", "/api/v1/cis", LIST),
    ("api contracts", "api manager", "/api/v1/contracts", LIST),
    ("api ci contracts", "api manager", "/api/v1/cis/{ci}/contracts", LIST),
    ("api statements", "api admin", "/api/v1/statements", LIST),
    ("api desks", "api agent", "/api/v1/desks", LIST),
    ("api categories", "api agent", "/api/v1/categories?desk=ent", LIST),
    ("api types", "api agent", "/api/v1/types", LIST),
]


def is_query(sql: str) -> bool:
    return not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))


def cost(client: Client, path: str) -> int:
    cache.clear()  # the API's throttle counts: every request starts from the same cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)
    return sum(1 for q in ctx.captured_queries if is_query(q["sql"]))


def clients(world) -> dict[str, Client]:
    out: dict[str, Client] = {}
    for who in ("agent", "manager", "admin", "customer", "customer_manager"):
        out[who] = signed_in(getattr(world, who))
        out[f"api {who}"] = api_client(getattr(world, who))
    return out


def measure(cs: dict[str, Client], kw: dict) -> dict[str, int]:
    out = {}
    for name, who, path, _budget in PAGES:
        url = path.format(**kw)
        cost(cs[who], url)  # the first use of a token or a session writes its last use
        out[name] = cost(cs[who], url)
    return out


def test_every_page_costs_the_same_with_5_or_40_of_everything_within_its_budget(world):
    scene = build(world)
    issued = statement_issue(actor=world.admin, organisation=world.org_a, month=JAN)
    kw = {**kwargs_for(scene), "statement": issued.pk}
    cs = clients(world)
    few = measure(cs, kw)
    grow(scene, LARGE - SMALL)
    many = measure(cs, kw)
    table = "\n".join(f"{n:34} {few[n]:3} {many[n]:3}  (budget {b})" for n, _, _, b in PAGES)
    print(f"\n{'page':34} {SMALL:3} {LARGE:3}\n{table}")  # the numbers, with -s
    grew = [n for n in few if many[n] != few[n]]
    assert not grew, f"these pages cost more with more rows:\n{table}"
    over = [n for n, _, _, budget in PAGES if many[n] > budget]
    assert not over, f"over budget: {over}\n{table}"
    assert Statement.objects.count() == 1 and len(scene.made) == LARGE


def test_the_budget_check_fails_on_a_page_that_grows(world, monkeypatch):
    """The measure can fail: a timeline reading each event's actor apart costs one query more
    per event, and the comparison sees it."""
    from comptoir.tickets import selectors

    real = selectors.timeline
    monkeypatch.setattr(
        "comptoir.console.views.ticket.timeline",
        lambda **kw: real(**kw).select_related(None),
    )
    scene = build(world)
    c = signed_in(world.agent)
    url = f"/console/t/{scene.long.key}/"
    cost(c, url)
    few = cost(c, url)
    grow(scene, 3)
    assert cost(c, url) > few


def test_only_savepoints_are_left_out():
    assert is_query("SELECT 1") and is_query("UPDATE django_session SET x = 1")
    assert not is_query('SAVEPOINT "s1"') and not is_query('RELEASE SAVEPOINT "s1"')
