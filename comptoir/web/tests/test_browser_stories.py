# covers: WF-2, WF-3, WF-5, WF-6, WF-8, AG-1, AG-4, NOT-1, POR-1, POR-3, POR-4, POR-5, TEN-2, X-1
"""One story per preset, told in a real browser through the pages only: a customer files a
request in the portal, an agent works it in the console, each signs in in turn and checks
what they see (status, its meaning, the timeline, the error next to a field). At the end a
customer of another organisation opens the same URLs and gets a bare 404. The main pages
are photographed in French (spt) and in English (itil)."""

from __future__ import annotations

import re

import pytest

from comptoir.notifications.models import Outbox

from .stories import (
    console_move,
    console_open,
    console_status,
    console_take,
    expect,
    key_of,
    outsider_sees_nothing,
    portal_choose_category,
    portal_new_form,
    portal_status,
    portal_ticket,
    sign_in,
    to_english,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_spt_support_request_from_portal_to_closed_then_a_new_one_referencing_it(world, browser):
    title = "Erreur à la validation des factures"
    # Alice files a Support request.
    page = sign_in(browser, "alice")
    portal_new_form(page, desk="Customer Services (SPT)", card="Nouvelle demande : Support")
    portal_choose_category(page, label="Catégorie", category="ProConcept ERP")
    expect(page.get_by_label("Description")).to_have_value(
        "Module concerné :\nÉtapes pour reproduire :\nRésultat attendu :\n"
    )
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Description").fill("Module concerné : Facturation\nÉtapes : valider")
    page.get_by_label("Haute").check()
    browser.shot("portal-new-request-fr")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(portal_status(page)).to_have_text("Ouvert")
    key = key_of(page)
    assert key.startswith("SPT-")
    expect(page.locator(".messages")).to_contain_text(f"Votre demande {key} a été enregistrée")
    expect(page.locator(".status-card .meaning")).to_have_text("La demande a été envoyée")
    expect(page.locator("#timeline")).to_contain_text("a créé le ticket")

    # Gaston qualifies it and starts work.
    page = sign_in(browser, "gaston")
    expect(page.locator("#queue-table")).to_contain_text(title)
    browser.shot("console-queue-fr")
    console_open(browser, key)
    expect(console_status(page)).to_have_text("Ouvert")
    console_move(page, "Qualifier")
    expect(console_status(page)).to_have_text("Qualifié")
    expect(page.locator(".messages")).to_contain_text("Statut modifié : Qualifié.")
    console_move(page, "Prendre en cours")
    expect(console_status(page)).to_have_text("En cours")

    # He asks the customer: the comment is required, the error shows by the field.
    console_move(page, "Demander au client")
    box = page.locator("details[open]").filter(has_text="Demander au client")
    expect(box.locator(".field-error")).to_have_text(
        "Le champ Commentaire est obligatoire pour l'action “Demander au client”."
    )
    expect(box.get_by_label("Commentaire", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(console_status(page)).to_have_text("En cours")
    console_move(
        page, "Demander au client", fill={"Commentaire": "Quel est le numéro de la facture ?"}
    )
    expect(console_status(page)).to_have_text("En attente client")
    expect(page.locator("#timeline")).to_contain_text(
        "a fait passer le statut de “En cours” à “En attente client”"
    )
    browser.shot("console-ticket-fr")

    # Alice sees it is her turn and answers with a comment.
    page = sign_in(browser, "alice")
    portal_ticket(browser, key)
    expect(portal_status(page)).to_have_text("En attente client")
    expect(page.locator(".status-card")).to_contain_text(
        "Nous attendons une réponse/traitement de votre part"
    )
    expect(page.locator(".status-card .awaiting")).to_contain_text("Le client (vous)")
    expect(page.locator("#timeline")).to_contain_text("Quel est le numéro de la facture ?")
    page.get_by_label("Votre commentaire").fill("La facture FA-2231.")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Votre commentaire a été ajouté.")
    expect(page.locator("#timeline li").first).to_contain_text("La facture FA-2231.")

    # Gaston resumes and resolves with a solution: the confirmation is asked.
    page = sign_in(browser, "gaston")
    console_open(browser, key)
    expect(page.locator("#timeline")).to_contain_text("La facture FA-2231.")
    console_move(page, "Prendre en cours")
    expect(console_status(page)).to_have_text("En cours")
    console_move(page, "Résoudre", fill={"Solution": "Correctif 12.3 installé."})
    expect(console_status(page)).to_have_text("En attente client")
    expect(page.locator(".ticket-head .badges")).to_contain_text("En attente")
    # Closing waits for the confirmation: no "Fermer" button yet.
    expect(page.locator("section.actions").get_by_role("button", name="Fermer")).to_have_count(0)

    # Alice reads the solution and confirms it.
    page = sign_in(browser, "alice")
    portal_ticket(browser, key)
    expect(page.locator("section.solution")).to_contain_text("Correctif 12.3 installé.")
    expect(page.get_by_role("heading", name="Votre demande est-elle résolue ?")).to_be_visible()
    browser.shot("portal-ticket-fr")
    page.get_by_role("button", name="Oui, c'est résolu").click()
    expect(page.locator(".messages")).to_contain_text("Merci : la résolution est confirmée.")
    expect(page.locator("#timeline")).to_contain_text("a confirmé la résolution")

    # Gaston closes it.
    page = sign_in(browser, "gaston")
    console_open(browser, key)
    console_move(page, "Fermer")
    expect(console_status(page)).to_have_text("Fermé")

    # Closed is final: no reopening, but a new request may reference it.
    page = sign_in(browser, "alice")
    portal_ticket(browser, key, closed=True)
    expect(portal_status(page)).to_have_text("Fermé")
    expect(page.locator("#moves")).to_have_count(0)
    expect(page.locator("#comment")).to_have_count(0)
    expect(page.get_by_role("button", name="Non, ce n'est pas résolu")).to_have_count(0)
    page.get_by_role("button", name="Ouvrir une nouvelle demande qui y fait référence").click()
    expect(page.locator(".notice")).to_contain_text(
        f"Votre nouvelle demande fera référence à {key}."
    )
    page.get_by_role("link", name="Nouvelle demande : Support").click()
    expect(page.locator(".notice")).to_contain_text(f"Cette demande fait référence à {key}")
    page.get_by_label("Titre").fill("La correction 12.3 a un effet de bord")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(portal_status(page)).to_have_text("Ouvert")
    new_key = key_of(page)
    assert new_key != key
    links = page.locator(".links-card")
    expect(links).to_contain_text(f"Fait référence à {key}")
    links.get_by_role("link", name=key).click()
    expect(page.locator(".links-card")).to_contain_text(f"Référencé par {new_key}")

    outsider_sees_nothing(
        browser, "bob", {key: title, new_key: "La correction 12.3 a un effet de bord"}
    )


def test_ent_ticket_transferred_with_the_agent_as_guest_closed_there_and_reopened_by_its_owner(
    world, browser
):
    title = "Plus de réseau au bureau 12"
    page = sign_in(browser, "alice")
    portal_new_form(page, desk="Assistance en ligne (ENT)", card="Nouvelle demande : Ticket")
    portal_choose_category(page, label="Catégorie", category="Réseau")
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Description").fill("La prise murale ne donne plus de réseau.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(portal_status(page)).to_have_text("Libre")
    key = key_of(page)
    expect(page.locator(".status-card .awaiting")).to_contain_text("Les gestionnaires du service")

    # NOT-1: the service's managers are told of the new ticket.
    assert Outbox.objects.filter(ticket__key=key, kind="created", recipient=world.manager).exists()

    # Gaston takes it, then hands it to Services Généraux, staying as a guest.
    page = sign_in(browser, "gaston")
    console_open(browser, key)
    expect(console_status(page)).to_have_text("Libre")
    console_take(page)
    expect(console_status(page)).to_have_text("En cours")
    expect(page.locator(".ticket-side")).to_contain_text("gaston")
    console_move(
        page,
        "Transférer",
        select={"Service et catégorie": "Électricité"},
        fill={"Motif du transfert": "La prise est hors service : électricité."},
        check=("Devenir invité du ticket",),
    )
    expect(page.locator(".messages")).to_contain_text(
        "Transféré vers Services Généraux / Électricité."
    )
    assert key_of(page) == key  # still in sight: back on its page, not on the queue
    expect(console_status(page)).to_have_text("Libre")
    facts = page.locator(".ticket-side .facts").first
    expect(facts).to_contain_text("Services Généraux")
    expect(facts).to_contain_text("Électricité")
    expect(page.locator("#guests")).to_contain_text("gaston")
    expect(page.locator("#timeline")).to_contain_text(
        "a transféré le ticket de “Réseau” vers “Électricité”"
    )
    expect(page.locator("#timeline")).to_contain_text("La prise est hors service : électricité.")
    page.locator("header.topbar").get_by_role("link", name="Files d'attente").click()
    page.locator("#queue-tabs").get_by_role("link", name="En copie").click()
    expect(page.locator("#queue-table").get_by_role("link", name=key)).to_be_visible()

    # Olga, of Services Généraux, finds it free in her queue, takes it and closes it.
    page = sign_in(browser, "olga")
    expect(page.locator("#queue-table")).to_contain_text(title)
    console_open(browser, key)
    console_take(page)
    expect(console_status(page)).to_have_text("En cours")
    console_move(page, "Clore")
    expect(console_status(page)).to_have_text("Clos")

    # Alice, its owner, does not approve the closure: it is reopened, in progress again.
    page = sign_in(browser, "alice")
    portal_ticket(browser, key)
    expect(portal_status(page)).to_have_text("Clos")
    expect(page.locator(".status-card .meaning")).to_have_text(
        "Le ticket a été clos ; le propriétaire est invité à approuver la clôture"
    )
    confirm = page.locator("#confirm")
    confirm.get_by_role("button", name="Non, ce n'est pas résolu").click()
    expect(page.locator("#confirm .error")).to_have_text(
        "Expliquez dans un commentaire pourquoi la solution ne répond pas à votre demande."
    )
    expect(portal_status(page)).to_have_text("Clos")
    confirm.get_by_label("Commentaire").fill("Toujours pas de réseau ce matin.")
    confirm.get_by_role("button", name="Non, ce n'est pas résolu").click()
    expect(page.locator(".messages")).to_contain_text("votre ticket retourne à l'équipe")
    expect(portal_status(page)).to_have_text("En cours")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("a infirmé la résolution")
    expect(timeline).to_contain_text("a fait passer le statut de “Clos” à “En cours”")
    expect(timeline).to_contain_text("Toujours pas de réseau ce matin.")

    outsider_sees_nothing(browser, "bob", {key: title})


def test_itil_incident_with_a_reference_solved_then_sent_back_with_a_comment_in_english(
    world, browser
):
    # Alice switches the portal to English and files an incident, "##PO1234##" in the title.
    page = sign_in(browser, "alice")
    to_english(page)
    portal_new_form(page, desk="Service desk (ITIL)", card="New Incident")
    page.get_by_label("Title").fill("Printer jams on floor 2 ##PO1234##")
    page.get_by_label("Description").fill("Every print job stops at page 2.")
    browser.shot("portal-new-request-en")
    page.get_by_role("button", name="Send my request").click()
    expect(portal_status(page)).to_have_text("New")
    key = key_of(page)
    expect(page.locator("h1")).to_have_text(f"{key} Printer jams on floor 2")
    expect(page.locator(".facts-card")).to_contain_text(re.compile(r"Personal reference\s*PO1234"))

    # Gaston, in English too: take (classification), start, wait, start, solve.
    page = sign_in(browser, "gaston")
    to_english(page)
    expect(page.locator("#queue-table")).to_contain_text("Printer jams on floor 2")
    browser.shot("console-queue-en")
    console_open(browser, key)
    expect(page.locator(".ticket-side")).to_contain_text("PO1234")
    console_take(page)
    expect(console_status(page)).to_have_text("Classification")
    console_move(page, "Start")
    expect(console_status(page)).to_have_text("In progress")
    console_move(page, "Wait", select={"Waiting reason": "Waiting for customer feedback"})
    expect(console_status(page)).to_have_text("Waiting")
    expect(page.locator(".ticket-main .description")).to_contain_text(
        "Waiting reason: Waiting for customer feedback"
    )
    expect(page.locator("#timeline li").first).to_contain_text(
        "Waiting reason: Waiting for customer feedback"  # its name, not its code
    )
    console_move(page, "Start")
    expect(console_status(page)).to_have_text("In progress")
    console_move(page, "Solve", fill={"Solution": "Fuser unit replaced."})
    expect(console_status(page)).to_have_text("Solved")
    expect(page.locator(".messages")).to_contain_text("Status changed: Solved.")
    expect(page.locator("#timeline")).to_contain_text(
        "changed the status from “In progress” to “Solved”"
    )
    # The waiting reason is history now: in the timeline, no longer on the ticket.
    expect(page.locator(".ticket-main .description")).not_to_contain_text("Waiting reason")
    browser.shot("console-ticket-en")

    # Alice refuses the solution: never without a comment.
    page = sign_in(browser, "alice")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    portal_ticket(browser, key)
    expect(portal_status(page)).to_have_text("Solved")
    expect(page.locator("section.solution")).to_contain_text("Fuser unit replaced.")
    expect(page.locator("#timeline")).to_contain_text(
        "Waiting reason: Waiting for customer feedback"
    )
    sent = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/move/reopen/") else None)
    reopen = page.locator("#move-reopen")
    comment = reopen.get_by_label("Comment (required)")
    reopen.get_by_role("button", name="Back to in progress").click()
    # The browser holds the empty form back (nothing is sent, the field is flagged)…
    assert comment.evaluate("e => e.matches(':user-invalid') && e.validity.valueMissing")
    expect(portal_status(page)).to_have_text("Solved")
    # …and a comment of blanks only is refused by the server, next to the field.
    comment.fill("   ")
    reopen.get_by_role("button", name="Back to in progress").click()
    error = page.locator("#move-reopen .error")
    expect(error).to_have_text("Comment is required to “Back to in progress”.")
    expect(page.locator("#move-reopen").get_by_label("Comment (required)")).to_have_attribute(
        "aria-describedby", re.compile("_error")
    )
    expect(portal_status(page)).to_have_text("Solved")
    browser.shot("portal-ticket-en")
    page.locator("#move-reopen").get_by_label("Comment (required)").fill(
        "It jams again since this morning."
    )
    page.locator("#move-reopen").get_by_role("button", name="Back to in progress").click()
    expect(portal_status(page)).to_have_text("In progress")
    expect(page.locator(".messages")).to_contain_text("Done: “Back to in progress”.")
    assert len(sent) == 2  # the blank comment and the real one, never the empty form
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("changed the status from “Solved” to “In progress”")
    expect(timeline).to_contain_text("It jams again since this morning.")

    outsider_sees_nothing(browser, "bob", {key: "Printer jams on floor 2"})


def test_n123_application_change_with_a_quote_accepted_in_the_portal(world, browser):
    title = "Ajouter le champ « centre de coût » aux commandes"
    page = sign_in(browser, "alice")
    portal_new_form(page, desk="Support N1/N2/N3", card="Nouvelle demande : Évolution applicative")
    portal_choose_category(page, label="Catégorie", category="Applicatif")
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Description").fill("Sur l'écran des commandes fournisseurs.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(portal_status(page)).to_have_text("Ouvert")
    key = key_of(page)
    assert key.startswith("#")

    # Gaston (N2) takes it, starts, and submits a quote.
    page = sign_in(browser, "gaston")
    console_open(browser, key)
    expect(page.locator(".ticket-head .badges")).to_contain_text("Niveau 2")
    console_take(page)
    expect(console_status(page)).to_have_text("Pris en charge")
    console_move(page, "Démarrer")
    expect(console_status(page)).to_have_text("En cours")
    console_move(page, "Soumettre le chiffrage", fill={"Montant du chiffrage": "1800"})
    expect(console_status(page)).to_have_text("En attente validation chiffrage")

    # Alice accepts the quote.
    page = sign_in(browser, "alice")
    portal_ticket(browser, key)
    expect(portal_status(page)).to_have_text("En attente validation chiffrage")
    expect(page.locator(".status-card .quote")).to_contain_text("1800")
    page.get_by_role("button", name="Valider le chiffrage").click()
    expect(portal_status(page)).to_have_text("En cours de réalisation")
    expect(page.locator(".status-card .meaning")).to_have_text(
        "Chiffrage validé, réalisation en cours"
    )

    # Gaston sends the answer.
    page = sign_in(browser, "gaston")
    console_open(browser, key)
    console_move(page, "Envoyer la réponse", fill={"Solution": "Champ ajouté en version 4.2."})
    expect(console_status(page)).to_have_text("Réponse envoyée")

    # Alice confirms; Gaston closes.
    page = sign_in(browser, "alice")
    portal_ticket(browser, key)
    expect(portal_status(page)).to_have_text("Réponse envoyée")
    expect(page.locator("section.solution")).to_contain_text("Champ ajouté en version 4.2.")
    page.get_by_role("button", name="Oui, c'est résolu").click()
    expect(page.locator(".messages")).to_contain_text("Merci : la résolution est confirmée.")

    page = sign_in(browser, "gaston")
    console_open(browser, key)
    console_move(page, "Fermer")
    expect(console_status(page)).to_have_text("Fermé")

    page = sign_in(browser, "alice")
    portal_ticket(browser, key, closed=True)
    expect(portal_status(page)).to_have_text("Fermé")
    expect(page.locator("#moves")).to_have_count(0)
    timeline = page.locator("#timeline")
    for old, new in (
        ("Ouvert", "Pris en charge"),
        ("Pris en charge", "En cours"),
        ("En cours", "En attente validation chiffrage"),
        ("En attente validation chiffrage", "En cours de réalisation"),
        ("En cours de réalisation", "Réponse envoyée"),
        ("Réponse envoyée", "Fermé"),
    ):
        expect(timeline).to_contain_text(f"a fait passer le statut de “{old}” à “{new}”")

    outsider_sees_nothing(browser, "bob", {key: title})
