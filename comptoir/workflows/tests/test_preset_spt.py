# covers: WF-1, WF-2, WF-3, WF-4, WF-5, WF-8, TIC-1, TIC-2, TIC-3, TIC-5, AG-7, MAIL-2, NOT-4
"""`spt` reproduces seed 001 (Customer Services portal, SPT requests)."""

from __future__ import annotations

import pytest
from django.utils import translation

from comptoir.catalog.models import Priority
from comptoir.conftest import category
from comptoir.core.errors import InvalidInput, PermissionDenied, WorkflowError
from comptoir.tickets import actions
from comptoir.tickets.models import Comment, Event, LinkKind, TicketLink
from comptoir.tickets.relations import relations
from comptoir.workflows.models import Status, Workflow
from comptoir.workflows.tests.test_engine import (
    Walk,
    assert_status_matches,
    defined_transitions,
    fired_transitions,
    fresh,
    loaded_transitions,
    messages_in_both,
    refused,
    spec_table,
    ticket_type,
)

# SPEC §12, `spt`, copied verbatim.
SPEC = """
| Ouvert | Customer Service (FrontDesk) | run |
| Qualifié | Customer Service (Daily) | run |
| En cours | Customer Service (ServiceDesk) | run |
| En attente triage | expert | run |
| En attente R&D | R&D | run |
| En attente client | the customer | pause |
| Fermé | — | stop |
"""
CODES = [
    "ouvert",
    "qualifie",
    "en_cours",
    "attente_triage",
    "attente_rd",
    "attente_client",
    "ferme",
]
TABLE = spec_table(SPEC, CODES, {"ferme": "closed"})

# Seed 001, "Les statuts": meaning and "Traitement attendu par", in the seed's words (the
# seed's typo "escaldée" is corrected).
SEED_STATUSES = {
    "ouvert": ("La demande a été envoyée", "Customer Service (FrontDesk)"),
    "qualifie": ("La demande a été réceptionnée et validée", "Customer Service (Daily)"),
    "en_cours": ("Nous travaillons à répondre à votre demande", "Customer Service (ServiceDesk)"),
    "attente_triage": ("La demande a été escaladée à un expert", "Expert de ProConcept"),
    "attente_rd": ("Une correction doit être développée par le R&D", "R&D"),
    "attente_client": ("Nous attendons une réponse/traitement de votre part", "Le client (vous)"),
    "ferme": ("La demande a été traitée ou escaladée", "-"),
}


@pytest.fixture
def walk(world):
    return Walk(world, "spt", {"spt": TABLE})


def new(walk, type_code="support", actor="customer", **kw):
    slug = "erp" if type_code == "support" else "licences"
    return walk.create(type_code, slug, actor=actor, **kw)


def resolved(walk):
    """A support request resolved and awaiting the requester's confirmation."""
    t = new(walk)
    t = walk.fire(t, "agent", "start")
    t = walk.fire(t, "agent", "resolve", solution="Paramètre corrigé")
    assert t.confirmation == "pending"
    return t


def closed(walk):
    t = resolved(walk)
    t = walk.confirm(t, accepted=True)
    return walk.fire(t, "agent", "close")


# -- the status table -------------------------------------------------------------------------


def test_statuses_match_spec_and_seed(db):
    wf = Workflow.objects.get(desk__slug="spt", code="spt")
    statuses = list(wf.statuses.order_by("order"))
    assert [s.code for s in statuses] == CODES
    assert [s.name_fr for s in statuses] == [r.label for r in TABLE.values()]
    for s in statuses:
        assert_status_matches(s, TABLE[s.code])
        assert (s.meaning_fr, s.awaiting_fr) == SEED_STATUSES[s.code]
    parties = {s.code: s.awaiting_party for s in statuses}
    assert parties == {
        "ouvert": "desk",
        "qualifie": "desk",
        "en_cours": "desk",
        "attente_triage": "expert",
        "attente_rd": "rnd",
        "attente_client": "requester",
        "ferme": "nobody",
    }
    assert [s.code for s in statuses if s.is_initial] == ["ouvert"]
    assert [s.code for s in statuses if s.is_final] == ["ferme"]
    assert {s.code for s in statuses if s.notify_requester} == {"attente_client", "ferme"}
    # WF-4/WF-5: without an answer the resolution closes after a delay, by the scheduler.
    waiting = wf.statuses.get(code="attente_client")
    assert (waiting.auto_after_days, waiting.auto_transition) == (10, "close")
    close = wf.transitions.get(code="close")
    assert "system" in close.actors and close.needs_confirmation
    assert (wf.confirm_transition, wf.refute_transition) == ("", "refute")
    assert wf.transitions.get(code="resolve", from_status__code="en_cours").asks_confirmation


