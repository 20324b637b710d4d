# covers: AG-1, AG-2, AG-3, AG-4, AG-5, AG-6, TIC-5, TIC-7, TIC-8, NOT-5, POR-4, WF-2, WF-5
"""Every ticket action but creation: the happy path, then each refusal with its error class
and field, asserting the timeline events and the outbox rows it writes."""

from __future__ import annotations

import pytest
from django.utils import translation

from comptoir.catalog.models import Priority, SupportLevel
from comptoir.cmdb.models import ConfigurationItem
from comptoir.conftest import category
from comptoir.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    WorkflowError,
)
from comptoir.tickets import actions
from comptoir.tickets.models import (
    Assessment,
    Attachment,
    Comment,
    Confirmation,
    Guest,
    LinkKind,
    Mute,
    TicketLink,
)
from comptoir.tickets.selectors import ticket_get
from comptoir.workflows.models import State

from .helpers import events, file_ticket, outbox, outbox_mark, recipients, unchanged, upload


def reload(ticket):
    ticket.refresh_from_db()
    return ticket


def solved_itil(world):
    """An ITIL incident of alice's, solved by gaston."""
    t = file_ticket(world.customer, "itil")
    actions.ticket_take(actor=world.agent, ticket=t)  # New → Classification
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="solve", data={"solution": "Disque remplacé"}
    )
    return reload(t)


def resolved_spt(world):
    """An SPT request of alice's whose resolution awaits her confirmation."""
    t = file_ticket(world.customer, "spt")
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="resolve", data={"solution": "Correctif 12.3"}
    )
    return reload(t)


# --- AG-1: take ------------------------------------------------------------------------------


def test_take_on_a_desk_without_taken_status(world):
    t = file_ticket(world.customer, "spt")
    v = t.version
    t = actions.ticket_take(actor=world.agent, ticket=t)
    assert reload(t).assignee == world.agent and t.version == v + 1
    assert t.status.code == "ouvert"
    [taken] = events(t, "taken")
    assert taken.actor == world.agent and taken.data["assignee"]["id"] == world.agent.pk
    # Medium watch level: nobody else hears of a take; the customer does not either.
    assert outbox(t, "taken") == set()


def test_take_moves_an_initial_ticket_to_the_taken_status(world):
    t = actions.ticket_take(actor=world.agent, ticket=file_ticket(world.customer, "ent"))
    assert (t.status.code, reload(t).status.code) == ("en_cours", "en_cours")
    [status] = events(t, "status")
    assert status.data["transition"] == "take"
    assert (status.data["old"]["fr"], status.data["new"]["fr"]) == ("Libre", "En cours")


def test_take_and_comment(world):
    t = file_ticket(world.customer, "ent")
    actions.ticket_take(actor=world.agent, ticket=t, comment="Je regarde.")
    [c] = Comment.objects.filter(ticket=t)
    assert (c.author, c.body, c.internal) == (world.agent, "Je regarde.", False)
    assert [e.kind for e in events(t)] == ["created", "taken", "status", "comment"]
    assert recipients(t, "comment") == {"alice"}


def test_take_then_comment_needs_a_comment(world):
    t = file_ticket(world.customer, "ent")
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_take(actor=world.agent, ticket=t, then="comment")
    assert exc.value.field == "comment"


def test_take_and_close(world):
    t = actions.ticket_take(
        actor=world.agent, ticket=file_ticket(world.customer, "ent"), then="close"
    )
    t = reload(t)
    assert (t.status.code, t.state, t.confirmation) == (
        "clos",
        State.RESOLVED,
        Confirmation.PENDING,
    )
    assert [e.data["transition"] for e in events(t, "status")] == ["take", "close"]
    assert t.resolved_at is not None
    assert recipients(t, "status") == {"alice"}  # "Clos" asks the owner to approve


