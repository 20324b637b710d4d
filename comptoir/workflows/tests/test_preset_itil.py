# covers: WF-1, WF-2, WF-3, WF-4, WF-7, WF-8, TIC-1, TIC-7, TIC-8, POR-4, NOT-4
"""`itil` reproduces seed 003 (customer guide: incidents, service requests, changes)."""

from __future__ import annotations

import pytest
from django.utils import translation

from comptoir.core.errors import Conflict, InvalidInput, PermissionDenied, WorkflowError
from comptoir.notifications.models import Outbox
from comptoir.tickets import actions
from comptoir.tickets.models import Assessment, Comment, Event
from comptoir.workflows.models import WaitingReason, Workflow
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

# SPEC §12, `itil`, copied verbatim (the seed names its statuses in English).
SPEC = """
| New | service desk | run |
| Rejected (reason required) | — | stop |
| Classification | specialist | run |
| Postponed (reason required) | service desk | pause |
| In progress | specialist | run |
| Planned (appointment required) | specialist | run |
| Waiting (reason from the list in WF-2) | the customer or third party | pause |
| Approval (customer approval requested) | the customer | pause |
| Solved (solution required) | the customer (assessment) | stop |
| Closed (automatically 14 days after Solved; final) | — | stop |
"""
CODES = [
    "new",
    "rejected",
    "classification",
    "postponed",
    "in_progress",
    "planned",
    "waiting",
    "approval",
    "solved",
    "closed",
]
STATES = {"rejected": "closed", "solved": "resolved", "closed": "closed"}
TABLE = spec_table(SPEC, CODES, STATES)
# Incidents need no customer approval (WF-7 is for service requests and changes).
INCIDENT_TABLE = {k: v for k, v in TABLE.items() if k != "approval"}

# WF-2 / seed 003 §1.5: the waiting reasons, in the seed's words.
WAITING_REASONS = [
    ("third_party", "Waiting for 3rd party", "En attente d'une tierce personne"),
    ("customer_feedback", "Waiting for customer feedback", "En attente de votre réponse"),
    (
        "customer_financial_approval",
        "Waiting for customer financial approval",
        "En attente de votre approbation financière",
    ),
    ("hardware_arrival", "Waiting for customer hardware arrival", "En attente de votre appareil"),
    (
        "hardware_return",
        "Waiting for customer hardware return",
        "En attente du retour de votre appareil",
    ),
    (
        "final_solution",
        "Waiting for final solution",
        "Temporairement résolu, en attente d'une solution définitive",
    ),
    ("rfc", "Waiting for RFC", "En attente d'exécution d'un changement non standard"),
]

APPOINTMENT = "2026-12-01T14:30:00+01:00"


@pytest.fixture
def walk(world):
    return Walk(world, "itil", {"incident": INCIDENT_TABLE, "request": TABLE}, "name_en")


def new(walk, type_code="incident", actor="customer", **kw):
    return walk.create(type_code, "impression", actor=actor, **kw)


def solved(walk, type_code="incident"):
    t = new(walk, type_code)
    t = walk.take(t, "agent", expect=["classify"])
    t = walk.fire(t, "agent", "start")
    return walk.fire(t, "agent", "solve", solution="Pilote réinstallé")


def closed(walk):
    return walk.fire(solved(walk), "system", "close")