def test_desk_types_and_priorities_match_seed(db):
    desk = Workflow.objects.get(desk__slug="spt").desk
    assert desk.key_prefix == "SPT-"
    assert desk.reopen_policy == "never"
    assert desk.reply_by_email is False  # MAIL-2: portal only
    assert desk.description_fr and desk.description_en
    types = {
        t.code: (t.group_fr, t.name_fr, t.sla_applies, t.customer_may_create)
        for t in desk.types.all()
    }
    assert types == {
        "support": ("Assistance", "Support", True, True),
        "patch": ("Administration", "Patch", False, True),
        "licence": ("Administration", "Licence", False, False),
    }
    priorities = [
        (p.name_fr, p.meaning_fr) for p in Priority.objects.filter(desk=desk).order_by("rank")
    ]
    assert priorities == [
        (
            "Bloquante",
            "Processus vital pour l'entreprise bloqué et non contournable, risque de "
            "perte de chiffre d'affaire",
        ),
        (
            "Haute",
            "Processus vital bloqué pour l'entreprise bloqué, risque de perte de chiffre "
            "d'affaire dans l'immédiat",
        ),
        ("Moyenne", "Contournable difficilement et coûteux"),
        ("Basse", "Facilement contournable ou confort"),
    ]
    assert all(p.name_en and p.meaning_en for p in Priority.objects.filter(desk=desk))
    assert Priority.objects.get(desk=desk, is_default=True).code == "moyenne"


# -- every status, every transition -----------------------------------------------------------


def test_walk_every_transition(walk, world):
    # 1. The seed's flow: received, qualified, escalated to an expert and R&D, back to the
    #    service desk, a question to the customer, resolved, refuted, resolved, confirmed, closed.
    t = new(walk)
    assert t.key.startswith("SPT-")
    t = walk.fire(t, "agent", "qualify")
    t = walk.fire(t, "agent", "triage")  # qualifié → attente_triage
    t = walk.fire(t, "agent", "rnd")  # attente_triage → attente_rd
    t = walk.fire(t, "agent", "start")  # attente_rd → en_cours
    t = walk.fire(t, "agent", "triage")  # en_cours → attente_triage
    t = walk.fire(t, "agent", "start")  # attente_triage → en_cours
    t = walk.fire(t, "agent", "rnd")  # en_cours → attente_rd
    t = walk.fire(t, "agent", "ask_customer", comment="Quelle version ?")  # attente_rd → client
    t = walk.fire(t, "agent", "start")  # attente_client → en_cours
    t = walk.fire(t, "agent", "resolve", solution="Correctif 12.3")
    t = walk.confirm(t, accepted=False, comment="Toujours en erreur", expect=["refute"])
    assert t.status.code == "en_cours" and t.confirmation == ""
    t = walk.fire(t, "agent", "resolve", solution="Correctif 12.4")
    t = walk.confirm(t, accepted=True)
    assert t.confirmation == "confirmed" and t.status.code == "attente_client"
    t = walk.fire(t, "agent", "close")
    assert t.state == "closed"

    # 2. Straight to work from "Ouvert", questions from every working status, resolution
    #    from R&D, closed by the scheduler after the confirmation delay.
    t = new(walk, actor="agent", reporter=world.customer, affected=world.colleague)
    t = walk.fire(t, "agent", "start")  # ouvert → en_cours
    t = walk.fire(t, "agent", "ask_customer", comment="Capture ?")  # en_cours → client
    t = walk.fire(t, "agent", "start")
    t = walk.fire(t, "agent", "triage")
    t = walk.fire(t, "agent", "ask_customer", comment="Journal ?")  # triage → client
    t = walk.fire(t, "agent", "start")
    t = walk.fire(t, "agent", "rnd")
    t = walk.fire(t, "agent", "resolve", solution="Livré en 12.5")  # rnd → client
    t = walk.fire(t, "system", "close")
    assert t.state == "closed"

    # 3. Qualified then asked, qualified then resolved, refuted directly, resolved by the
    #    expert, restarted from "Qualifié".
    t = new(walk)
    t = walk.fire(t, "agent", "qualify")
    t = walk.fire(t, "agent", "ask_customer", comment="Quel module ?")  # qualifié → client
    t = walk.fire(t, "agent", "start")
    t = walk.fire(t, "agent", "resolve", solution="Voir la doc")
    t = walk.fire(t, "customer", "refute", comment="La doc ne couvre pas mon cas")
    t = walk.fire(t, "agent", "triage")
    t = walk.fire(t, "agent", "resolve", solution="Réponse de l'expert")  # triage → client
    t = new(walk, type_code="patch")
    t = walk.fire(t, "agent", "qualify")
    t = walk.fire(t, "agent", "resolve", solution="Correctif planifié")  # qualifié → client
    t = new(walk, type_code="patch")
    t = walk.fire(t, "agent", "qualify")
    t = walk.fire(t, "agent", "start")  # qualifié → en_cours

    assert loaded_transitions("spt") == defined_transitions("spt")
    assert fired_transitions("spt") == defined_transitions("spt")
    reached = {s for (_wf, _c, _a, s) in fired_transitions("spt")} | {"ouvert"}
    assert reached == set(CODES)