def test_take_and_request_information(world):
    t = file_ticket(world.customer, "ent")
    mark = outbox_mark()
    actions.ticket_take(
        actor=world.agent, ticket=t, then="request_info", comment="Quel poste exactement ?"
    )
    t = reload(t)
    assert t.status.code == "attente_info"
    assert Comment.objects.get(ticket=t).body == "Quel poste exactement ?"
    assert {k for u, k in outbox(t, since=mark) if u == "alice"} == {"status", "comment"}


def test_take_and_request_information_without_the_comment_is_refused(world):
    t = file_ticket(world.customer, "ent")
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_take(actor=world.agent, ticket=t, then="request_info")
    assert exc.value.field == "comment"


def test_take_then_an_unknown_transition_is_refused(world):
    t = file_ticket(world.customer, "ent")
    with unchanged(), pytest.raises(WorkflowError) as exc:
        actions.ticket_take(actor=world.agent, ticket=t, then="teleport")
    assert exc.value.code == "transition_not_allowed"


def test_take_refusals(world):
    t = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(PermissionDenied) as exc:
        actions.ticket_take(actor=world.customer, ticket=t)
    assert exc.value.code == "staff_only"
    with unchanged(), pytest.raises(NotFound):  # not of the service: cannot even see it
        actions.ticket_take(actor=world.other_agent, ticket=t)

    actions.ticket_take(actor=world.agent, ticket=t)
    with unchanged(), pytest.raises(Conflict) as exc:
        actions.ticket_take(actor=world.agent2, ticket=t)
    assert exc.value.code == "already_taken" and "gaston" in str(exc.value)
    with unchanged(), pytest.raises(Conflict) as exc:
        actions.ticket_take(actor=world.agent, ticket=t)
    assert exc.value.code == "already_yours"


def test_a_closed_ticket_cannot_be_taken(world):
    t = resolved_spt(world)
    actions.ticket_confirm_resolution(actor=world.customer, ticket=t, accepted=True)
    actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    with unchanged(), pytest.raises(Conflict) as exc:
        actions.ticket_take(actor=world.agent, ticket=t)
    assert exc.value.code == "closed"


def test_a_guest_agent_not_of_the_service_cannot_take(world):
    t = file_ticket(world.customer, "spt")
    actions.ticket_invite(actor=world.agent, ticket=t, user=world.other_agent)
    with unchanged(), pytest.raises(PermissionDenied) as exc:
        actions.ticket_take(actor=world.other_agent, ticket=t)
    assert exc.value.code == "not_service_agent"


# --- AG-2: assign and release ----------------------------------------------------------------


def test_assign_to_an_agent_of_the_service(world):
    t = file_ticket(world.customer, "spt")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_assign(actor=world.manager, ticket=t, assignee=world.agent2)
    assert reload(t).assignee == world.agent2
    [ev] = events(t, "assigned")
    assert (ev.actor, ev.data["old"]["id"], ev.data["new"]["id"]) == (
        world.manager,
        world.agent.pk,
        world.agent2.pk,
    )
    assert outbox(t, "assigned") == {("gisele", "assigned")}
    # Assigning to the current holder changes nothing.
    with unchanged():
        actions.ticket_assign(actor=world.manager, ticket=t, assignee=world.agent2)


def test_assign_refusals(world):
    t = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_assign(actor=world.agent, ticket=t, assignee=world.other_agent)
    assert exc.value.field == "assignee"
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_assign(actor=world.agent, ticket=t, assignee=world.customer)
    assert exc.value.field == "assignee"
    with unchanged(), pytest.raises(PermissionDenied):
        actions.ticket_assign(actor=world.customer, ticket=t, assignee=world.agent)
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_assign(actor=world.other_agent, ticket=t, assignee=world.agent)


def test_release_tells_the_other_managers(world):
    t = file_ticket(world.customer, "ent")
    actions.ticket_take(actor=world.agent, ticket=t)
    t = actions.ticket_release(actor=world.agent, ticket=t)
    t = reload(t)
    assert t.assignee is None and t.status.code == "libre"
    [ev] = events(t, "released")
    assert (ev.actor, ev.data["old"]["id"]) == (world.agent, world.agent.pk)
    assert events(t, "status")[-1].data["transition"] == "release"
    assert recipients(t, "released") == {"gisele", "marc"}