# -- the status table -------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "table"), [("incident", INCIDENT_TABLE), ("request", TABLE)])
def test_statuses_match_spec(db, code, table):
    wf = Workflow.objects.get(desk__slug="itil", code=code)
    statuses = list(wf.statuses.order_by("order"))
    assert [s.code for s in statuses] == list(table)
    assert [s.name_en for s in statuses] == [r.label for r in table.values()]
    for s in statuses:
        assert_status_matches(s, table[s.code], "name_en")
    assert [s.code for s in statuses if s.is_final] == ["rejected", "closed"]
    # NOT-4: mails on New, Rejected, Waiting/Postponed, Planned, Solved, Approval.
    assert {s.code for s in statuses if s.notify_requester} == {
        "new",
        "rejected",
        "postponed",
        "planned",
        "waiting",
        "solved",
        "approval",
    } & set(table)
    # WF-4: Solved → Closed after 14 days, by the scheduler.
    solved_ = wf.statuses.get(code="solved")
    assert (solved_.auto_after_days, solved_.auto_transition) == (14, "close")
    assert "system" in wf.transitions.get(code="close").actors
    requires = {t.code: t.requires for t in wf.transitions.all()}
    assert requires["reject"] == ["reason"] and requires["postpone"] == ["reason"]
    assert requires["plan"] == ["appointment"] and requires["solve"] == ["solution"]
    assert requires["wait"] == ["waiting_reason"] and requires["reopen"] == ["comment"]
    assert wf.taken_status.code == "classification"


def test_types_and_waiting_reasons(db):
    desk = Workflow.objects.get(desk__slug="itil", code="incident").desk
    types = {
        t.code: (t.name_en, t.workflow.code, getattr(t.convertible_to, "code", None))
        for t in desk.types.all()
    }
    assert types == {
        "incident": ("Incident", "incident", "change"),
        "service_request": ("Service request", "request", "change"),
        "change": ("Non-standard change", "request", None),
    }
    assert desk.reopen_policy == "never"
    reasons = [(r.code, r.name_en, r.name_fr) for r in WaitingReason.objects.filter(desk=desk)]
    assert reasons == WAITING_REASONS


# -- every status, every transition -----------------------------------------------------------


def walk_common(walk, type_code):
    # 1. Taken (New → Classification), waiting, planned, in progress, solved, reopened by
    #    the customer with a comment, solved again, closed by the scheduler.
    t = new(walk, type_code)
    t = walk.take(t, "agent", expect=["classify"])  # new → classification
    t = walk.fire(t, "agent", "wait", waiting_reason="customer_feedback")  # classification →
    assert t.waiting_reason.code == "customer_feedback"
    t = walk.fire(t, "agent", "plan", appointment=APPOINTMENT)  # waiting → planned
    t = walk.fire(t, "agent", "wait", waiting_reason="hardware_arrival")  # planned → waiting
    t = walk.fire(t, "agent", "start")  # waiting → in_progress
    t = walk.fire(t, "agent", "plan", appointment=APPOINTMENT)  # in_progress → planned
    t = walk.fire(t, "agent", "start")  # planned → in_progress
    t = walk.fire(t, "agent", "wait", waiting_reason="third_party")  # in_progress → waiting
    t = walk.fire(t, "agent", "solve", solution="Toner remplacé")  # waiting → solved
    t = walk.fire(t, "customer", "reopen", comment="Les pages sont encore pâles")
    t = walk.fire(t, "agent", "solve", solution="Tambour remplacé")  # in_progress → solved
    t = walk.fire(t, "system", "close")  # solved → closed
    # 2. Postponed, classified, planned, solved at the appointment (phone ticket).
    t = new(
        walk, type_code, actor="agent", reporter=walk.world.customer, affected=walk.world.colleague
    )
    t = walk.fire(t, "agent", "postpone", reason="Numéro de série manquant")  # new → postponed
    t = walk.fire(t, "agent", "classify")  # postponed → classification
    t = walk.fire(t, "agent", "plan", appointment=APPOINTMENT)  # classification → planned
    t = walk.fire(t, "agent", "solve", solution="Réglé sur place")  # planned → solved
    # 3. Postponed, then straight to work.
    t = new(walk, type_code)
    t = walk.fire(t, "agent", "postpone", reason="Informations incomplètes")
    t = walk.fire(t, "agent", "start")  # postponed → in_progress
    # 4. Taken (the take classifies it), then started. (A bare "classify" from New is
    #    test_service_desk_classifies_without_taking_it.)
    t = new(walk, type_code)
    t = walk.take(t, "agent2", expect=["classify"])  # new → classification
    t = walk.fire(t, "agent2", "start")  # classification → in_progress
    # 5. Rejections, from every status that allows it.
    t = new(walk, type_code)
    t = walk.fire(t, "agent", "reject", reason="Hors contrat")  # new → rejected
    t = new(walk, type_code)
    t = walk.fire(t, "agent", "postpone", reason="?")
    t = walk.fire(t, "agent", "reject", reason="Sans nouvelles")  # postponed → rejected
    t = new(walk, type_code)
    t = walk.take(t, "agent", expect=["classify"])
    t = walk.fire(t, "agent", "postpone", reason="Site fermé")  # classification → postponed
    t = new(walk, type_code)
    t = walk.take(t, "agent", expect=["classify"])
    t = walk.fire(t, "agent", "reject", reason="Doublon")  # classification → rejected
    assert t.status_reason == "Doublon" and t.state == "closed"