# -- the seed's rules -------------------------------------------------------------------------


def test_closed_request_cannot_be_reopened(walk, world):
    t = closed(walk)
    assert t.status.is_final
    for actor in (world.customer, world.agent, world.manager, world.admin, None):
        for code in (
            Status.objects.get(pk=t.status_id)
            .workflow.transitions.values_list("code", flat=True)
            .distinct()
        ):
            with refused(t, WorkflowError, code="transition_not_allowed"):
                actions.ticket_transition(actor=actor, ticket=t, code=code)
    with refused(t, WorkflowError, code="not_pending"):
        actions.ticket_confirm_resolution(
            actor=world.customer, ticket=t, accepted=False, comment="Je veux la rouvrir"
        )


def test_customer_cannot_comment_on_a_closed_request(walk, world):
    t = closed(walk)
    with refused(t, PermissionDenied, code="closed"):
        actions.ticket_comment(actor=world.customer, ticket=t, body="Encore un souci")
    en, _fr = messages_in_both(
        lambda: actions.ticket_comment(actor=world.customer, ticket=t, body="Encore")
    )
    assert "new request" in en


def test_new_request_references_the_closed_one(walk, world):
    old = closed(walk)
    t = actions.ticket_create(
        actor=world.customer,
        desk=world.desks["spt"],
        type=ticket_type("spt", "support"),
        category=category("spt", "erp"),
        title="Suite de SPT",
        description="Même erreur",
        references=old,
    )
    link = TicketLink.objects.get(source=t)
    assert (link.target_id, link.kind) == (old.pk, LinkKind.REFERENCES)
    t = fresh(t)
    assert t.status.code == "ouvert" and t.key != old.key
    assert fresh(old).status.code == "ferme"