def test_a_manager_may_release_someone_elses_ticket_and_the_holder_is_told(world):
    t = file_ticket(world.customer, "spt")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_release(actor=world.manager, ticket=t)
    assert reload(t).assignee is None
    assert recipients(t, "released") == {"gaston", "gisele"}


def test_release_refusals(world):
    t = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(Conflict) as exc:
        actions.ticket_release(actor=world.manager, ticket=t)
    assert exc.value.code == "not_held"
    actions.ticket_take(actor=world.agent, ticket=t)
    for who in (world.agent2, world.customer):
        with unchanged(), pytest.raises(PermissionDenied):
            actions.ticket_release(actor=who, ticket=t)
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_release(actor=world.other_agent, ticket=t)


# --- TIC-8, AG-3: comments and attachments ---------------------------------------------------


def test_any_agent_of_the_service_may_comment(world):
    t = file_ticket(world.customer, "spt")
    actions.ticket_take(actor=world.agent, ticket=t)
    v = reload(t).version
    c = actions.ticket_comment(
        actor=world.agent2, ticket=t, body="  Vu aussi chez un autre client. "
    )
    assert (c.author, c.body, c.internal, c.organisation) == (
        world.agent2,
        "Vu aussi chez un autre client.",
        False,
        world.org_a,
    )
    assert reload(t).version == v + 1
    [ev] = events(t, "comment")
    assert (ev.comment, ev.internal, ev.actor) == (c, False, world.agent2)
    # The holder (medium: always on held tickets) and the requester are told.
    assert recipients(t, "comment") == {"gaston", "alice"}


def test_an_agent_of_another_service_cannot_see_nor_comment(world):
    t = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_comment(actor=world.other_agent, ticket=t, body="Coucou")
    with pytest.raises(NotFound):
        ticket_get(actor=world.other_agent, pk=t.pk)


def test_internal_comment_by_staff_never_reaches_the_customer(world):
    t = file_ticket(world.customer, "spt")
    actions.ticket_take(actor=world.agent2, ticket=t)
    c = actions.ticket_comment(
        actor=world.agent,
        ticket=t,
        body="Client difficile",
        internal=True,
        files=[upload("notes.txt")],
    )
    [ev] = events(t, "comment")
    assert c.internal and ev.internal
    assert Attachment.objects.get(ticket=t).internal
    assert recipients(t, "comment") == {"gisele"}


def test_comment_refusals(world):
    t = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(PermissionDenied) as exc:
        actions.ticket_comment(actor=world.customer, ticket=t, body="psst", internal=True)
    assert exc.value.field == "internal"
    for body in ("", "   ", None):
        with unchanged(), pytest.raises(InvalidInput) as exc:
            actions.ticket_comment(actor=world.customer, ticket=t, body=body)
        assert exc.value.field == "comment"
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_comment(actor=world.other_site, ticket=t, body="Moi aussi")


def test_a_customer_cannot_comment_a_closed_ticket(world):
    t = resolved_spt(world)
    actions.ticket_confirm_resolution(actor=world.customer, ticket=t, accepted=True)
    actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    with unchanged(), pytest.raises(PermissionDenied) as exc:
        actions.ticket_comment(actor=world.customer, ticket=t, body="Encore un souci")
    assert exc.value.code == "closed"


def test_attach_files(world):
    t = file_ticket(world.customer, "spt")
    stored = actions.ticket_attach(
        actor=world.customer,
        ticket=t,
        files=[upload("a.txt"), upload("b.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")],
    )
    assert [a.filename for a in stored] == ["a.txt", "b.png"]
    assert stored[1].content_type == "image/png"
    [ev] = events(t, "attachment")
    assert ev.data == {"files": ["a.txt", "b.png"]} and not ev.internal


