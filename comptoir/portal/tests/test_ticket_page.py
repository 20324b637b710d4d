# covers: POR-3, POR-4, POR-5, TIC-8, NOT-5, WF-3, WF-5, WF-6, WF-7, X-1
"""The ticket page: what it shows, and every answer a customer gives through it — comment,
mute, confirm or refute (WF-5), assess (POR-4), send a solved ticket back (WF-3), accept or
refuse a quote (WF-6), approve or decline (WF-7). Each refusal is the action's own
message, next to the field it names, and writes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.tickets import actions
from comptoir.tickets.models import Assessment, Attachment, Comment, Confirmation, Mute

from .helpers import (
    approval_itil,
    client_for,
    file_ticket,
    fr,
    quoted_n123,
    reload,
    resolved_spt,
    snapshot,
    solved_itil,
    text,
    ticket_url,
)


def refused(response, form: str, field: str | None) -> list[str]:
    """The errors the re-rendered page puts on `field` (None: the form's own)."""
    assert response.status_code == 400
    bound = response.context.get(form)
    if bound is None:  # a move form
        bound = next(f for f in response.context["move_forms"] if f.prefix == form)
    key = field or "__all__"
    assert list(bound.errors) == [key], bound.errors
    return bound.errors[key]


# --- what the page shows ---------------------------------------------------------------------


def test_the_page_shows_the_ticket_its_status_meaning_and_who_acts(world):
    t = file_ticket(
        world.customer, "itil", personal_reference="PO-9", title="Serveur HS", description="Il fume"
    )
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_comment(actor=world.agent, ticket=t, body="On regarde.")
    actions.ticket_comment(actor=world.agent, ticket=t, body="Note interne secrète", internal=True)
    actions.ticket_invite(actor=world.agent, ticket=t, user=world.customer_manager)
    page = text(client_for(world.customer).get(ticket_url(t)))
    for expected in (
        t.key,
        "Serveur HS",
        "Il fume",
        "Incident",
        "PO-9",
        "Classification",  # status
        "Le ticket est complet et prêt à être traité par un spécialiste",  # its meaning
        "Un spécialiste",  # who is expected to act
        "gaston",  # handled by
        "amelie",  # a guest
        "On regarde.",
        "Historique",
    ):
        assert expected in page, expected
    # TIC-8: internal events never reach a customer; newest first.
    assert "Note interne secrète" not in page
    assert page.index("On regarde.") < page.index("a créé le ticket")


def test_an_english_user_reads_it_in_english(world):
    t = file_ticket(world.colleague, "itil")
    page = text(client_for(world.colleague).get(ticket_url(t)))
    assert "The ticket has been created and saved" in page
    assert "Awaiting action by:" in page and "The service desk" in page
    assert "Le service desk" not in page


def test_a_key_with_a_hash_works(world):
    """n123 keys are "#88" (TIC-2): the URL carries it encoded."""
    t = file_ticket(world.customer, "n123")
    assert t.key.startswith("#") and "%23" in ticket_url(t)
    assert client_for(world.customer).get(ticket_url(t)).status_code == 200


# --- comment, attachments, mute --------------------------------------------------------------


def test_comment_with_attachments(world):
    t = file_ticket(world.customer, "spt")
    client = client_for(world.customer)
    response = client.post(
        ticket_url(t, "comment"),
        {
            "comment-comment": "Voici la capture.",
            "comment-attachments": [SimpleUploadedFile("ecran.png", b"png")],
        },
    )
    assert response.status_code == 302 and response["Location"] == ticket_url(t) + "#main"
    comment = Comment.objects.get(ticket=t)
    assert (comment.body, comment.author, comment.internal) == (
        "Voici la capture.",
        world.customer,
        False,
    )
    assert Attachment.objects.get(ticket=t).comment == comment
    page = text(client.get(ticket_url(t)))
    assert "Voici la capture." in page and "ecran.png" in page
    assert fr("Your comment has been added.") in page


def test_files_without_a_comment_are_attached(world):
    t = file_ticket(world.customer, "spt")
    client_for(world.customer).post(
        ticket_url(t, "comment"), {"comment-attachments": [SimpleUploadedFile("a.txt", b"a")]}
    )
    assert Attachment.objects.get(ticket=t).filename == "a.txt"
    assert not Comment.objects.filter(ticket=t).exists()


def test_an_empty_comment_is_refused_next_to_the_field(world):
    t = file_ticket(world.customer, "spt")
    before = snapshot()
    response = client_for(world.customer).post(ticket_url(t, "comment"), {"comment-comment": " "})
    assert refused(response, "comment_form", "comment") == [fr("The comment is empty.")]
    assert 'id="id_comment-comment_error"' in text(response)
    assert snapshot() == before


def test_no_comment_form_on_a_closed_ticket(world):
    t = solved_itil(world)
    actions.ticket_transition(actor=None, ticket=t, code="close")
    client = client_for(world.customer)
    page = text(client.get(ticket_url(t)))
    assert 'name="comment-comment"' not in page
    # POR: a closed final ticket offers a new request referencing it (001 FAQ).
    assert f"/portal/new/?references={t.key}" in page
    before = snapshot()
    client.post(ticket_url(t, "comment"), {"comment-comment": "Encore ?"})
    assert snapshot() == before


def test_mute_and_unmute(world):
    t = file_ticket(world.customer, "spt")
    client = client_for(world.customer)
    response = client.post(ticket_url(t, "mute"), {"muted": "1"})
    assert response.status_code == 302
    assert Mute.objects.filter(ticket=t, user=world.customer).exists()
    page = text(client.get(ticket_url(t)))
    assert fr("You receive no e-mail about this ticket.") in page
    client.post(ticket_url(t, "mute"), {"muted": "0"})
    assert not Mute.objects.filter(ticket=t, user=world.customer).exists()


# --- WF-5: confirm or refute the resolution --------------------------------------------------


def test_confirm_the_resolution(world):
    t = resolved_spt(world)
    client = client_for(world.customer)
    page = text(client.get(ticket_url(t)))
    assert fr("Is your request solved?") in page and "Correctif 12.3" in page
    # The workflow's refute move is the form's "no", not a button of its own.
    assert "move/refute/" not in page
    response = client.post(ticket_url(t, "confirm"), {"confirm-accepted": "yes"})
    assert response.status_code == 302
    assert reload(t).confirmation == Confirmation.CONFIRMED


def test_refute_needs_a_comment_next_to_the_comment_field(world):
    t = resolved_spt(world)
    client = client_for(world.customer)
    before = snapshot()
    response = client.post(ticket_url(t, "confirm"), {"confirm-accepted": "no"})
    assert refused(response, "confirm_form", "comment") == [
        fr("Say in a comment why the solution does not answer your request.")
    ]
    assert snapshot() == before
    response = client.post(
        ticket_url(t, "confirm"), {"confirm-accepted": "no", "confirm-comment": "Toujours KO"}
    )
    t = reload(t)
    assert response.status_code == 302
    # Refuted, the ticket is back in progress (which clears the pending question).
    assert t.status.code == "en_cours" and t.confirmation != Confirmation.PENDING
    assert t.events.get(kind="confirmation").data == {"accepted": False}
    assert Comment.objects.get(ticket=t).body == "Toujours KO"


def test_an_unasked_question_in_spt_awaiting_customer_offers_no_refute(world):
    """SPT "En attente client" after a question (not a resolution): answer by comment."""
    t = file_ticket(world.customer, "spt")
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="ask_customer", data={"comment": "Quelle version ?"}
    )
    page = text(client_for(world.customer).get(ticket_url(t)))
    assert "Quelle version ?" in page and 'name="comment-comment"' in page
    assert "move/refute/" not in page and "confirm-accepted" not in page