def test_close_needs_the_requesters_confirmation(walk, world):
    t = resolved(walk)
    with refused(t, WorkflowError, code="needs_confirmation"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    t = walk.confirm(t, accepted=True)
    t = walk.fire(t, "agent", "close")
    assert t.status.code == "ferme"


def test_scheduler_closes_a_pending_resolution(walk):
    t = resolved(walk)
    t = walk.fire(t, "system", "close")
    assert t.status.code == "ferme" and t.closed_at is not None


def test_scheduler_does_not_close_a_question_to_the_customer(walk, world):
    """ "En attente client" after a question is not a resolution: no confirmation is pending,
    so the delay does not close it."""
    t = new(walk)
    t = walk.fire(t, "agent", "start")
    t = walk.fire(t, "agent", "ask_customer", comment="Pouvez-vous préciser ?")
    assert t.confirmation == ""
    with refused(t, WorkflowError, code="needs_confirmation"):
        actions.ticket_transition(actor=None, ticket=t, code="close")
    # Nor after a refuted resolution that went back to work and then to a question.
    t = walk.fire(t, "agent", "start")
    t = walk.fire(t, "agent", "resolve", solution="x")
    t = walk.confirm(t, accepted=False, comment="non", expect=["refute"])
    t = walk.fire(t, "agent", "ask_customer", comment="Et maintenant ?")
    with refused(t, WorkflowError, code="needs_confirmation"):
        actions.ticket_transition(actor=None, ticket=t, code="close")


def test_refute_needs_a_comment_and_goes_back_to_work(walk, world):
    t = resolved(walk)
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_confirm_resolution(actor=world.customer, ticket=t, accepted=False)
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_confirm_resolution(
            actor=world.customer, ticket=t, accepted=False, comment="   "
        )
    t = walk.confirm(t, accepted=False, comment=" L'erreur revient ", expect=["refute"])
    assert (t.status.code, t.confirmation) == ("en_cours", "")
    # The comment travels with the refute move: one public comment, trimmed.
    comments = Comment.objects.filter(ticket=t, author=world.customer)
    assert list(comments.values_list("body", "internal")) == [("L'erreur revient", False)]
    confirmation = Event.objects.get(ticket=t, kind="confirmation")
    assert confirmation.data == {"accepted": False}


def test_refute_transition_itself_needs_a_comment(walk, world):
    """Seed 001: the requester refutes *by commenting*, whichever way the move is fired."""
    t = resolved(walk)
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_transition(actor=world.customer, ticket=t, code="refute")
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_transition(
            actor=world.customer, ticket=t, code="refute", data={"comment": "  "}
        )
    t = walk.fire(t, "customer", "refute", comment="Même erreur")
    assert t.status.code == "en_cours"
    assert Comment.objects.get(ticket=t, author=world.customer).body == "Même erreur"


def test_only_the_requester_confirms_or_refutes(walk, world):
    t = resolved(walk)
    with refused(t, PermissionDenied, code="transition_forbidden"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="refute", data={"comment": "x"})
    with refused(t, PermissionDenied):
        actions.ticket_confirm_resolution(actor=world.agent, ticket=t, accepted=True)


def test_customer_cannot_create_a_licence_request(walk, world):
    with refused(None, PermissionDenied, code="type_staff_only", contains="Licence"):
        actions.ticket_create(
            actor=world.customer,
            desk=world.desks["spt"],
            type=ticket_type("spt", "licence"),
            category=category("spt", "licences"),
            title="Clé 2026",
            description="Renouvellement",
        )
    with translation.override("en"), pytest.raises(PermissionDenied) as info:
        actions.ticket_create(
            actor=world.customer,
            desk=world.desks["spt"],
            type=ticket_type("spt", "licence"),
            category=category("spt", "licences"),
            title="Clé",
            description="x",
        )
    assert "staff" in str(info.value) and "on your behalf" in str(info.value)


def test_sales_administration_creates_a_licence_on_behalf(walk, world):
    t = new(walk, type_code="licence", actor="agent", reporter=world.customer)
    assert (t.reporter_id, t.affected_id, t.created_by_id) == (
        world.customer.pk,
        world.customer.pk,
        world.agent.pk,
    )
    assert t.type.sla_applies is False
    assert relations(world.customer, t) == {"requester", "owner"}
    # The customer follows it like any request of theirs.
    t = walk.fire(t, "agent", "start")
    t = walk.fire(t, "agent", "resolve", solution="Clé envoyée")
    t = walk.confirm(t, accepted=True)
    assert walk.fire(t, "agent", "close").status.code == "ferme"


def test_customer_cannot_fire_staff_moves(walk, world):
    t = new(walk)
    for code in ("qualify", "start"):
        with refused(t, PermissionDenied, code="transition_forbidden"):
            actions.ticket_transition(actor=world.customer, ticket=t, code=code)


def test_refusal_messages_in_both_languages(walk, world):
    t = resolved(walk)
    en, _fr = messages_in_both(
        lambda: actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    )
    assert "confirm" in en
    t = closed(walk)
    with translation.override("en"), pytest.raises(WorkflowError) as info:
        actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    assert "Closed" in str(info.value)
    with translation.override("fr"), pytest.raises(WorkflowError) as info:
        actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    assert "Fermé" in str(info.value)