def test_attach_refusals(world):
    t = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_attach(actor=world.customer, ticket=t, files=[])
    assert exc.value.field == "attachments"
    with unchanged(), pytest.raises(PermissionDenied):
        actions.ticket_attach(actor=world.customer, ticket=t, files=[upload()], internal=True)
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_attach(actor=world.outsider, ticket=t, files=[upload()])


# --- AG-4: transfer --------------------------------------------------------------------------


def test_transfer_without_staying_loses_sight_of_it(world):
    t = file_ticket(world.customer, "ent")
    actions.ticket_take(actor=world.agent, ticket=t)
    target = category("ent", "electricite")
    actions.ticket_transfer(actor=world.agent, ticket=t, category=target, reason=" Panne secteur ")
    with pytest.raises(NotFound):
        ticket_get(actor=world.agent, pk=t.pk)
    t = ticket_get(actor=world.other_agent, pk=t.pk)
    assert (t.category, t.service_id, t.assignee) == (target, target.service_id, None)
    [ev] = events(t, "transferred")
    assert ev.data["old"]["fr"] == "Messagerie" and ev.data["new"]["fr"] == "Électricité"
    assert (ev.data["reason"], ev.data["guest"]) == ("Panne secteur", False)
    assert not Guest.objects.filter(ticket=t).exists()


def test_transfer_staying_as_guest_keeps_sight_of_it(world):
    t = file_ticket(world.customer, "ent")
    actions.ticket_transfer(
        actor=world.agent, ticket=t, category=category("ent", "chauffage"), stay_as_guest=True
    )
    assert ticket_get(actor=world.agent, pk=t.pk) == t
    g = Guest.objects.get(ticket=t)
    assert (g.user, g.invited_by, g.organisation) == (world.agent, world.agent, world.org_a)
    # As a guest the agent may still comment, and hears of what happens next.
    actions.ticket_comment(actor=world.agent, ticket=t, body="Pour info : déjà vu.")
    actions.ticket_comment(actor=world.other_agent, ticket=t, body="Je m'en occupe")
    assert "gaston" in recipients(t, "comment")


def test_transfer_refusals(world):
    t = file_ticket(world.customer, "ent")
    with unchanged(), pytest.raises(NotFound) as exc:
        actions.ticket_transfer(actor=world.agent, ticket=t, category=category("spt", "erp"))
    assert exc.value.field == "category"
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_transfer(actor=world.agent, ticket=t, category=t.category)
    assert exc.value.field == "category"
    with unchanged(), pytest.raises(PermissionDenied):
        actions.ticket_transfer(
            actor=world.customer, ticket=t, category=category("ent", "chauffage")
        )
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_transfer(
            actor=world.other_agent, ticket=t, category=category("ent", "chauffage")
        )


# --- AG-5: escalate --------------------------------------------------------------------------


def test_escalate_level_by_level(world):
    t = file_ticket(world.customer, "n123")
    actions.ticket_take(actor=world.agent, ticket=t)
    assert t.level.code == "n1"
    actions.ticket_escalate(actor=world.agent, ticket=t, reason="Bug applicatif")
    t = reload(t)
    assert (t.level.code, t.category.slug, t.assignee) == ("n2", "applicatif", None)
    [ev] = events(t, "escalated")
    assert (ev.data["old"]["fr"], ev.data["new"]["fr"]) == ("Niveau 1", "Niveau 2")
    assert ev.data["old_category"]["fr"] == "Assistance utilisateur"
    assert ev.data["reason"] == "Bug applicatif"
    actions.ticket_escalate(actor=world.agent, ticket=t)
    assert reload(t).level.code == "n3" and t.key == reload(t).key
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_escalate(actor=world.agent, ticket=t)
    assert exc.value.field == "level"


