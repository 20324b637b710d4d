# covers: WF-1, WF-2, WF-3, WF-4, WF-5, WF-8, TIC-4, TIC-6, AG-1, AG-2, AG-3, NOT-1, NOT-4
"""`ent` reproduces seed 002 (ENT online assistance, the service manager's guide)."""

from __future__ import annotations

import pytest
from django.utils import translation

from comptoir.conftest import category
from comptoir.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    WorkflowError,
)
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

# SPEC §12, `ent`, copied verbatim.
SPEC = """
| Libre (not taken yet) | service managers | run |
| En cours (taken) | its manager | run |
| En attente d'information (manager asked the owner) | the owner | pause |
| Reporté (postponed) | its manager | pause |
| Clos (closure awaiting the owner's approval) | the owner | stop |
| Approuvé (closure approved, or not contested within N days) | — | stop |
| Refusé | — | stop |
"""
CODES = ["libre", "en_cours", "attente_info", "reporte", "clos", "approuve", "refuse"]
TABLE = spec_table(SPEC, CODES, {"clos": "resolved", "approuve": "closed", "refuse": "closed"})


@pytest.fixture
def walk(world):
    return Walk(world, "ent", {"ent": TABLE})


def new(walk, actor="customer", **kw):
    return walk.create("ticket", "messagerie", actor=actor, **kw)


def closed(walk):
    """Taken and closed: "Clos", awaiting the owner's approval."""
    t = new(walk)
    t = walk.take(t, "agent", then="close", expect=["take", "close"])
    assert t.confirmation == "pending"
    return t


# -- the status table -------------------------------------------------------------------------


def test_statuses_match_spec(db):
    wf = Workflow.objects.get(desk__slug="ent", code="ent")
    statuses = list(wf.statuses.order_by("order"))
    assert [s.code for s in statuses] == CODES
    assert [s.name_fr for s in statuses] == [r.label for r in TABLE.values()]
    for s in statuses:
        assert_status_matches(s, TABLE[s.code])
    assert {s.code: s.awaiting_party for s in statuses} == {
        "libre": "desk",
        "en_cours": "agent",
        "attente_info": "requester",
        "reporte": "agent",
        "clos": "requester",
        "approuve": "nobody",
        "refuse": "nobody",
    }
    assert [s.code for s in statuses if s.is_initial] == ["libre"]
    # The owner hears of the manager's question, a postponement, a closure and a refusal;
    # not of a ticket taken or released ("Libre" and "En cours" are the desk's business).
    assert {s.code for s in statuses if s.notify_requester} == {
        "attente_info",
        "reporte",
        "clos",
        "refuse",
    }
    assert wf.taken_status.code == "en_cours"
    assert (wf.confirm_transition, wf.refute_transition) == ("approve", "reopen")
    # WF-4: an uncontested closure is approved after N days, by the scheduler.
    clos = wf.statuses.get(code="clos")
    assert (clos.auto_after_days, clos.auto_transition) == (7, "approve")
    assert "system" in wf.transitions.get(code="approve").actors
    assert all(t.is_reopening for t in wf.transitions.filter(code="reopen"))
    desk = wf.desk
    assert (desk.key_prefix, desk.reopen_policy) == ("ENT-", "owner_or_managers")


def test_services_contain_categories_with_templates(db):
    """002: services hold categories (Services Généraux: Électricité, Chauffage,
    Plomberie); a category may propose a ticket template."""
    desk = Workflow.objects.get(desk__slug="ent").desk
    cats = {s.slug: sorted(c.name_fr for c in s.categories.all()) for s in desk.services.all()}
    assert cats["services-generaux"] == ["Chauffage", "Plomberie", "Électricité"]
    messagerie = desk.services.get(slug="dsi").categories.get(slug="messagerie")
    assert messagerie.template_subject_fr and messagerie.template_body_fr
    assert messagerie.template_subject_en and messagerie.template_body_en


# -- every status, every transition -----------------------------------------------------------