# --- POR-4: solved ticket: solution, assessment, back to in progress -------------------------


def test_solved_shows_the_solution_and_takes_an_assessment(world):
    t = solved_itil(world)
    client = client_for(world.customer)
    page = text(client.get(ticket_url(t)))
    assert "Disque remplacé" in page and fr("Your assessment") in page
    response = client.post(
        ticket_url(t, "assess"), {"assess-satisfaction": "4", "assess-comment": "Rapide"}
    )
    assert response.status_code == 302
    a = Assessment.objects.get(ticket=t)
    assert (a.user, a.satisfaction, a.comment) == (world.customer, 4, "Rapide")
    rated = fr("You rated this solution %(n)s/5. You can change your assessment.") % {"n": 4}
    assert rated in text(client.get(ticket_url(t)))


@pytest.mark.parametrize("value", ["0", "6", "", "abc", "-1"])
def test_assessment_out_of_range_is_refused_next_to_the_field(world, value):
    t = solved_itil(world)
    before = snapshot()
    response = client_for(world.customer).post(
        ticket_url(t, "assess"), {"assess-satisfaction": value}
    )
    assert refused(response, "assess_form", "satisfaction") == [
        fr("Give a satisfaction level from 1 to 5.")
    ]
    assert snapshot() == before


def test_not_solved_goes_back_in_progress_with_a_mandatory_comment(world):
    t = solved_itil(world)
    client = client_for(world.customer)
    assert "move/reopen/" in text(client.get(ticket_url(t)))
    before = snapshot()
    response = client.post(ticket_url(t, "move", code="reopen"), {"move-reopen-comment": ""})
    [message] = refused(response, "move-reopen", "comment")
    assert "obligatoire" in message
    assert 'id="id_move-reopen-comment_error"' in text(response)
    assert snapshot() == before
    response = client.post(
        ticket_url(t, "move", code="reopen"), {"move-reopen-comment": "L'écran clignote encore"}
    )
    t = reload(t)
    assert response.status_code == 302
    assert (t.status.code, t.state) == ("in_progress", "open")
    assert Comment.objects.get(ticket=t).body == "L'écran clignote encore"