def test_walk_every_transition(walk, world):
    walk_common(walk, "incident")
    walk_common(walk, "service_request")
    # WF-7: the customer approves a service request, or declines it with a comment.
    t = new(walk, "service_request")
    t = walk.take(t, "agent", expect=["classify"])
    t = walk.fire(t, "agent", "request_approval")  # classification → approval
    t = walk.fire(t, "customer", "approve")  # approval → in_progress
    t = walk.fire(t, "agent", "request_approval")  # in_progress → approval
    t = walk.fire(t, "customer", "decline", comment="Trop cher")  # approval → classification
    # A change (filed by the service desk for the customer) follows the same workflow.
    t = new(walk, "change", actor="agent", reporter=world.customer)
    t = walk.take(t, "agent", expect=["classify"])
    t = walk.fire(t, "agent", "request_approval")
    t = walk.fire(t, "customer", "approve")

    assert loaded_transitions("itil") == defined_transitions("itil")
    assert fired_transitions("itil") == defined_transitions("itil")


# -- the seed's rules -------------------------------------------------------------------------


def test_reopening_without_comment_is_refused(walk, world):
    t = solved(walk)
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_transition(actor=world.customer, ticket=t, code="reopen")
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_transition(
            actor=world.customer, ticket=t, code="reopen", data={"comment": "  "}
        )
    with translation.override("en"), pytest.raises(InvalidInput) as info:
        actions.ticket_transition(actor=world.customer, ticket=t, code="reopen")
    assert str(info.value) == "Comment is required to “Back to in progress”."
    messages_in_both(
        lambda: actions.ticket_transition(actor=world.customer, ticket=t, code="reopen")
    )


def test_reopening_with_a_comment(walk, world):
    t = solved(walk)
    t = walk.fire(t, "customer", "reopen", comment="Toujours des traces")
    assert (t.status.name_en, t.state, t.resolved_at) == ("In progress", "open", None)
    comment = Comment.objects.get(ticket=t, author=world.customer)
    assert comment.body == "Toujours des traces" and not comment.internal


def test_customer_assesses_a_solved_ticket(walk, world):
    t = solved(walk)
    assert t.solution == "Pilote réinstallé"
    actions.ticket_assess(actor=world.customer, ticket=t, satisfaction=4, comment="Rapide")
    assert Assessment.objects.get(ticket=t).satisfaction == 4
    with refused(t, InvalidInput, field="satisfaction"):
        actions.ticket_assess(actor=world.customer, ticket=t, satisfaction=9)


def test_wait_needs_a_reason_from_the_list(walk, world):
    t = new(walk)
    t = walk.take(t, "agent", expect=["classify"])
    t = walk.fire(t, "agent", "start")
    with refused(t, InvalidInput, field="waiting_reason"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="wait")
    with refused(t, InvalidInput, field="waiting_reason"):
        actions.ticket_transition(
            actor=world.agent, ticket=t, code="wait", data={"waiting_reason": "lunch"}
        )
    t = walk.fire(t, "agent", "wait", waiting_reason="rfc")
    assert t.waiting_reason.name_en == "Waiting for RFC"
    ev = Event.objects.filter(ticket=t, kind="status").last()
    assert ev.data["waiting_reason"] == "rfc"