def test_escalate_refusals(world):
    t = file_ticket(world.customer, "n123", type="incident")  # at N2
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_escalate(
            actor=world.agent, ticket=t, level=SupportLevel.objects.get(desk=t.desk, code="n1")
        )
    assert exc.value.field == "level"
    with unchanged(), pytest.raises(PermissionDenied):
        actions.ticket_escalate(actor=world.customer, ticket=t)
    spt = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(InvalidInput):  # a desk without levels
        actions.ticket_escalate(actor=world.agent, ticket=spt)


# --- AG-6: guests ----------------------------------------------------------------------------


def test_invite_a_guest_with_a_message(world):
    t = file_ticket(world.customer, "spt")
    g = actions.ticket_invite(
        actor=world.agent, ticket=t, user=world.colleague, message=" Pour suivi "
    )
    assert (g.user, g.invited_by, g.message, g.permanent) == (
        world.colleague,
        world.agent,
        "Pour suivi",
        False,
    )
    [ev] = events(t, "guest_added")
    assert ev.data == {
        "guest": {"id": world.colleague.pk, "name": "albert"},
        "message": "Pour suivi",
    }
    [row] = t.outbox.filter(kind="invited")
    assert (row.recipient, row.email) == (world.colleague, "albert@example.test")
    assert row.context == {"message": "Pour suivi", "inviter": "gaston"}
    assert ticket_get(actor=world.colleague, pk=t.pk) == t


def test_invite_refusals(world):
    t = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(NotFound) as exc:  # a customer of another organisation
        actions.ticket_invite(actor=world.agent, ticket=t, user=world.outsider, message="Hi")
    assert exc.value.field == "user"
    with unchanged(), pytest.raises(PermissionDenied):
        actions.ticket_invite(actor=world.customer, ticket=t, user=world.colleague)
    actions.ticket_invite(actor=world.agent, ticket=t, user=world.colleague)
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_invite(actor=world.agent2, ticket=t, user=world.colleague)
    assert exc.value.field == "user"
    # A guest agent of another service may not invite in turn.
    actions.ticket_invite(actor=world.agent, ticket=t, user=world.other_agent)
    with unchanged(), pytest.raises(PermissionDenied):
        actions.ticket_invite(actor=world.other_agent, ticket=t, user=world.customer_manager)


def test_remove_a_guest(world):
    t = file_ticket(world.customer, "spt")
    actions.ticket_invite(actor=world.agent, ticket=t, user=world.colleague)
    actions.ticket_invite(actor=world.agent, ticket=t, user=world.customer_manager)
    actions.ticket_remove_guest(actor=world.agent2, ticket=t, user=world.colleague)
    [ev] = events(t, "guest_removed")
    assert (ev.actor, ev.data["guest"]["id"]) == (world.agent2, world.colleague.pk)
    with pytest.raises(NotFound):
        ticket_get(actor=world.colleague, pk=t.pk)
    # A guest may leave on their own.
    actions.ticket_remove_guest(actor=world.customer_manager, ticket=t, user=world.customer_manager)
    assert not Guest.objects.filter(ticket=t).exists()


def test_remove_guest_refusals(world):
    t = file_ticket(world.customer, "spt")
    actions.ticket_invite(actor=world.agent, ticket=t, user=world.colleague)
    with unchanged(), pytest.raises(PermissionDenied):  # the requester removes someone else
        actions.ticket_remove_guest(actor=world.customer, ticket=t, user=world.colleague)
    with unchanged(), pytest.raises(NotFound) as exc:
        actions.ticket_remove_guest(actor=world.agent, ticket=t, user=world.customer_manager)
    assert exc.value.field == "user"


# --- TIC-5: links ----------------------------------------------------------------------------


def test_link_two_tickets_of_the_same_organisation(world):
    t, other = file_ticket(world.customer), file_ticket(world.other_site, "ent")
    link = actions.ticket_link(actor=world.agent, ticket=t, target=other)
    assert (link.source, link.target, link.kind, link.organisation) == (
        t,
        other,
        LinkKind.RELATES,
        world.org_a,
    )
    [ev] = events(t, "link")
    assert ev.data == {"target": other.key, "kind": "relates"}
    with unchanged():  # linking twice is a no-op
        actions.ticket_link(actor=world.agent, ticket=t, target=other)