# --- WF-6: quote ------------------------------------------------------------------------------


def test_quote_shown_and_accepted(world):
    t = quoted_n123(world, "1800")
    client = client_for(world.customer)
    page = text(client.get(ticket_url(t)))
    assert "1800,00" in page and "Valider le chiffrage" in page and "Refuser le chiffrage" in page
    response = client.post(ticket_url(t, "move", code="accept_quote"), {})
    assert response.status_code == 302
    assert reload(t).status.code == "en_realisation"


def test_quote_refusal_needs_a_comment(world):
    t = quoted_n123(world)
    client = client_for(world.customer)
    before = snapshot()
    response = client.post(ticket_url(t, "move", code="refuse_quote"), {})
    refused(response, "move-refuse_quote", "comment")
    assert snapshot() == before
    client.post(ticket_url(t, "move", code="refuse_quote"), {"move-refuse_quote-comment": "Cher"})
    assert reload(t).status.code == "en_cours"


# --- WF-7: approval ---------------------------------------------------------------------------


def test_approve(world):
    t = approval_itil(world)
    client = client_for(world.customer)
    page = text(client.get(ticket_url(t)))
    assert "Votre approbation est requise" in page  # the status's meaning
    assert fr("It is your turn: see below what is expected from you.") in page
    client.post(ticket_url(t, "move", code="approve"), {})
    assert reload(t).status.code == "in_progress"


def test_decline_needs_a_comment(world):
    t = approval_itil(world)
    client = client_for(world.customer)
    response = client.post(ticket_url(t, "move", code="decline"), {})
    refused(response, "move-decline", "comment")
    client.post(ticket_url(t, "move", code="decline"), {"move-decline-comment": "Pas ce mois"})
    assert reload(t).status.code == "classification"


def test_a_move_not_offered_now_is_refused_with_the_workflows_message(world):
    t = file_ticket(world.customer, "itil")
    client = client_for(world.customer)
    before = snapshot()
    response = client.post(ticket_url(t, "move", code="solve"), {}, follow=True)
    assert snapshot() == before
    assert "n'est pas possible depuis le statut" in text(response)


def test_no_answer_buttons_for_someone_who_only_sees_it(world):
    """A customer manager sees the site's tickets but does not answer for the requester."""
    t = solved_itil(world)
    page = text(client_for(world.customer_manager).get(ticket_url(t)))
    assert fr("Your assessment") not in page and 'name="comment-comment"' not in page


def test_a_confirmation_without_an_answer_is_refused_and_says_so(world):
    t = resolved_spt(world)
    before = snapshot()
    response = client_for(world.customer).post(ticket_url(t, "confirm"), {"confirm-comment": "?"})
    assert response.status_code == 400
    assert list(response.context["confirm_form"].errors) == ["accepted"]
    assert 'class="error form-error"' in text(response)
    assert snapshot() == before


# --- ENT (002): answer a request for information, approve the closure, reopen -----------------


def test_ent_answer_approve_the_closure_then_reopen(world):
    t = file_ticket(world.customer, "ent")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="request_info", data={"comment": "Quel poste ?"}
    )
    client = client_for(world.customer)
    assert "move/answer/" in text(client.get(ticket_url(t)))
    client.post(ticket_url(t, "move", code="answer"), {"move-answer-comment": "Le PC-12"})
    assert reload(t).status.code == "en_cours"
    actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    page = text(client.get(ticket_url(t)))
    # The closure awaits the owner: the confirmation form, not "approve"/"reopen" buttons.
    assert "confirm-accepted" in page
    assert "move/approve/" not in page and "move/reopen/" not in page
    client.post(ticket_url(t, "confirm"), {"confirm-accepted": "yes"})
    t = reload(t)
    assert (t.status.code, t.state) == ("approuve", "closed")
    # WF-3 (002): the owner may reopen an approved ticket; a new request is offered too.
    page = text(client.get(ticket_url(t)))
    assert "move/reopen/" in page and f"references={t.key}" in page
    client.post(ticket_url(t, "move", code="reopen"), {"move-reopen-comment": "Revenu"})
    assert reload(t).status.code == "en_cours"