def test_plan_needs_an_appointment(walk, world):
    t = new(walk)
    t = walk.take(t, "agent", expect=["classify"])
    with refused(t, InvalidInput, field="appointment"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="plan")
    with refused(t, InvalidInput, field="appointment"):
        actions.ticket_transition(
            actor=world.agent, ticket=t, code="plan", data={"appointment": "mardi matin"}
        )
    t = walk.fire(t, "agent", "plan", appointment=APPOINTMENT)
    assert t.appointment_at.isoformat() == "2026-12-01T13:30:00+00:00"


def test_reject_needs_a_reason(walk, world):
    t = new(walk)
    with refused(t, InvalidInput, field="reason"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="reject")
    t = walk.fire(t, "agent", "reject", reason="Matériel non couvert")
    assert t.status_reason == "Matériel non couvert"
    # NOT-4: the reason goes with the mail (it is in the event the outbox row points at).
    ev = Event.objects.filter(ticket=t, kind="status").last()
    assert ev.data["reason"] == "Matériel non couvert"


def test_solve_needs_a_solution(walk, world):
    t = new(walk)
    t = walk.take(t, "agent", expect=["classify"])
    t = walk.fire(t, "agent", "start")
    with refused(t, InvalidInput, field="solution"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="solve")
    t = walk.fire(t, "agent", "solve", solution="Câble changé")
    assert t.solution == "Câble changé" and t.resolved_at is not None


def test_closed_is_final(walk, world):
    t = closed(walk)
    assert t.status.is_final and t.state == "closed"
    for actor in (world.customer, world.agent, world.admin, None):
        for code in ("reopen", "start", "solve", "close"):
            with refused(t, WorkflowError, code="transition_not_allowed"):
                actions.ticket_transition(
                    actor=actor, ticket=t, code=code, data={"comment": "rouvrir", "solution": "x"}
                )
    with refused(t, Conflict):  # still held by its agent, and closed anyway
        actions.ticket_take(actor=world.agent2, ticket=t)
    with refused(t, WorkflowError, code="closed"):
        actions.ticket_convert(actor=world.agent, ticket=t)
    with refused(t, PermissionDenied, code="closed"):
        actions.ticket_comment(actor=world.customer, ticket=t, body="?")


def test_rejected_is_final(walk, world):
    t = new(walk)
    t = walk.fire(t, "agent", "reject", reason="Hors contrat")
    with refused(t, WorkflowError, code="transition_not_allowed"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="classify")
    with refused(t, Conflict, code="closed"):
        actions.ticket_take(actor=world.agent, ticket=t)


def test_only_the_scheduler_closes(walk, world):
    t = solved(walk)
    for actor in (world.agent, world.customer):
        with refused(t, PermissionDenied, code="transition_forbidden"):
            actions.ticket_transition(actor=actor, ticket=t, code="close")


@pytest.mark.parametrize(
    ("code", "data"),
    [
        ("classify", {}),
        ("reject", {"reason": "x"}),
        ("postpone", {"reason": "x"}),
    ],
)
def test_customer_cannot_fire_staff_moves(walk, world, code, data):
    t = new(walk)
    with refused(t, PermissionDenied, code="transition_forbidden"):
        actions.ticket_transition(actor=world.customer, ticket=t, code=code, data=data)


def test_service_desk_classifies_without_taking_it(walk, world):
    """Seed 003 §1.4.2.3: "Classification" = complete, validated, ready for a specialist."""
    t = new(walk)
    t = walk.fire(t, "agent", "classify")  # new → classification
    assert (t.status.code, t.assignee_id) == ("classification", None)
    t = walk.take(t, "agent2")  # a specialist takes it; no status move
    t = walk.fire(t, "agent2", "start")
    assert t.status.code == "in_progress"