def test_a_customer_links_their_own_tickets(world):
    t, older = file_ticket(world.customer), file_ticket(world.customer, "ent")
    actions.ticket_link(actor=world.customer, ticket=t, target=older, kind=LinkKind.REFERENCES)
    assert TicketLink.objects.get(source=t).kind == LinkKind.REFERENCES


def test_link_refusals(world):
    t = file_ticket(world.customer)
    theirs = file_ticket(world.outsider)
    not_mine = file_ticket(world.other_site)
    with unchanged(), pytest.raises(NotFound) as exc:  # the agent sees it, another tenant's
        actions.ticket_link(actor=world.agent, ticket=t, target=theirs)
    assert exc.value.field == "target"
    with unchanged(), pytest.raises(NotFound):  # the customer does not see it
        actions.ticket_link(actor=world.customer, ticket=t, target=not_mine)
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_link(actor=world.agent, ticket=t, target=t)
    assert exc.value.field == "target"
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_link(actor=world.agent, ticket=t, target=not_mine, kind="converted")
    assert exc.value.field == "kind"


# --- NOT-5: mute -----------------------------------------------------------------------------


def test_a_muted_requester_gets_no_outbox_rows(world):
    t = file_ticket(world.customer, "spt")
    actions.ticket_mute(actor=world.customer, ticket=t)
    assert Mute.objects.filter(ticket=t, user=world.customer).exists()
    [ev] = events(t, "mute")
    assert ev.internal and ev.data == {"muted": True}

    mark = outbox_mark()
    actions.ticket_comment(actor=world.agent, ticket=t, body="Avez-vous redémarré ?")
    actions.ticket_transition(actor=world.agent, ticket=t, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="ask_customer", data={"comment": "Merci de répondre"}
    )
    assert "alice" not in {name for name, _k in outbox(t, since=mark)}

    actions.ticket_mute(actor=world.customer, ticket=t, muted=False)
    assert not Mute.objects.filter(ticket=t).exists()
    mark = outbox_mark()
    actions.ticket_comment(actor=world.agent, ticket=t, body="Relance")
    assert "alice" in recipients(t, "comment", since=mark)


def test_mute_refused_on_a_ticket_one_cannot_see(world):
    t = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_mute(actor=world.other_site, ticket=t)


# --- Field changes ---------------------------------------------------------------------------


def test_update_fields_records_old_and_new_values(world):
    t = file_ticket(world.customer, "spt")
    high = Priority.objects.get(desk=t.desk, code="haute")
    ci = ConfigurationItem.objects.create(site=world.a1, name="SRV-01")
    old_priority = t.priority
    actions.ticket_update(
        actor=world.agent,
        ticket=t,
        changes={
            "title": "Erreur de facturation",
            "priority": high,
            "ci": ci,
            "qualification": "Module FAC",
            "personal_reference": "PO-1",
        },
    )
    t = reload(t)
    assert (t.title, t.priority, t.ci, t.qualification, t.personal_reference) == (
        "Erreur de facturation",
        high,
        ci,
        "Module FAC",
        "PO-1",
    )
    [ev] = events(t, "fields")
    assert ev.data["title"] == {"old": "Imprimante en panne", "new": "Erreur de facturation"}
    assert ev.data["priority"]["old"]["id"] == old_priority.pk
    assert ev.data["priority"]["new"] == {"id": high.pk, "fr": "Haute", "en": "High"}
    assert ev.data["ci"] == {"old": None, "new": {"id": ci.pk, "name": "SRV-01"}}
    with unchanged():  # the same values again: no event, no version bump
        actions.ticket_update(actor=world.agent, ticket=t, changes={"title": t.title})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 251}, "title"),
        ({"personal_reference": "R" * 101}, "personal_reference"),
        ({"priority": None}, "priority"),
    ],
)
def test_update_refuses_bad_values(world, changes, field):
    t = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_update(actor=world.agent, ticket=t, changes=changes)
    assert exc.value.field == field


