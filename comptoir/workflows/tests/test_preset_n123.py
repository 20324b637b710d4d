# covers: WF-1, WF-2, WF-4, WF-5, WF-6, WF-8, TIC-1, TIC-2, AG-5, BIL-2, NOT-4
"""`n123` reproduces seed 004 (support in levels N1/N2/N3, quotes)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from comptoir.catalog.models import SupportLevel
from comptoir.core.errors import Conflict, InvalidInput, PermissionDenied, WorkflowError
from comptoir.notifications.models import Outbox
from comptoir.tickets import actions
from comptoir.tickets.models import Comment, Event
from comptoir.workflows.models import Workflow
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
)

# SPEC §12, `n123`, copied verbatim.
SPEC = """
| Ouvert | support level of the type | run |
| Pris en charge (time task created, qualified, assigned) | the consultant | run |
| En cours | the consultant | run |
| Un instant (short hold) | the consultant | pause |
| En attente validation chiffrage (quote submitted) | the customer | pause |
| En cours de réalisation (quote accepted) | the consultant | run |
| Réponse envoyée | the customer | pause |
| Fermé (customer confirmed, or after N days) | — | stop |
"""
CODES = [
    "ouvert",
    "pris_en_charge",
    "en_cours",
    "un_instant",
    "attente_chiffrage",
    "en_realisation",
    "reponse_envoyee",
    "ferme",
]
TABLE = spec_table(SPEC, CODES, {"reponse_envoyee": "resolved", "ferme": "closed"})
# Only the application change is quoted (seed 004, "Evolution Applicatif").
SUPPORT_TABLE = {k: v for k, v in TABLE.items() if k not in {"attente_chiffrage", "en_realisation"}}
# Seed 004, "Liste des statuts disponibles sur les tickets".
SEED_LIST = [
    "Ouvert",
    "Pris en charge",
    "En Cours",
    "Un instant",
    "En Attente Validation Chiffrage",
    "En Cours de Réalisation",
    "Réponse Envoyée",
    "Fermé",
]
CATEGORY = {"assistance": "assistance", "incident": "applicatif", "evolution": "applicatif"}


@pytest.fixture
def walk(world):
    return Walk(world, "n123", {"support": SUPPORT_TABLE, "evolution": TABLE})


def new(walk, type_code="assistance", actor="customer", **kw):
    return walk.create(type_code, CATEGORY[type_code], actor=actor, **kw)


def analysed(walk):
    """An application change taken and under analysis ("En cours")."""
    t = new(walk, "evolution")
    t = walk.take(t, "agent", expect=["take"])
    return walk.fire(t, "agent", "start")


def quoted(walk, amount="1500"):
    return walk.fire(analysed(walk), "agent", "submit_quote", quote_amount=amount)


# -- the status table -------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "table"), [("support", SUPPORT_TABLE), ("evolution", TABLE)])
def test_statuses_match_spec(db, code, table):
    wf = Workflow.objects.get(desk__slug="n123", code=code)
    statuses = list(wf.statuses.order_by("order"))
    assert [s.code for s in statuses] == list(table)
    assert [s.name_fr for s in statuses] == [r.label for r in table.values()]
    for s in statuses:
        assert_status_matches(s, table[s.code])
    assert wf.taken_status.code == "pris_en_charge"
    # WF-4: "Réponse envoyée" closes after X days, by the scheduler, with WF-5's rule.
    sent = wf.statuses.get(code="reponse_envoyee")
    assert (sent.auto_after_days, sent.auto_transition) == (10, "close")
    close = wf.transitions.get(code="close")
    assert "system" in close.actors and close.needs_confirmation
    assert all(t.asks_confirmation for t in wf.transitions.filter(code="answer"))


def test_statuses_are_the_seeds_list(db):
    wf = Workflow.objects.get(desk__slug="n123", code="evolution")
    names = [s.name_fr for s in wf.statuses.order_by("order")]
    assert [n.lower() for n in names] == [n.lower() for n in SEED_LIST]


def test_levels_types_and_billing(db):
    desk = Workflow.objects.get(desk__slug="n123", code="support").desk
    assert desk.key_prefix == "#"
    assert [(lv.code, lv.rank) for lv in desk.levels.order_by("rank")] == [
        ("n1", 1),
        ("n2", 2),
        ("n3", 3),
    ]
    types = {
        t.code: (t.name_en, t.default_level.code, t.billing_mode, t.workflow.code)
        for t in desk.types.all()
    }
    assert types == {
        "assistance": ("User assistance", "n1", "time", "support"),
        "incident": ("Application incident", "n2", "time", "support"),
        "evolution": ("Application change", "n2", "quote", "evolution"),
    }
    assert {s.slug: s.level.code for s in desk.services.all()} == {
        "support-n1": "n1",
        "support-n2": "n2",
        "support-n3": "n3",
    }


# -- every status, every transition -----------------------------------------------------------


def test_walk_every_transition(walk, world):
    for type_code in ("assistance", "evolution"):
        # 1. Taken, released, taken again, short holds, answered, disputed, answered,
        #    confirmed, closed by the consultant.
        t = new(walk, type_code)
        assert t.key == f"#{t.number}"
        t = walk.take(t, "agent", expect=["take"])  # ouvert → pris en charge
        t = walk.release(t, "agent", expect=["release"])  # pris en charge → ouvert
        t = walk.take(t, "agent2", expect=["take"])
        t = walk.fire(t, "agent2", "hold")  # pris en charge → un instant
        t = walk.fire(t, "agent2", "start")  # un instant → en cours
        t = walk.fire(t, "agent2", "hold")  # en cours → un instant
        t = walk.fire(t, "agent2", "start")
        t = walk.fire(t, "agent2", "answer", solution="Utilisateur créé")  # en cours → réponse
        t = walk.fire(t, "customer", "refute", comment="Il manque les droits")  # → en cours
        t = walk.fire(t, "agent2", "answer", solution="Droits ajoutés")
        t = walk.confirm(t, accepted=True)
        t = walk.fire(t, "agent2", "close")  # réponse envoyée → fermé
        # 2. Answered at once, closed by the scheduler after the delay.
        t = new(walk, type_code, actor="agent", reporter=world.customer, affected=world.colleague)
        t = walk.take(t, "agent", expect=["take"])
        t = walk.fire(t, "agent", "answer", solution="Déjà corrigé")  # pris en charge → réponse
        t = walk.fire(t, "system", "close")
        # 3. Taken and started.
        t = new(walk, type_code)
        t = walk.take(t, "agent", expect=["take"])
        t = walk.fire(t, "agent", "start")  # pris en charge → en cours
    # 4. The quote (WF-6): submitted, refused, resubmitted, accepted, carried out, answered.
    t = analysed(walk)
    t = walk.fire(t, "agent", "submit_quote", quote_amount="2400")  # en cours → chiffrage
    t = walk.fire(t, "customer", "refuse_quote", comment="Trop cher")  # → en cours
    t = walk.fire(t, "agent", "submit_quote", quote_amount="1800")
    t = walk.fire(t, "customer", "accept_quote")  # → en cours de réalisation
    t = walk.fire(t, "agent", "answer", solution="Livré")  # réalisation → réponse envoyée
    assert t.quote_amount == Decimal("1800.00")

    assert loaded_transitions("n123") == defined_transitions("n123")
    assert fired_transitions("n123") == defined_transitions("n123")


# -- the seed's rules -------------------------------------------------------------------------


def test_quote_needs_an_amount(walk, world):
    t = analysed(walk)
    with refused(t, InvalidInput, field="quote_amount"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="submit_quote")
    for bad in ("mille", "-10", "0", "0,001", "NaN", "1e10"):
        with refused(t, InvalidInput, field="quote_amount"):
            actions.ticket_transition(
                actor=world.agent, ticket=t, code="submit_quote", data={"quote_amount": bad}
            )
    t = walk.fire(t, "agent", "submit_quote", quote_amount="1500")
    assert (t.status.code, t.quote_amount) == ("attente_chiffrage", Decimal("1500.00"))
    ev = Event.objects.filter(ticket=t, kind="status").last()
    assert ev.data["quote_amount"] == "1500.00"


def test_quote_with_a_decimal_comma(walk, world):
    """French users type "1234,5": it is the amount 1234.50."""
    t = quoted(walk, amount="1234,5")
    assert (t.status.code, t.quote_amount) == ("attente_chiffrage", Decimal("1234.50"))
    ev = Event.objects.filter(ticket=t, kind="status").last()
    assert ev.data["quote_amount"] == "1234.50"


def test_accepted_quote_goes_to_realisation(walk, world):
    t = quoted(walk)
    t = walk.fire(t, "customer", "accept_quote")
    assert t.status.name_fr == "En cours de réalisation" and t.status.sla_effect == "run"
    assert t.quote_amount == Decimal("1500.00")  # billed on the accepted quote


def test_refused_quote_needs_a_comment_and_goes_back_to_analysis(walk, world):
    t = quoted(walk)
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_transition(actor=world.customer, ticket=t, code="refuse_quote")
    t = walk.fire(t, "customer", "refuse_quote", comment="Revoir le périmètre")
    assert t.status.name_fr == "En cours"
    assert Comment.objects.filter(ticket=t, author=world.customer).exists()


def test_only_the_customer_answers_the_quote(walk, world):
    t = quoted(walk)
    for code in ("accept_quote", "refuse_quote"):
        with refused(t, PermissionDenied, code="transition_forbidden"):
            actions.ticket_transition(actor=world.agent, ticket=t, code=code, data={"comment": "x"})
    t = analysed(walk)
    with refused(t, PermissionDenied, code="transition_forbidden"):
        actions.ticket_transition(
            actor=world.customer, ticket=t, code="submit_quote", data={"quote_amount": "1"}
        )


def test_no_quote_on_user_assistance(walk, world):
    t = new(walk, "assistance")
    t = walk.take(t, "agent", expect=["take"])
    t = walk.fire(t, "agent", "start")
    with refused(t, WorkflowError, code="transition_not_allowed"):
        actions.ticket_transition(
            actor=world.agent, ticket=t, code="submit_quote", data={"quote_amount": "100"}
        )


def test_escalation_keeps_the_ticket(walk, world):
    t = new(walk, "assistance")
    assert (t.level.code, t.service.slug) == ("n1", "support-n1")
    t = walk.take(t, "agent", expect=["take"])
    t = walk.fire(t, "agent", "start")
    pk, key = t.pk, t.key
    history = list(Event.objects.filter(ticket=t).order_by("id").values_list("id", flat=True))

    actions.ticket_escalate(actor=world.agent, ticket=t, reason="Besoin du N2")
    t = fresh(t)
    assert (t.pk, t.key, t.level.code, t.service.slug) == (pk, key, "n2", "support-n2")
    assert t.assignee_id is None and t.status.code == "en_cours"
    actions.ticket_escalate(actor=world.agent2, ticket=t, reason="Expertise")
    t = fresh(t)
    assert (t.pk, t.key, t.level.code, t.service.slug) == (pk, key, "n3", "support-n3")
    events = list(Event.objects.filter(ticket=t).order_by("id"))
    assert [e.id for e in events[: len(history)]] == history
    escalations = [
        (e.data["old"]["fr"], e.data["new"]["fr"]) for e in events if e.kind == "escalated"
    ]
    assert escalations == [("Niveau 1", "Niveau 2"), ("Niveau 2", "Niveau 3")]

    with refused(t, InvalidInput, field="level"):
        actions.ticket_escalate(actor=world.agent, ticket=t)
    with refused(t, InvalidInput, field="level"):
        actions.ticket_escalate(
            actor=world.agent,
            ticket=t,
            level=SupportLevel.objects.get(desk__slug="n123", code="n2"),
        )
    messages_in_both(lambda: actions.ticket_escalate(actor=world.agent, ticket=t))
    with translation.override("en"), pytest.raises(InvalidInput) as info:
        actions.ticket_escalate(actor=world.agent, ticket=t)
    assert "highest level" in str(info.value)
    # Taken again at N3, worked and answered: still the same ticket.
    t = walk.take(t, "manager")
    t = walk.fire(t, "manager", "answer", solution="Correctif N3")
    assert t.pk == pk and t.state == "resolved"


def test_customer_cannot_escalate(walk, world):
    t = new(walk, "assistance")
    with refused(t, PermissionDenied, code="staff_only"):
        actions.ticket_escalate(actor=world.customer, ticket=t)


def test_closed_ticket_is_not_escalated(walk, world):
    """As ticket_take and ticket_assign: a closed ticket stays where it is."""
    t = new(walk, "assistance")
    t = walk.take(t, "agent", expect=["take"])
    t = walk.fire(t, "agent", "answer", solution="Fait")
    t = walk.fire(t, "system", "close")
    with refused(t, Conflict, code="closed"):
        actions.ticket_escalate(actor=world.agent, ticket=t)
    with refused(t, Conflict, code="closed"):
        actions.ticket_escalate(
            actor=world.manager,
            ticket=t,
            level=SupportLevel.objects.get(desk__slug="n123", code="n3"),
        )
    messages_in_both(lambda: actions.ticket_escalate(actor=world.agent, ticket=t))
    t = fresh(t)
    assert (t.level.code, t.service.slug, t.assignee_id) == ("n1", "support-n1", world.agent.pk)


@pytest.mark.parametrize("chosen", ["assistance", "applicatif"])
def test_application_incident_is_routed_to_n2(walk, world, chosen):
    t = walk.create("incident", chosen)
    assert (t.service.slug, t.category.slug, t.level.code) == ("support-n2", "applicatif", "n2")
    created = Event.objects.get(ticket=t, kind="created")
    told = set(Outbox.objects.filter(event=created).values_list("recipient_id", flat=True))
    # The N2 service's agents, and the customer who filed it (their confirmation, NOT-4).
    assert told == {world.agent.pk, world.agent2.pk, world.manager.pk, world.customer.pk}


def test_close_needs_confirmation_unless_the_delay_ran_out(walk, world):
    t = new(walk, "assistance")
    t = walk.take(t, "agent", expect=["take"])
    t = walk.fire(t, "agent", "answer", solution="Fait")
    with refused(t, WorkflowError, code="needs_confirmation"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    t = walk.fire(t, "system", "close")
    assert t.status.name_fr == "Fermé" and t.status.is_final


def test_dispute_transition_itself_needs_a_comment(walk, world):
    t = new(walk, "assistance")
    t = walk.take(t, "agent", expect=["take"])
    t = walk.fire(t, "agent", "answer", solution="Fait")
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_transition(actor=world.customer, ticket=t, code="refute")
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_transition(
            actor=world.customer, ticket=t, code="refute", data={"comment": " \n "}
        )
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_confirm_resolution(actor=world.customer, ticket=t, accepted=False)
    # Refuted through the confirmation: the comment travels with the move, once.
    t = walk.confirm(t, accepted=False, comment="Toujours bloqué", expect=["refute"])
    assert (t.status.code, t.confirmation) == ("en_cours", "")
    comments = Comment.objects.filter(ticket=t, author=world.customer)
    assert list(comments.values_list("body", "internal")) == [("Toujours bloqué", False)]


@pytest.mark.parametrize("type_code", ["assistance", "evolution"])
def test_take_and_release_are_not_bare_transitions(walk, world, type_code):
    """ "Pris en charge" means a consultant holds the ticket: only take, release, assign and
    transfer enter or leave it from "Ouvert"."""
    t = new(walk, type_code)
    with refused(t, WorkflowError, code="use_take_or_release"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="take")
    t = walk.take(t, "agent", expect=["take"])
    with refused(t, WorkflowError, code="use_take_or_release"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="release")
    with refused(t, WorkflowError, code="use_take_or_release"):
        actions.ticket_transition(actor=world.manager, ticket=t, code="release")
    t = walk.release(t, "manager", expect=["release"])
    assert t.status.code == "ouvert"


def test_assigning_an_open_ticket_takes_it(walk, world):
    t = new(walk, "assistance")
    with walk._moves(t, "manager", ["take"]):
        actions.ticket_assign(actor=world.manager, ticket=t, assignee=world.agent2)
    t = fresh(t)
    assert (t.status.code, t.assignee_id) == ("pris_en_charge", world.agent2.pk)
