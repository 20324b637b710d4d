# covers: TEN-2, TEN-7, AG-3
"""Who may open the console and which ticket pages: staff only; an agent sees the tickets of
their services; everyone else gets the same 404 as for a missing ticket, on every page and
every action, and nothing is written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from comptoir.catalog.models import Service
from comptoir.tickets.tests.helpers import file_ticket, unchanged

from .conftest import action_url, move_url, take_then_url, ticket_url

CONSOLE_PAGES = [
    "console:queue",
    "console:new",
    "console:services",
    "console:preferences",
    "console:people",
]


def _pages(world, ticket):
    dsi = Service.objects.get(desk__slug="ent", slug="dsi")
    return [
        *(reverse(name) for name in CONSOLE_PAGES),
        reverse("console:new_desk", kwargs={"desk": "ent"}),
        ticket_url(ticket),
        reverse("console:service", kwargs={"pk": dsi.pk}),
        reverse("console:category", kwargs={"pk": dsi.pk, "category": ticket.category_id}),
        reverse("console:member_preferences", kwargs={"pk": dsi.pk, "user_id": world.agent.pk}),
    ]


def test_anonymous_is_sent_to_the_login_page(world, client):
    t = file_ticket(world.customer, "ent")
    for url in _pages(world, t):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url
    response = client.post(action_url(t, "take"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["customer", "customer_manager", "outsider"])
def test_customers_get_404_on_every_console_page(world, login, who):
    t = file_ticket(world.customer, "ent")
    c = login(getattr(world, who))
    for url in _pages(world, t):
        assert c.get(url).status_code == 404, url


@pytest.mark.parametrize("who", ["customer", "outsider"])
def test_customers_cannot_act_on_a_ticket_through_the_console(world, login, who):
    t = file_ticket(world.customer, "ent")
    c = login(getattr(world, who))
    with unchanged():
        for url in (
            action_url(t, "take"),
            action_url(t, "comment"),
            move_url(t, "close"),
            take_then_url(t, "close"),
        ):
            assert c.post(url, {"comment-comment": "x"}).status_code == 404, url


def test_an_agent_of_another_service_gets_404_on_the_ticket(world, login):
    # olga works in ENT "Services généraux" only; the ticket sits in ENT "DSI".
    t = file_ticket(world.customer, "ent")
    c = login(world.other_agent)
    assert c.get("/console/").status_code == 200
    assert c.get(ticket_url(t)).status_code == 404
    with unchanged():
        for action in ("take", "comment", "assign", "transfer", "invite", "link", "edit"):
            assert c.post(action_url(t, action), {}).status_code == 404, action
        assert c.post(move_url(t, "close")).status_code == 404
        assert c.post(take_then_url(t, "close")).status_code == 404
    assert t.key not in c.get("/console/?queue=all").content.decode()


def test_a_missing_ticket_is_the_same_404(world, login):
    c = login(world.agent)
    assert c.get(reverse("console:ticket", kwargs={"key": "ENT-999999"})).status_code == 404
    assert (
        c.post(reverse("console:action", kwargs={"key": "ENT-9999", "action": "take"})).status_code
        == 404
    )


def test_an_unknown_action_is_404(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    with unchanged():
        assert c.post(action_url(t, "delete")).status_code == 404
    assert c.get(action_url(t, "take")).status_code == 405  # POST only


def test_a_ticket_of_another_organisation_is_listed_for_staff_not_leaked_to_customers(world, login):
    theirs = file_ticket(world.outsider, "ent", title="Beta printer")
    c = login(world.agent)
    assert "Beta printer" in c.get(ticket_url(theirs)).content.decode()
    # The lookup of people for an invitation leaves out customers who may not follow it.
    lookup = c.get(reverse("console:people"), {"q": "al", "ticket": theirs.key})
    assert "alice" not in lookup.content.decode()


def test_the_agent_of_the_service_sees_every_page(world, login):
    t = file_ticket(world.customer, "ent", title="Écran noir")
    c = login(world.agent)
    for url in _pages(world, t):
        assert c.get(url).status_code == 200, url
    page = c.get(ticket_url(t)).content.decode()
    assert "Écran noir" in page and t.key in page
    assert "alice" in page  # the owner
    assert "Libre" in page  # the status…
    assert "Personne n&#x27;a encore pris en charge le ticket" in page  # …its meaning
    assert "Les gestionnaires du service" in page  # …and who is awaited