def test_update_refusals(world):
    t = file_ticket(world.customer, "spt")
    other_site_ci = ConfigurationItem.objects.create(site=world.a2, name="PC-LILLE")
    ent_priority = Priority.objects.get(desk__slug="ent", code="haute")
    for changes, field in (({"ci": other_site_ci}, "ci"), ({"priority": ent_priority}, "priority")):
        with unchanged(), pytest.raises(InvalidInput) as exc:
            actions.ticket_update(actor=world.agent, ticket=t, changes=changes)
        assert exc.value.field == field
    with unchanged(), pytest.raises(InvalidInput):
        actions.ticket_update(actor=world.agent, ticket=t, changes={"status": "ferme"})
    with unchanged(), pytest.raises(PermissionDenied):
        actions.ticket_update(actor=world.customer, ticket=t, changes={"title": "Autre"})
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_update(actor=world.other_agent, ticket=t, changes={"title": "Autre"})


# --- WF: transitions, confirmation, conversion -----------------------------------------------


def test_transition_records_old_and_new_status_and_tells_the_requester(world):
    t = file_ticket(world.customer, "itil")
    actions.ticket_take(actor=world.agent, ticket=t)  # New → Classification
    mark = outbox_mark()
    actions.ticket_transition(
        actor=world.agent, ticket=t, code="wait", data={"waiting_reason": "hardware_arrival"}
    )
    t = reload(t)
    assert (t.status.code, t.waiting_reason.code) == ("waiting", "hardware_arrival")
    ev = events(t, "status")[-1]
    assert ev.data["old"]["en"] == "Classification" and ev.data["new"]["en"] == "Waiting"
    assert ev.data["waiting_reason"] == "hardware_arrival"
    assert ("alice", "status") in outbox(t, since=mark)


def test_transition_refusals(world):
    t = file_ticket(world.customer, "itil")
    with translation.override("en"), unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_transition(actor=world.agent, ticket=t, code="reject")
    assert (exc.value.field, exc.value.code) == ("reason", "required")
    assert "Reason is required" in str(exc.value)
    with unchanged(), pytest.raises(WorkflowError) as exc:
        actions.ticket_transition(actor=world.agent, ticket=t, code="solve", data={"solution": "x"})
    assert exc.value.code == "transition_not_allowed"
    with unchanged(), pytest.raises(PermissionDenied) as exc:
        actions.ticket_transition(
            actor=world.customer, ticket=t, code="postpone", data={"reason": "Plus tard"}
        )
    assert exc.value.code == "transition_forbidden"
    with unchanged(), pytest.raises(Conflict) as exc:
        actions.ticket_transition(
            actor=world.agent,
            ticket=t,
            code="postpone",
            data={"reason": "Plus tard"},
            expected_version=t.version - 1,
        )
    assert exc.value.code == "stale"


def test_a_customer_sends_a_solved_ticket_back_with_a_comment(world):
    t = solved_itil(world)
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_transition(actor=world.customer, ticket=t, code="reopen")
    assert exc.value.field == "comment"
    actions.ticket_transition(
        actor=world.customer, ticket=t, code="reopen", data={"comment": "Toujours en panne"}
    )
    t = reload(t)
    assert (t.status.code, t.state, t.resolved_at) == ("in_progress", State.OPEN, None)
    assert Comment.objects.get(ticket=t, author=world.customer).body == "Toujours en panne"


