# covers: AG-7, TIC-6, TIC-9, TEN-6, TEN-7
"""Creating a ticket on behalf of a customer (phone): the customer picked in the directory,
the desk's types, categories and priorities, the category's template proposed."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptoir.catalog.models import TicketType
from comptoir.conftest import category
from comptoir.tickets.models import Attachment, Ticket
from comptoir.tickets.tests.helpers import unchanged

from .conftest import error_next_to


def url(desk: str) -> str:
    return reverse("console:new_desk", kwargs={"desk": desk})


def form(desk: str, type_code: str, cat: str, **extra) -> dict:
    d = {
        "type": str(TicketType.objects.get(desk__slug=desk, code=type_code).pk),
        "category": str(category(desk, cat).pk),
        "title": "Licence supplémentaire",
        "description": "Le client demande une licence de plus.",
    }
    d.update(extra)
    return d


def test_the_desk_choice_and_the_form(world, login):
    c = login(world.agent)
    page = c.get(reverse("console:new")).content.decode()
    for slug in ("spt", "ent", "itil", "n123"):
        assert url(slug) in page
    page = c.get(url("spt")).content.decode()
    assert "Licence" in page  # a type customers may not create is offered to staff (001)
    assert "data-lookup" in page and "kind=customer" in page  # the directory lookup
    # olga is an agent of ENT only.
    assert c.get(url("spt")).status_code == 200
    assert login(world.other_agent).get(url("spt")).status_code == 404


def test_create_a_licence_request_on_behalf_of_a_customer(world, login):
    c = login(world.agent)
    data = form("spt", "licence", "erp", customer="alice", personal_reference="BC-2026-1")
    data["attachments"] = SimpleUploadedFile("devis.pdf", b"%PDF")
    r = c.post(url("spt"), data)
    assert r.status_code == 302, r.content.decode()[:2000]
    t = Ticket.objects.get(title="Licence supplémentaire")
    assert (t.reporter, t.affected, t.created_by) == (world.customer, world.customer, world.agent)
    assert (t.channel, t.type.code, t.personal_reference) == ("phone", "licence", "BC-2026-1")
    assert r["Location"] == reverse("console:ticket", kwargs={"key": t.key})
    assert Attachment.objects.get(ticket=t).filename == "devis.pdf"


def test_picked_in_the_lookup_with_another_affected_person(world, login):
    c = login(world.agent)
    data = form(
        "ent", "ticket", "messagerie", customer_pick=str(world.customer.pk), affected="albert"
    )
    data["priority"] = str(world.desks["ent"].priorities.get(code="urgente").pk)
    assert c.post(url("ent"), data).status_code == 302
    t = Ticket.objects.get()
    assert (t.reporter, t.affected, t.priority.code) == (world.customer, world.colleague, "urgente")


def test_refusals_are_shown_next_to_their_fields(world, login):
    c = login(world.agent)
    with unchanged():
        r = c.post(url("spt"), form("spt", "support", "erp"))  # no customer
        assert r.status_code == 400
        assert error_next_to(r, "id_customer")
        r = c.post(url("spt"), form("spt", "support", "erp", customer="nobody"))
        assert error_next_to(r, "id_customer")
        r = c.post(url("spt"), form("spt", "support", "erp", customer="gisele"))  # staff
        assert error_next_to(r, "id_customer")
        r = c.post(url("spt"), form("spt", "support", "erp", customer="alice", title=""))
        assert error_next_to(r, "id_title")
        r = c.post(url("spt"), form("spt", "support", "erp", customer="alice", description=""))
        assert error_next_to(r, "id_description")
        # Reporting and affected persons of two organisations.
        r = c.post(url("spt"), form("spt", "support", "erp", customer="alice", affected="bob"))
        assert error_next_to(r, "id_affected")
        # A category of another desk is not a choice.
        r = c.post(
            url("spt"),
            form(
                "spt",
                "support",
                "erp",
                customer="alice",
                category=str(category("ent", "reseau").pk),
            ),
        )
        assert error_next_to(r, "id_category")


def test_the_category_template_is_proposed(world, login):
    c = login(world.agent)
    cat = category("ent", "messagerie")
    r = c.get(
        reverse("console:new_template", kwargs={"desk": "ent"}),
        {"category": cat.pk, "title": "", "description": ""},
    )
    html = r.content.decode()
    assert 'id="ticket-text"' in html and "Problème de messagerie" in html
    # What the agent already typed is kept.
    r = c.get(
        reverse("console:new_template", kwargs={"desk": "ent"}),
        {"category": cat.pk, "title": "Mon titre"},
    )
    assert "Mon titre" in r.content.decode() and "Problème de messagerie" not in r.content.decode()
    # Opening the form with a category fills it too; the page asks htmx to do it on change.
    page = c.get(url("ent"), {"category": cat.pk}).content.decode()
    assert "Problème de messagerie" in page and "hx-get" in page


def test_the_new_ticket_lands_in_the_queue_when_not_visible(world, login):
    # olga (ENT Services généraux) files in DSI, where she is no agent: the ticket is created
    # and she is sent back to her queue with its key.
    c = login(world.other_agent)
    r = c.post(url("ent"), form("ent", "ticket", "reseau", customer="alice"), follow=True)
    t = Ticket.objects.get()
    assert r.redirect_chain[-1][0] == "/console/"
    assert t.key in r.content.decode()


def test_a_new_ticket_for_the_same_customer_references_this_one(world, login):
    from comptoir.tickets import actions
    from comptoir.tickets.models import TicketLink
    from comptoir.tickets.tests.helpers import file_ticket

    old = file_ticket(world.customer, "spt")
    c = login(world.agent)
    page = c.get(reverse("console:ticket", kwargs={"key": old.key})).content.decode()
    link = f"{url('spt')}?customer=alice&amp;references={old.key}"
    assert link in page
    form_page = c.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="alice"' in form_page and old.key in form_page
    r = c.post(url("spt"), form("spt", "support", "erp", customer="alice", references=old.key))
    assert r.status_code == 302
    new = Ticket.objects.exclude(pk=old.pk).get()
    assert TicketLink.objects.filter(source=new, target=old, kind="references").exists()
    # A key the agent cannot see is refused, and nothing is created.
    theirs = file_ticket(world.outsider, "ent")
    actions.ticket_transfer(actor=world.agent, ticket=theirs, category=category("ent", "chauffage"))
    with unchanged():
        r = c.post(
            url("spt"), form("spt", "support", "erp", customer="alice", references=theirs.key)
        )
    assert r.status_code == 400
