# covers: POR-2, TEN-3, X-1
"""My tickets: by default my open tickets (reporting or affected person); search by
number, title, status, name and personal reference; closed ones on demand; keyset pages."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from comptoir.accounts.models import VisibilityGrant
from comptoir.portal.selectors import PAGE_SIZE
from comptoir.tickets import actions
from comptoir.tickets.models import Ticket

from .helpers import client_for, file_ticket, fr, reload, text

URL = reverse("portal:tickets")


def keys(response) -> list[str]:
    return [t.key for t in response.context["tickets"]]


def closed_itil(world, **kw) -> Ticket:
    t = file_ticket(world.customer, "itil", **kw)
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="reject", data={"reason": "Doublon"}
    )
    return reload(t)


def test_by_default_my_open_tickets_newest_first(world):
    old = file_ticket(world.customer, "spt", title="Ancienne panne")
    new = file_ticket(world.customer, "itil", title="Nouvelle panne")
    closed = closed_itil(world, title="Panne refusée")
    theirs = file_ticket(world.colleague, "spt", title="Pas la mienne")
    response = client_for(world.customer).get(URL)
    assert response.status_code == 200
    assert keys(response) == [new.key, old.key]
    page = response.content.decode()
    assert "Mes tickets" in page and "Nouvelle panne" in page
    assert closed.key not in keys(response) and theirs.key not in keys(response)
    # The status and who is expected to act, on every row (French user).
    assert "Nouveau" in page and "Le service desk" in page
    assert f'data-row-link="{reverse("portal:ticket", kwargs={"key": new.key})}"' in page
    assert "data-search" in page and "data-new-ticket" in page


def test_an_english_user_sees_statuses_in_english(world):
    file_ticket(world.colleague, "itil", title="Printer down")  # albert speaks English
    page = client_for(world.colleague).get(URL).content.decode()
    assert "My tickets" in page and '<html lang="en"' in page
    assert ">New<" in page and "The service desk" in page
    assert "Nouveau" not in page


def test_tickets_where_i_am_the_affected_person_are_mine_too(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    for_me = file_ticket(world.colleague, "spt", affected=world.customer)
    assert keys(client_for(world.customer).get(URL)) == [for_me.key]


def test_closed_ones_too(world):
    open_ = file_ticket(world.customer, "spt")
    closed = closed_itil(world)
    client = client_for(world.customer)
    assert keys(client.get(URL + "?closed=1")) == [closed.key, open_.key]


def test_search_by_number_title_status_name_and_reference(world):
    world.customer.first_name, world.customer.last_name = "Alice", "Martin"
    world.customer.save()
    a = file_ticket(world.customer, "spt", title="Écran noir", personal_reference="PO-4711")
    b = file_ticket(world.customer, "itil", title="Imprimante bloquée")
    actions.ticket_take(actor=world.agent, ticket=b)  # New → Classification
    client = client_for(world.customer)
    assert keys(client.get(URL, {"q": a.key})) == [a.key]
    assert keys(client.get(URL, {"q": a.key.lower()})) == [a.key]
    assert b.key in keys(client.get(URL, {"q": str(b.number)}))
    assert keys(client.get(URL, {"q": "imprimante"})) == [b.key]
    assert keys(client.get(URL, {"q": "PO-4711"})) == [a.key]
    assert keys(client.get(URL, {"q": "po-4711"})) == [a.key]
    assert keys(client.get(URL, {"q": "Classification"})) == [b.key]
    assert keys(client.get(URL, {"q": "martin"})) == [b.key, a.key]
    assert keys(client.get(URL, {"q": "nothing like it"})) == []
    # The status list of the form.
    assert keys(client.get(URL, {"status": "Classification"})) == [b.key]
    assert keys(client.get(URL, {"status": "Ouvert"})) == [a.key]


def test_an_empty_search_says_so_and_offers_a_reset(world):
    file_ticket(world.customer, "spt")
    page = text(client_for(world.customer).get(URL, {"q": "zzz"}))
    assert fr("No ticket matches your search.") in page


def test_keyset_pages_forward_and_back(world):
    made = [file_ticket(world.customer, "spt", title=f"Panne {i}") for i in range(PAGE_SIZE + 5)]
    # Same updated_at for two tickets: the id breaks the tie, no row lost or repeated.
    Ticket.objects.filter(pk=made[10].pk).update(updated_at=made[11].updated_at)
    expected = [
        t.key for t in Ticket.objects.filter(reporter=world.customer).order_by("-updated_at", "-id")
    ]
    client = client_for(world.customer)
    first = client.get(URL)
    assert keys(first) == expected[:PAGE_SIZE]
    assert first.context["prev_url"] == "" and first.context["next_url"]
    second = client.get(URL + first.context["next_url"])
    assert keys(second) == expected[PAGE_SIZE:]
    assert second.context["next_url"] == ""
    back = client.get(URL + second.context["prev_url"])
    assert keys(back) == expected[:PAGE_SIZE]
    assert back.context["prev_url"] == ""
    # A forged cursor is ignored, not an error.
    assert keys(client.get(URL, {"after": "not-a-cursor"})) == expected[:PAGE_SIZE]
    assert client.get(URL, {"after": "9" * 25 + ".1"}).status_code == 200


def test_pages_keep_the_search(world):
    for i in range(PAGE_SIZE + 2):
        file_ticket(world.customer, "spt", title=f"Imprimante {i}")
    first = client_for(world.customer).get(URL, {"q": "Imprimante", "closed": "1"})
    assert "q=Imprimante" in first.context["next_url"]
    assert "closed=1" in first.context["next_url"]


def test_a_granted_customer_may_widen_the_list(world):
    """TEN-3: anna (site Lille) with a grant on Alpha sees Lyon's tickets when she asks."""
    VisibilityGrant.objects.create(user=world.other_site, organisation=world.org_a)
    t = file_ticket(world.customer, "spt")
    client = client_for(world.other_site)
    assert keys(client.get(URL)) == []
    response = client.get(URL, {"everyone": "1"})
    assert keys(response) == [t.key]
    assert "alice" in response.content.decode()  # whose ticket it is


def test_a_plain_customer_cannot_widen_the_list(world):
    file_ticket(world.colleague, "spt")
    response = client_for(world.customer).get(URL, {"everyone": "1"})
    assert keys(response) == []
    assert 'name="everyone"' not in response.content.decode()


def test_my_turn_is_shown(world):
    t = file_ticket(world.customer, "spt")
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="resolve", data={"solution": "Correctif"}
    )
    page = text(client_for(world.customer).get(URL))
    assert fr("You: please confirm the solution") in page


def test_updated_at_drives_the_order(world):
    a = file_ticket(world.customer, "spt", title="A")
    b = file_ticket(world.customer, "spt", title="B")
    Ticket.objects.filter(pk=a.pk).update(updated_at=b.updated_at + timedelta(minutes=1))
    assert keys(client_for(world.customer).get(URL)) == [a.key, b.key]