def test_walk_every_transition(walk, world):
    # 1. The guide, section by section.
    t = new(walk)
    assert t.key.startswith("ENT-")
    # NOT-1: the service's managers hear of the new ticket; NOT-4: its owner, who filed
    # it, gets the confirmation.
    created = Event.objects.get(ticket=t, kind="created")
    told = set(Outbox.objects.filter(event=created).values_list("recipient_id", flat=True))
    assert told == {world.agent.pk, world.agent2.pk, world.manager.pk, world.customer.pk}
    t = walk.take(t, "agent", expect=["take"])  # libre → en_cours
    t = walk.release(t, "agent", expect=["release"])  # en_cours → libre
    t = walk.fire(t, "manager", "request_info", comment="Quelle adresse ?")  # libre → info
    t = walk.fire(t, "customer", "answer", comment="alice@alpha.test")  # info → en_cours
    t = walk.fire(t, "agent", "postpone", reason="Attente licence")  # en_cours → reporté
    t = walk.fire(t, "agent", "request_info", comment="Toujours utile ?")  # reporté → info
    t = walk.fire(t, "agent", "postpone", reason="Congés")  # info → reporté
    t = walk.fire(t, "agent", "resume")  # reporté → en_cours
    t = walk.fire(t, "agent", "request_info", comment="Capture ?")  # en_cours → info
    t = walk.fire(t, "agent", "close")  # info → clos
    t = walk.confirm(t, accepted=True, expect=["approve"])  # clos → approuvé
    assert t.state == "closed"
    t = walk.fire(t, "customer", "reopen")  # approuvé → en_cours
    t = walk.take(t, "agent2", then="close", expect=["close"])  # en_cours → clos
    t = walk.confirm(t, accepted=False, comment="Pas réglé", expect=["reopen"])  # clos → en_cours
    t = walk.fire(t, "agent", "refuse", reason="Hors périmètre")  # en_cours → refusé
    t = walk.fire(t, "manager", "reopen")  # refusé → en_cours
    t = walk.fire(t, "agent", "postpone", reason="Fin de mois")
    t = walk.fire(t, "agent", "close")  # reporté → clos
    t = walk.fire(t, "system", "approve")  # clos → approuvé after the delay
    # 2. Closed straight from "Libre", reopened by an agent of the service.
    t = new(walk, actor="agent", reporter=world.customer, affected=world.colleague)
    t = walk.fire(t, "agent", "close")  # libre → clos
    t = walk.fire(t, "agent2", "reopen")  # clos → en_cours
    # 3. Refused from every active status.
    t = new(walk)
    t = walk.fire(t, "agent", "refuse", reason="Doublon")  # libre → refusé
    t = new(walk)
    t = walk.fire(t, "agent", "request_info", comment="?")
    t = walk.fire(t, "agent", "refuse", reason="Sans réponse")  # info → refusé
    t = new(walk)
    t = walk.take(t, "agent", expect=["take"])
    t = walk.fire(t, "agent", "postpone", reason="Budget")
    t = walk.fire(t, "agent", "refuse", reason="Abandon")  # reporté → refusé

    assert loaded_transitions("ent") == defined_transitions("ent")
    assert fired_transitions("ent") == defined_transitions("ent")


# -- the seed's rules -------------------------------------------------------------------------


@pytest.mark.parametrize("reopener", ["customer", "agent", "agent2", "manager", "admin"])
def test_reopened_by_owner_or_the_services_managers(walk, world, reopener):
    t = closed(walk)
    t = walk.fire(t, reopener, "reopen")
    assert t.status.code == "en_cours" and t.state == "open"
    assert t.confirmation == "" and t.resolved_at is None


@pytest.mark.parametrize(
    ("who_", "error"),
    [
        ("customer_manager", PermissionDenied),  # another customer of the same site, sees it
        ("colleague", NotFound),  # another customer of the same site, does not see it
        ("other_site", NotFound),
        ("outsider", NotFound),  # another tenant
        ("other_agent", NotFound),  # an agent of another service
    ],
)
def test_nobody_else_reopens(walk, world, who_, error):
    t = closed(walk)
    with refused(t, error):
        actions.ticket_transition(actor=getattr(world, who_), ticket=t, code="reopen")


def test_affected_person_who_is_not_the_owner_cannot_reopen(walk, world):
    """The owner is the customer the ticket was filed for (the reporting person); the
    affected person follows it but may not reopen it."""
    t = new(walk, actor="agent", reporter=world.customer, affected=world.colleague)
    t = walk.take(t, "agent", then="close", expect=["take", "close"])
    with refused(t, PermissionDenied, code="transition_forbidden"):
        actions.ticket_transition(actor=world.colleague, ticket=t, code="reopen")
    with refused(t, PermissionDenied):
        actions.ticket_confirm_resolution(actor=world.colleague, ticket=t, accepted=True)
    assert walk.fire(t, "customer", "reopen").status.code == "en_cours"


def test_take_and_close(walk, world):
    t = new(walk)
    t = walk.take(t, "agent", then="close", expect=["take", "close"])
    assert (t.status.code, t.state, t.assignee_id) == ("clos", "resolved", world.agent.pk)
    # The owner is asked to approve the closure (002 §I.8).
    asked = Outbox.objects.filter(ticket=t, kind="status", recipient=world.customer)
    assert asked.count() == 1 and asked.get().event.data["new"]["fr"] == "Clos"


def test_take_and_comment(walk, world):
    t = new(walk)
    t = walk.take(t, "agent", comment="Je regarde", expect=["take"])
    assert Comment.objects.filter(ticket=t, author=world.agent, body="Je regarde").exists()


def test_take_and_request_information_needs_a_comment(walk, world):
    t = new(walk)
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_take(actor=world.agent, ticket=t, then="request_info")
    assert fresh(t).assignee_id is None  # the take itself was undone
    t = walk.take(
        t, "agent", then="request_info", comment="Quel poste ?", expect=["take", "request_info"]
    )
    assert t.status.code == "attente_info"
    assert Comment.objects.filter(ticket=t, body="Quel poste ?").exists()
    # The owner is the one asked.
    assert Outbox.objects.filter(ticket=t, kind="status", recipient=world.customer).exists()


