# covers: TEN-2, POR-3
"""Who may open which portal page: customers only (staff get a 404, anonymous people the
login page), and a ticket's pages only for those who may see it — another organisation's
or another site's customer gets the same 404 as for a ticket that does not exist."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.tickets.models import Attachment, Comment, Mute

from .helpers import client_for, file_ticket, new_url, snapshot, ticket_url, upload

PAGES = [
    reverse("portal:tickets"),
    reverse("portal:new"),
    new_url("itil", "incident"),
    reverse("portal:profile"),
]
POSTS = [  # pages that are not about one ticket
    (new_url("itil", "incident"), {"title": "x", "description": "y"}),
    (new_url("itil", "incident", "template"), {"category": "1"}),
    (reverse("portal:language"), {"lang-language": "en"}),
]
TICKET_GETS = ["ticket"]
TICKET_POSTS = [
    ("comment", {}, {"comment-comment": "Hello"}),
    ("mute", {}, {"muted": "1"}),
    ("confirm", {}, {"confirm-accepted": "yes"}),
    ("assess", {}, {"assess-satisfaction": "5"}),
    ("move", {"code": "reopen"}, {"move-reopen-comment": "Toujours en panne"}),
]


@pytest.fixture
def ticket(world):
    return file_ticket(world.customer, "itil", attachments=[upload("devis.pdf", b"%PDF")])


def test_anonymous_people_are_sent_to_the_login_page(world, ticket):
    client = Client()
    for url in [*PAGES, ticket_url(ticket)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url
    for name, kw, data in TICKET_POSTS:
        response = client.post(ticket_url(ticket, name, **kw), data)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    for url, data in POSTS:
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["agent", "manager", "admin"])
def test_staff_get_a_404_the_portal_is_for_customers(world, ticket, who):
    client = client_for(getattr(world, who))
    for url in [*PAGES, ticket_url(ticket)]:
        assert client.get(url).status_code == 404, url
    for name, kw, data in TICKET_POSTS:
        assert client.post(ticket_url(ticket, name, **kw), data).status_code == 404
    for url, data in POSTS:
        assert client.post(url, data).status_code == 404, url


def test_the_customer_opens_every_page(world, ticket):
    client = client_for(world.customer)
    for url in [*PAGES, ticket_url(ticket)]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["outsider", "other_site", "colleague"])
def test_another_tenant_gets_404_on_every_page_of_the_ticket(world, ticket, who):
    """bob (other organisation), anna (other site) and albert (same site, not his ticket)
    see nothing of alice's ticket: not the page, not a POST, not the attachment."""
    client = client_for(getattr(world, who))
    before = snapshot()
    assert client.get(ticket_url(ticket)).status_code == 404
    for name, kw, data in TICKET_POSTS:
        response = client.post(ticket_url(ticket, name, **kw), data)
        assert response.status_code == 404, name
    token = Attachment.objects.get(ticket=ticket).token
    assert client.get(reverse("web:attachment", kwargs={"token": token})).status_code == 404
    # The key of a ticket that does not exist answers exactly the same.
    assert client.get(reverse("portal:ticket", kwargs={"key": "IT-999999"})).status_code == 404
    assert snapshot() == before
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert not Mute.objects.filter(ticket=ticket).exists()


def test_another_tenant_does_not_find_it_in_lists_nor_by_search(world, ticket):
    client = client_for(world.outsider)
    for query in ("", f"?q={ticket.key}", "?closed=1&q=Imprimante"):
        response = client.get(reverse("portal:tickets") + query)
        assert response.context["tickets"] == []
        assert ticket.title not in response.content.decode()


def test_a_customer_manager_sees_the_tickets_of_their_site(world, ticket):
    client = client_for(world.customer_manager)
    assert client.get(ticket_url(ticket)).status_code == 200
    mine_only = client.get(reverse("portal:tickets")).content.decode()
    assert ticket.key not in mine_only
    everyone = client.get(reverse("portal:tickets") + "?everyone=1").content.decode()
    assert ticket.key in everyone


def test_the_owner_downloads_the_attachment(world, ticket):
    client = client_for(world.customer)
    att = Attachment.objects.get(ticket=ticket)
    page = client.get(ticket_url(ticket)).content.decode()
    link = reverse("web:attachment", kwargs={"token": att.token})
    assert link in page and "devis.pdf" in page
    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF"


def test_a_referenced_ticket_of_another_tenant_is_not_revealed(world, ticket):
    """?references= with someone else's key shows nothing of it and links nothing."""
    client = client_for(world.outsider)
    response = client.get(new_url("itil", "incident") + f"?references={ticket.key}")
    assert response.status_code == 200
    assert ticket.title not in response.content.decode()