def test_confirm_the_resolution_then_close(world):
    t = resolved_spt(world)
    assert t.confirmation == Confirmation.PENDING
    with unchanged(), pytest.raises(WorkflowError) as exc:
        actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    assert exc.value.code == "needs_confirmation"
    actions.ticket_confirm_resolution(actor=world.customer, ticket=t, accepted=True)
    assert reload(t).confirmation == Confirmation.CONFIRMED
    [ev] = events(t, "confirmation")
    assert ev.data == {"accepted": True}
    t = actions.ticket_transition(actor=world.agent, ticket=t, code="close")
    assert (t.state, reload(t).closed_at is not None) == (State.CLOSED, True)


def test_refute_the_resolution(world):
    t = resolved_spt(world)
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_confirm_resolution(actor=world.customer, ticket=t, accepted=False)
    assert exc.value.field == "comment"
    actions.ticket_confirm_resolution(
        actor=world.customer, ticket=t, accepted=False, comment="Le problème persiste"
    )
    t = reload(t)
    assert (t.status.code, t.confirmation) == ("en_cours", Confirmation.NONE)
    assert Comment.objects.get(ticket=t).body == "Le problème persiste"


def test_confirm_resolution_refusals(world):
    t = file_ticket(world.customer, "spt")
    with unchanged(), pytest.raises(WorkflowError) as exc:
        actions.ticket_confirm_resolution(actor=world.customer, ticket=t, accepted=True)
    assert exc.value.code == "not_pending"
    t = resolved_spt(world)
    with unchanged(), pytest.raises(PermissionDenied):
        actions.ticket_confirm_resolution(actor=world.agent, ticket=t, accepted=True)


def test_convert_an_incident_into_a_change(world):
    t = file_ticket(world.customer, "itil")
    actions.ticket_take(actor=world.agent, ticket=t)
    actions.ticket_convert(actor=world.agent, ticket=t, reason="Nécessite un changement")
    t = reload(t)
    assert (t.type.code, t.status.code, t.key) == ("change", "classification", t.key)
    assert t.status.workflow_id == t.type.workflow_id
    [ev] = events(t, "converted")
    assert (ev.data["old"]["en"], ev.data["new"]["en"]) == ("Incident", "Non-standard change")
    assert ev.data["reason"] == "Nécessite un changement"
    with unchanged(), pytest.raises(WorkflowError) as exc:
        actions.ticket_convert(actor=world.agent, ticket=t)
    assert exc.value.code == "not_convertible"


def test_convert_refusals(world):
    t = file_ticket(world.customer, "itil")
    with unchanged(), pytest.raises(PermissionDenied):
        actions.ticket_convert(actor=world.customer, ticket=t)
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_convert(actor=world.other_agent, ticket=t)


# --- POR-4: assessment -----------------------------------------------------------------------


def test_assess_a_solved_ticket(world):
    t = solved_itil(world)
    a = actions.ticket_assess(actor=world.customer, ticket=t, satisfaction=4, comment=" Rapide ")
    assert (a.satisfaction, a.comment, a.user, a.organisation) == (
        4,
        "Rapide",
        world.customer,
        world.org_a,
    )
    [ev] = events(t, "assessment")
    assert ev.data == {"satisfaction": 4}
    actions.ticket_assess(actor=world.customer, ticket=t, satisfaction=5)  # changes one's mind
    assert Assessment.objects.get(ticket=t).satisfaction == 5


@pytest.mark.parametrize("value", [0, 6, -1, "", None, "cinq"])
def test_assess_only_from_1_to_5(world, value):
    t = solved_itil(world)
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_assess(actor=world.customer, ticket=t, satisfaction=value)
    assert exc.value.field == "satisfaction"


def test_assess_refusals(world):
    t = file_ticket(world.customer, "itil")
    with unchanged(), pytest.raises(WorkflowError) as exc:
        actions.ticket_assess(actor=world.customer, ticket=t, satisfaction=3)
    assert exc.value.code == "not_resolved"
    t = solved_itil(world)
    with unchanged(), pytest.raises(PermissionDenied):
        actions.ticket_assess(actor=world.agent, ticket=t, satisfaction=5)
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_assess(actor=world.other_site, ticket=t, satisfaction=1)
