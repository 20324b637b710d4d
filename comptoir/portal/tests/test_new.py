# covers: POR-1, TIC-1, TIC-3, TIC-5, TIC-6, TEN-4, CMDB-1, X-1
"""New incident / new service request through the page: the types a customer may create,
the category template (htmx), priorities with their meaning, personal reference,
attachments, CIs of the customer's own site, and TEN-4's external mode in the form."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comptoir.catalog.models import Priority
from comptoir.cmdb.models import ConfigurationItem
from comptoir.conftest import category, make_user
from comptoir.portal.forms import NO_SITE_MESSAGE
from comptoir.tickets.models import Attachment, Channel, LinkKind, Ticket, TicketLink

from .helpers import client_for, file_ticket, fr, new_url, reload, snapshot, text, ticket_url


def post_new(client, desk="itil", type_code="incident", **data):
    data.setdefault("category", category(desk, "impression" if desk == "itil" else "erp").pk)
    data.setdefault("title", "Je n'arrive pas à imprimer")
    data.setdefault("description", "Imprimante du 2e étage.")
    return client.post(new_url(desk, type_code), data)


def only_ticket(world) -> Ticket:
    return Ticket.objects.get(reporter=world.customer)


# --- choosing the kind of request ------------------------------------------------------------


def test_the_choice_lists_the_types_customers_may_create_grouped_by_desk(world):
    response = client_for(world.customer).get(reverse("portal:new"))
    page = text(response)
    assert response.status_code == 200
    assert new_url("itil", "incident") in page
    assert new_url("itil", "service_request") in page
    assert new_url("spt", "support") in page and new_url("spt", "patch") in page
    # TIC-1: a licence (001) and a non-standard change (003) are filed by staff only.
    assert new_url("spt", "licence") not in page
    assert new_url("itil", "change") not in page
    assert "Assistance" in page and "Administration" in page  # 001's groups


def test_a_staff_only_type_is_not_found(world):
    client = client_for(world.customer)
    assert client.get(new_url("spt", "licence")).status_code == 404
    before = snapshot()
    assert post_new(client, "spt", "licence").status_code == 404
    assert snapshot() == before


def test_the_form_proposes_the_template_in_the_users_language(world):
    impression = category("itil", "impression")
    client = client_for(world.customer)
    fr_page = text(client.get(new_url("itil", "incident"), {"category": impression.pk}))
    assert "Je n'arrive pas à imprimer" in fr_page and "Message d'erreur :" in fr_page
    en = text(
        client_for(world.colleague).get(new_url("itil", "incident"), {"category": impression.pk})
    )
    assert 'value="I cannot print"' in en and "Error message:" in en
    # Priorities with their meaning (TIC-3), the default one chosen.
    assert "Gêne réelle, contournement possible" in fr_page
    default = Priority.objects.get(desk__slug="itil", is_default=True)
    assert f'value="{default.pk}" checked' in fr_page
    # htmx reloads the fields when the category changes; no inline script anywhere.
    assert 'hx-post="' + new_url("itil", "incident", "template") + '"' in fr_page
    assert "<script>" not in fr_page and "onclick" not in fr_page


def test_htmx_reload_replaces_the_template_but_keeps_what_was_typed(world):
    impression, erp = category("itil", "impression"), category("itil", "erp")
    url = new_url("itil", "incident", "template")
    client = client_for(world.customer)
    # Untouched template text is replaced by the new category's.
    fresh = text(
        client.post(
            url,
            {
                "category": erp.pk,
                "previous_category": impression.pk,
                "title": "Je n'arrive pas à imprimer",
                "description": impression.template_body_fr,
            },
            headers={"HX-Request": "true"},
        )
    )
    assert "Écran concerné :" in fresh and "Imprimante :" not in fresh
    assert f'name="previous_category" value="{erp.pk}"' in fresh
    assert "<html" not in fresh  # a fragment
    # Text the customer wrote stays.
    kept = text(
        client.post(
            url,
            {"category": erp.pk, "previous_category": impression.pk, "description": "Mon texte"},
        )
    )
    assert "Mon texte" in kept and "Écran concerné" not in kept


def test_a_new_request_references_a_closed_one(world):
    old = file_ticket(world.customer, "spt", title="Ancienne demande")
    client = client_for(world.customer)
    form = text(client.get(new_url("spt", "support"), {"references": old.key}))
    assert "Ancienne demande" in form and f'value="{old.key}"' in form
    response = post_new(client, "spt", "support", references=old.key, title="Suite")
    new = Ticket.objects.get(title="Suite")
    assert response.status_code == 302
    assert TicketLink.objects.filter(source=new, target=old, kind=LinkKind.REFERENCES).exists()
    # The choice page passes the reference along, to the referenced ticket's desk.
    choice = client.get(reverse("portal:new"), {"references": old.key})
    assert f"references={old.key}" in text(choice)
    assert new_url("itil", "incident") not in text(choice)


# --- filing ----------------------------------------------------------------------------------


def test_create_files_the_ticket_and_opens_its_page(world):
    client = client_for(world.customer)
    high = Priority.objects.get(desk__slug="itil", code="haute")
    response = post_new(client, priority=high.pk, personal_reference="PO-4711")
    t = only_ticket(world)
    assert response.status_code == 302 and response["Location"] == ticket_url(t)
    assert (t.reporter, t.affected, t.site, t.channel) == (
        world.customer,
        world.customer,
        world.a1,
        Channel.PORTAL,
    )
    assert (t.priority, t.personal_reference, t.type.code) == (high, "PO-4711", "incident")
    page = text(client.get(response["Location"]))
    assert (
        fr("Your request %(key)s has been recorded. We will keep you informed.") % {"key": t.key}
        in page
    )


def test_title_and_description_are_required_errors_next_to_the_fields(world):
    client = client_for(world.customer)
    before = snapshot()
    response = post_new(client, title="  ")
    assert response.status_code == 400
    assert response.context["form"].errors == {"title": [fr("The title is required.")]}
    page = text(response)
    assert 'id="id_title_error"' in page and 'aria-invalid="true"' in page
    response = post_new(client, description="")
    assert response.context["form"].errors == {"description": [fr("The description is required.")]}
    assert snapshot() == before


def test_errors_in_english_for_an_english_user(world):
    response = post_new(client_for(world.colleague), title="")
    assert response.context["form"].errors == {"title": ["The title is required."]}


def test_with_attachments(world):
    files = [
        SimpleUploadedFile("capture.png", b"\x89PNG...", content_type="image/png"),
        SimpleUploadedFile("log.txt", b"error 42", content_type="text/plain"),
    ]
    post_new(client_for(world.customer), attachments=files)
    t = only_ticket(world)
    assert sorted(Attachment.objects.filter(ticket=t).values_list("filename", flat=True)) == [
        "capture.png",
        "log.txt",
    ]


def test_a_too_large_attachment_is_refused_next_to_the_field(world, settings):
    settings.COMPTOIR_MAX_ATTACHMENT_BYTES = 4
    before = snapshot()
    response = post_new(
        client_for(world.customer), attachments=[SimpleUploadedFile("big.bin", b"0123456789")]
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["attachments"]
    assert snapshot() == before


def test_the_personal_reference_the_email_way(world):
    """003 §3.2: "##PO1234##" — in the reference field, or at the end of the title."""
    client = client_for(world.customer)
    post_new(client, personal_reference="##PO-1##", title="Nouvel utilisateur")
    post_new(client, title="Nouveau poste ##PO-2##")
    refs = dict(Ticket.objects.values_list("title", "personal_reference"))
    assert refs == {"Nouvel utilisateur": "PO-1", "Nouveau poste": "PO-2"}


def test_a_reference_too_long_is_refused_by_the_action(world):
    response = post_new(client_for(world.customer), personal_reference="R" * 101)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["personal_reference"]


def test_ci_select_offers_only_the_cis_of_my_site(world):
    own = ConfigurationItem.objects.create(site=world.a1, name="PC-LYON-01")
    other = ConfigurationItem.objects.create(site=world.a2, name="PC-LILLE-01")
    foreign = ConfigurationItem.objects.create(site=world.b1, name="PC-BERLIN-01")
    client = client_for(world.customer)
    page = text(client.get(new_url("itil", "incident")))
    assert "PC-LYON-01" in page
    assert "PC-LILLE-01" not in page and "PC-BERLIN-01" not in page
    before = snapshot()
    for ci in (other, foreign):
        response = post_new(client, ci=ci.pk)
        assert response.status_code == 400
        assert list(response.context["form"].errors) == ["ci"]
    assert snapshot() == before
    post_new(client, ci=own.pk)
    assert only_ticket(world).ci == own


def test_no_ci_select_without_cis(world):
    assert 'name="ci"' not in text(client_for(world.customer).get(new_url("itil", "incident")))


# --- TEN-4: external support mode ------------------------------------------------------------


def test_external_mode_has_no_requester_affected_or_site_choice(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    page = text(client_for(world.customer).get(new_url("itil", "incident")))
    for name in ("affected", "reporter", "requester", "site"):
        assert f'name="{name}"' not in page


def test_external_mode_ignores_a_forged_affected_person(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    post_new(
        client_for(world.customer),
        affected=world.colleague.pk,
        reporter=world.colleague.pk,
        site=world.a2.pk,
    )
    t = only_ticket(world)
    assert (t.reporter, t.affected, t.site) == (world.customer, world.customer, world.a1)


def test_outside_external_mode_a_colleague_may_be_the_affected_person(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    client = client_for(world.customer)
    page = text(client.get(new_url("itil", "incident")))
    assert 'name="affected"' in page and "anna" not in page  # only people of my site
    post_new(client, affected=world.colleague.pk)
    assert only_ticket(world).affected == world.colleague
    response = post_new(client, affected=world.other_site.pk, title="Pour Lille")
    assert response.status_code == 400 and list(response.context["form"].errors) == ["affected"]


def test_a_user_without_site_is_told_and_cannot_file(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    nomad = make_user("nina", organisation=world.org_a)
    client = client_for(nomad)
    page = text(
        client.get(new_url("itil", "incident"), {"category": category("itil", "impression").pk})
    )
    message = fr(NO_SITE_MESSAGE)
    assert message.startswith("Votre compte n'est rattaché à aucun site")
    assert message in page
    assert "<fieldset disabled>" in page
    assert "Imprimante :" not in page  # TEN-4: the template is empty without a site
    assert message in text(client.get(reverse("portal:new")))
    before = snapshot()
    response = post_new(client)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [message]
    assert snapshot() == before


def test_a_user_without_site_may_file_outside_external_mode(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    nomad = make_user("nina", organisation=world.org_a)
    response = post_new(client_for(nomad))
    assert response.status_code == 302
    t = Ticket.objects.get(reporter=nomad)
    assert (t.site, t.organisation) == (None, world.org_a)


def test_the_category_must_belong_to_the_desk(world):
    response = post_new(client_for(world.customer), category=category("spt", "erp").pk)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["category"]
    assert not Ticket.objects.exists()


def test_the_ticket_was_really_written_through_the_action(world):
    post_new(client_for(world.customer))
    t = reload(only_ticket(world))
    assert list(t.events.values_list("kind", flat=True)) == ["created"]