@pytest.mark.parametrize("type_code", ["incident", "service_request"])
def test_converted_to_a_change_keeps_key_and_history(walk, world, type_code):
    t = new(walk, type_code)
    t = walk.take(t, "agent", expect=["classify"])
    t = walk.fire(t, "agent", "start")
    actions.ticket_comment(actor=world.customer, ticket=t, body="Il faut modifier le code")
    history = list(Event.objects.filter(ticket=t).order_by("id").values_list("id", "kind"))
    key, pk = t.key, t.pk

    actions.ticket_convert(actor=world.agent, ticket=t, reason="Bug : modification du code")
    t = fresh(t)
    assert (t.pk, t.key) == (pk, key)
    assert t.type.code == "change" and t.type.workflow.code == "request"
    assert (t.status.code, t.status.workflow.code, t.state) == ("in_progress", "request", "open")
    events = list(Event.objects.filter(ticket=t).order_by("id").values_list("id", "kind"))
    assert events[: len(history)] == history and events[-1][1] == "converted"
    converted = Event.objects.get(ticket=t, kind="converted")
    assert converted.data["old"]["en"] != "Non-standard change"
    assert converted.data["new"]["en"] == "Non-standard change"
    assert converted.data["reason"] == "Bug : modification du code"
    # The change now goes through the customer's approval (WF-7).
    t = walk.fire(t, "agent", "request_approval")
    t = walk.fire(t, "customer", "approve")
    assert t.status.code == "in_progress"


def test_a_change_is_not_convertible(walk, world):
    t = new(walk, "change", actor="agent", reporter=world.customer)
    with refused(t, WorkflowError, code="not_convertible"):
        actions.ticket_convert(actor=world.agent, ticket=t)


def test_only_agents_convert(walk, world):
    t = new(walk)
    with refused(t, PermissionDenied, code="staff_only"):
        actions.ticket_convert(actor=world.customer, ticket=t)


def test_decline_needs_a_comment(walk, world):
    t = new(walk, "service_request")
    t = walk.take(t, "agent", expect=["classify"])
    t = walk.fire(t, "agent", "request_approval")
    with refused(t, InvalidInput, field="comment"):
        actions.ticket_transition(actor=world.customer, ticket=t, code="decline")
    with refused(t, PermissionDenied, code="transition_forbidden"):
        actions.ticket_transition(actor=world.agent, ticket=t, code="approve")


def test_new_ticket_confirmation_reaches_its_creator(walk, world):
    """003 §1.5, NOT-4 "New": the customer who files a ticket gets its confirmation."""
    t = new(walk)
    created = Event.objects.get(ticket=t, kind="created")
    row = Outbox.objects.get(event=created, recipient=world.customer)
    assert (row.kind, row.language) == ("created", world.customer.language)
    # Other actions stay silent towards their own actor (a comment of theirs, for one).
    actions.ticket_comment(actor=world.customer, ticket=t, body="Précision")
    commented = Event.objects.get(ticket=t, kind="comment")
    assert not Outbox.objects.filter(event=commented, recipient=world.customer).exists()


def test_new_ticket_filed_by_phone_is_confirmed_to_the_customer(walk, world):
    t = new(walk, actor="agent", reporter=world.customer, affected=world.colleague)
    created = Event.objects.get(ticket=t, kind="created")
    rows = Outbox.objects.filter(event=created, recipient__in=[world.customer, world.colleague])
    assert {(r.recipient_id, r.language) for r in rows} == {
        (world.customer.pk, "en"),
        (world.colleague.pk, "en"),
    }  # in the affected person's language (NOT-4)


def test_staff_file_a_change_on_behalf_of_a_customer(walk, world):
    t = new(walk, "change", actor="agent", reporter=world.customer)
    assert (t.type.code, t.status.code, t.reporter_id) == ("change", "new", world.customer.pk)


def test_customer_cannot_file_a_change(walk, world):
    """Seed 003 §3.3 (and POR-1) offers customers "New Incident" and "New Service Request";
    a change is filed by the provider for them, or converted (§1.4.1)."""
    with refused(None, PermissionDenied, code="type_staff_only"):
        new(walk, "change")
    assert {
        t.code
        for t in Workflow.objects.get(desk__slug="itil", code="request").desk.types.all()
        if t.customer_may_create
    } == {"incident", "service_request"}