def test_two_takes_one_wins(walk, world):
    t = new(walk)
    t = walk.take(t, "agent", expect=["take"])
    with refused(t, Conflict, code="already_taken"):
        actions.ticket_take(actor=world.agent2, ticket=t)
    with translation.override("en"), pytest.raises(Conflict) as info:
        actions.ticket_take(actor=world.agent2, ticket=t)
    assert str(world.agent) in str(info.value)


def test_release_tells_the_other_managers(walk, world):
    t = new(walk)
    t = walk.take(t, "agent", expect=["take"])
    t = walk.release(t, "agent", expect=["release"])
    assert t.status.code == "libre"
    released = Event.objects.get(ticket=t, kind="released")
    rows = Outbox.objects.filter(event=released, kind="released")
    assert set(rows.values_list("recipient_id", flat=True)) == {world.agent2.pk, world.manager.pk}
    assert not Outbox.objects.filter(event=released, recipient=world.other_agent).exists()
    with refused(t, Conflict, code="not_held"):
        actions.ticket_release(actor=world.manager, ticket=t)
    # Releasing does not mail the owner: the only mail they had is the confirmation of
    # their new ticket.
    owner_rows = Outbox.objects.filter(ticket=t, recipient=world.customer)
    assert list(owner_rows.values_list("kind", flat=True)) == ["created"]


def test_only_the_holder_or_a_manager_releases(walk, world):
    t = new(walk)
    t = walk.take(t, "agent", expect=["take"])
    with refused(t, PermissionDenied):
        actions.ticket_release(actor=world.agent2, ticket=t)
    t = walk.release(t, "manager", expect=["release"])


def test_any_agent_of_the_service_comments(walk, world):
    """AG-3: comment on a ticket of one's service without holding it."""
    t = new(walk)
    t = walk.take(t, "agent", expect=["take"])
    actions.ticket_comment(actor=world.agent2, ticket=t, body="Vu aussi chez Bob")
    assert Comment.objects.filter(ticket=t, author=world.agent2).exists()


def test_scheduler_approves_an_uncontested_closure(walk):
    t = closed(walk)
    t = walk.fire(t, "system", "approve")
    assert t.status.code == "approuve" and t.closed_at is not None


def test_moves_that_need_data(walk, world):
    t = new(walk)
    t = walk.take(t, "agent", expect=["take"])
    for code, field in (("postpone", "reason"), ("refuse", "reason"), ("request_info", "comment")):
        with refused(t, InvalidInput, field=field):
            actions.ticket_transition(actor=world.agent, ticket=t, code=code)
    t = walk.fire(t, "agent", "request_info", comment="?")
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_transition(actor=world.customer, ticket=t, code="answer")


def test_refusal_messages_in_both_languages(walk, world):
    t = closed(walk)
    en, _fr = messages_in_both(
        lambda: actions.ticket_transition(actor=world.customer_manager, ticket=t, code="reopen")
    )
    assert "allowed" in en


def test_take_and_release_are_not_bare_transitions(walk, world):
    """Entering or leaving "En cours (taken)" sets or clears the ticket's manager: only
    take, release, assign and transfer do it, never a bare status move."""
    t = new(walk)
    for actor in (world.agent, world.manager, world.admin):
        with refused(t, WorkflowError, code="use_take_or_release"):
            actions.ticket_transition(actor=actor, ticket=t, code="take")
    messages_in_both(lambda: actions.ticket_transition(actor=world.agent, ticket=t, code="take"))
    t = walk.take(t, "agent", expect=["take"])
    for actor in (world.agent, world.manager, world.admin):
        with refused(t, WorkflowError, code="use_take_or_release"):
            actions.ticket_transition(actor=actor, ticket=t, code="release")
    t = fresh(t)
    assert (t.status.code, t.assignee_id) == ("en_cours", world.agent.pk)


def test_assigning_a_free_ticket_takes_it(walk, world):
    t = new(walk)
    with walk._moves(t, "manager", ["take"]):
        actions.ticket_assign(actor=world.manager, ticket=t, assignee=world.agent2)
    t = fresh(t)
    assert t.assignee_id == world.agent2.pk
    assert t.status.code == "en_cours"
    assigned = Event.objects.get(ticket=t, kind="assigned")
    assert assigned.data["new"]["id"] == world.agent2.pk
    # Reassigning a ticket already taken moves no status.
    with walk._moves(t, "manager", []):
        actions.ticket_assign(actor=world.manager, ticket=t, assignee=world.agent)
    t = fresh(t)
    assert (t.status.code, t.assignee_id) == ("en_cours", world.agent.pk)


def test_transferred_ticket_is_free_in_its_new_service(walk, world):
    t = new(walk)
    t = walk.take(t, "agent", expect=["take"])
    with walk._moves(t, "agent", ["release"]):
        actions.ticket_transfer(
            actor=world.agent, ticket=t, category=category("ent", "reseau"), reason="Réseau"
        )
    t = fresh(t)
    assert t.assignee_id is None
    assert t.status.code == "libre"
    assert t.category.slug == "reseau"
    # Free again: anyone of the service may take it, and the take moves it on as usual.
    t = walk.take(t, "agent2", expect=["take"])
    assert t.status.code == "en_cours"
