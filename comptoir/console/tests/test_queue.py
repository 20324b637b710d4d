# covers: AG-1, AG-2, POR-2, X-4
"""Queues: free tickets of my services, mine, my categories', waiting on the customer, those I
follow; filters, sorting, keyset pages, saved views, and the live htmx fragment."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from comptoir.catalog.models import ServiceMember
from comptoir.conftest import category
from comptoir.console import selectors as sel
from comptoir.console.models import SavedQueue
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

QUEUE = "/console/"


def keys(response) -> list[str]:
    """The ticket keys of the queue rows, in order."""
    html = response.content.decode()
    return re.findall(r'<td class="key"><a href="[^"]+">([^<]+)</a>', html)


def test_free_and_mine(world, login):
    free = file_ticket(world.customer, "ent", title="Libre")
    taken = file_ticket(world.customer, "ent", title="Pris")
    actions.ticket_take(actor=world.agent, ticket=taken)
    c = login(world.agent)
    assert keys(c.get(QUEUE)) == [free.key]  # "free" is the default queue
    assert keys(c.get(QUEUE, {"queue": "mine"})) == [taken.key]
    assert set(keys(c.get(QUEUE, {"queue": "all"}))) == {free.key, taken.key}
    # gisele sees the free one; it is not hers.
    c2 = login(world.agent2)
    assert keys(c2.get(QUEUE)) == [free.key]
    assert keys(c2.get(QUEUE, {"queue": "mine"})) == []


def test_the_free_queue_offers_take_in_the_row(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    page = c.get(QUEUE).content.decode()
    assert reverse("console:action", kwargs={"key": t.key, "action": "take"}) in page
    assert f'data-row-link="{reverse("console:ticket", kwargs={"key": t.key})}"' in page


def test_my_categories(world, login):
    mine = file_ticket(world.customer, "ent", cat="messagerie")
    other = file_ticket(world.customer, "ent", cat="reseau")
    m = ServiceMember.objects.get(user=world.agent, service__slug="dsi")
    m.categories.add(category("ent", "messagerie"))
    c = login(world.agent)
    assert keys(c.get(QUEUE, {"queue": "categories"})) == [mine.key]
    assert other.key in keys(c.get(QUEUE, {"queue": "all"}))


def test_waiting_on_customer(world, login):
    asked = file_ticket(world.customer, "ent")
    actions.ticket_take(
        actor=world.agent, ticket=asked, then="request_info", comment="Quel poste ?"
    )
    file_ticket(world.customer, "ent")
    assert keys(login(world.agent2).get(QUEUE, {"queue": "waiting"})) == [asked.key]


def test_following(world, login):
    t = file_ticket(world.customer, "ent")
    actions.ticket_transfer(
        actor=world.agent, ticket=t, category=category("ent", "chauffage"), stay_as_guest=True
    )
    c = login(world.agent)
    assert keys(c.get(QUEUE, {"queue": "following"})) == [t.key]
    assert keys(c.get(QUEUE)) == []  # not free in one of my services


def test_states(world, login):
    t = file_ticket(world.customer, "ent")
    actions.ticket_take(actor=world.agent, ticket=t, then="refuse", data={"reason": "Non"})
    c = login(world.agent)
    assert keys(c.get(QUEUE, {"queue": "mine"})) == []
    assert keys(c.get(QUEUE, {"queue": "mine", "state": "closed"})) == [t.key]
    assert keys(c.get(QUEUE, {"queue": "mine", "state": "any"})) == [t.key]


def test_filters(world, login):
    ent = file_ticket(world.customer, "ent", title="Clavier cassé", personal_reference="PO-77")
    spt = file_ticket(world.customer, "spt", title="Licence manquante")
    c = login(world.agent)
    assert keys(c.get(QUEUE, {"desk": world.desks["spt"].pk})) == [spt.key]
    assert keys(c.get(QUEUE, {"q": "clavier"})) == [ent.key]
    assert keys(c.get(QUEUE, {"q": spt.key})) == [spt.key]
    assert keys(c.get(QUEUE, {"q": "PO-77"})) == [ent.key]
    assert keys(c.get(QUEUE, {"status": spt.status_id})) == [spt.key]
    assert keys(c.get(QUEUE, {"service": ent.service_id})) == [ent.key]
    # Nonsense in the query string falls back to defaults rather than failing.
    r = c.get(QUEUE, {"desk": "x", "queue": "nope", "sort": "evil", "after": "%%%", "state": "z"})
    assert r.status_code == 200 and set(keys(r)) == {ent.key, spt.key}


def test_sort_by_priority(world, login):
    desk = world.desks["ent"]
    low = file_ticket(world.customer, "ent", priority=desk.priorities.get(code="basse"))
    urgent = file_ticket(world.customer, "ent", priority=desk.priorities.get(code="urgente"))
    normal = file_ticket(world.customer, "ent")
    c = login(world.agent)
    assert keys(c.get(QUEUE, {"sort": "priority"})) == [urgent.key, normal.key, low.key]
    assert keys(c.get(QUEUE)) == [normal.key, urgent.key, low.key]  # last updated first
    assert keys(c.get(QUEUE, {"sort": "oldest"})) == [low.key, urgent.key, normal.key]


@pytest.mark.parametrize("sort", list(sel.SORTS))
def test_keyset_pages_walk_forward_and_back(world, login, monkeypatch, sort):
    monkeypatch.setattr(sel, "PAGE_SIZE", 5)
    desk = world.desks["ent"]
    prios = list(desk.priorities.all())
    made = [
        file_ticket(world.customer, "ent", title=f"T{i}", priority=prios[i % len(prios)])
        for i in range(12)
    ]
    c = login(world.agent)
    pages, url = [], f"{QUEUE}?sort={sort}"
    while url:
        r = c.get(url)
        pages.append(keys(r))
        nxt = re.search(r'<a href="([^"]+)"[^>]*rel="next"', r.content.decode())
        url = nxt.group(1).replace("&amp;", "&") if nxt else ""
    assert [len(p) for p in pages] == [5, 5, 2]
    seen = [k for p in pages for k in p]
    assert sorted(seen) == sorted(t.key for t in made)  # every ticket once
    # Back from the last page gives the middle page again.
    prev = re.search(r'<a href="([^"]+)"[^>]*rel="prev"', r.content.decode())
    assert keys(c.get(prev.group(1).replace("&amp;", "&"))) == pages[1]


def test_tab_counts_stop_at_the_cap(world, login, monkeypatch):
    monkeypatch.setattr(sel, "COUNT_CAP", 3)
    for _ in range(4):
        file_ticket(world.customer, "ent")
    page = login(world.agent).get(QUEUE).content.decode()
    assert '<span class="count">2+</span>' in page


def test_live_refresh_is_an_htmx_fragment(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    page = c.get(QUEUE, {"desk": world.desks["ent"].pk}).content.decode()
    assert 'id="queue-table"' in page and 'hx-trigger="every 30s"' in page
    assert 'hx-target="#queue-table"' in page  # the filters refresh the table in place
    fragment = c.get(QUEUE, {"desk": world.desks["ent"].pk}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="queue-table"')
    assert t.key in html
    assert f"desk={world.desks['ent'].pk}" in html  # it refreshes with the same filters
    assert 'hx-swap-oob="true"' in html  # and the tab counts with it


def test_save_open_and_delete_a_view(world, login):
    c = login(world.agent)
    query = f"queue=mine&desk={world.desks['ent'].pk}&sort=priority&after=abc"
    r = c.post(reverse("console:queue_save"), {"name": "Mes ENT urgents", "query": query})
    assert r.status_code == 302
    saved = SavedQueue.objects.get(user=world.agent)
    assert "after" not in saved.query and "sort=priority" in saved.query
    page = c.get(QUEUE).content.decode()
    assert "Mes ENT urgents" in page and f'href="?{saved.query.replace("&", "&amp;")}"' in page
    assert "Mes ENT urgents" not in login(world.agent2).get(QUEUE).content.decode()
    # Someone else cannot delete it.
    login(world.agent2).post(reverse("console:queue_delete", kwargs={"pk": saved.pk}))
    assert SavedQueue.objects.filter(pk=saved.pk).exists()
    c.post(reverse("console:queue_delete", kwargs={"pk": saved.pk}))
    assert not SavedQueue.objects.filter(pk=saved.pk).exists()


def test_a_view_needs_a_name(world, login):
    c = login(world.agent)
    r = c.post(reverse("console:queue_save"), {"name": "", "query": "queue=mine"}, follow=True)
    assert not SavedQueue.objects.exists()
    assert 'class="msg error"' in r.content.decode()
