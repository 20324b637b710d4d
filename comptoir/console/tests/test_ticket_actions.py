# covers: AG-1, AG-2, AG-3, AG-4, AG-5, AG-6, TIC-5, TIC-7, TIC-8, WF-2
"""Every button of the ticket page, posted as a browser would: the action runs through the
one write path, or its refusal is shown next to the field it concerns and nothing is
written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from comptoir.conftest import category
from comptoir.tickets import actions
from comptoir.tickets.models import Attachment, Comment, Guest, TicketLink
from comptoir.tickets.tests.helpers import events, file_ticket, unchanged

from .conftest import action_url, error_next_to, fresh, take_then_url, ticket_url


def test_take(world, login):
    t = file_ticket(world.customer, "ent")
    r = login(world.agent).post(action_url(t, "take"))
    assert r.status_code == 302 and r["Location"] == ticket_url(t)
    t = fresh(t)
    assert t.assignee == world.agent and t.status.code == "en_cours"


def test_take_with_a_comment(world, login):
    t = file_ticket(world.customer, "ent")
    login(world.agent).post(action_url(t, "take"), {"take-comment": "Je regarde."})
    assert Comment.objects.get(ticket=t).body == "Je regarde."
    assert fresh(t).assignee == world.agent


def test_take_twice_says_who_won(world, login):
    t = file_ticket(world.customer, "ent")
    actions.ticket_take(actor=world.agent2, ticket=t)
    with unchanged():
        r = login(world.agent).post(action_url(t, "take"))
    assert r.status_code == 400
    assert 'class="msg error"' in r.content.decode()
    assert "gisele" in r.content.decode()


def test_take_and_close_on_ent(world, login):
    t = file_ticket(world.customer, "ent")
    r = login(world.agent).post(take_then_url(t, "close"), {"take-close-comment": "Réglé."})
    assert r.status_code == 302
    t = fresh(t)
    assert (t.assignee, t.status.code, t.confirmation) == (world.agent, "clos", "pending")
    assert Comment.objects.get(ticket=t).body == "Réglé."


def test_take_and_request_information_needs_the_comment(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    with unchanged():
        r = c.post(take_then_url(t, "request_info"), {"take-request_info-comment": ""})
    assert r.status_code == 400
    assert "Comment" in error_next_to(
        r, "id_take-request_info-comment"
    ) or "Commentaire" in error_next_to(r, "id_take-request_info-comment")
    assert '<details class="act" open>' in r.content.decode()  # the form is shown open
    r = c.post(take_then_url(t, "request_info"), {"take-request_info-comment": "Quel poste ?"})
    assert r.status_code == 302
    t = fresh(t)
    assert (t.assignee, t.status.code) == (world.agent, "attente_info")


def test_the_queue_take_button_goes_back_to_the_queue_on_refusal(world, login):
    t = file_ticket(world.customer, "ent")
    actions.ticket_take(actor=world.agent2, ticket=t)
    c = login(world.agent)
    r = c.post(action_url(t, "take"), {"next": "/console/?queue=free"})
    assert r.status_code == 302 and r["Location"] == "/console/?queue=free"
    assert "gisele" in c.get("/console/?queue=free").content.decode()  # the message


def test_assign_and_release(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    r = c.post(action_url(t, "assign"), {"assign-assignee": str(world.agent2.pk)})
    assert r.status_code == 302
    assert fresh(t).assignee == world.agent2
    assert [e.kind for e in events(t)][-2:] == ["assigned", "status"]
    # olga is no agent of DSI: she is not offered, and a forged post is refused on the field.
    with unchanged():
        r = c.post(action_url(t, "assign"), {"assign-assignee": str(world.other_agent.pk)})
    assert r.status_code == 400
    assert error_next_to(r, "id_assign-assignee")
    # The manager releases it; the ticket is free again.
    r = login(world.manager).post(action_url(t, "release"))
    assert r.status_code == 302
    t = fresh(t)
    assert t.assignee is None and t.status.code == "libre"


def test_release_by_someone_else_is_refused_with_a_message(world, login):
    t = file_ticket(world.customer, "ent")
    actions.ticket_take(actor=world.agent2, ticket=t)
    c = login(world.agent)
    with unchanged():
        r = c.post(action_url(t, "release"))
    assert r.status_code == 302
    assert 'class="msg error"' in c.get(r["Location"]).content.decode()
    assert fresh(t).assignee == world.agent2


def test_transfer_staying_as_guest(world, login):
    t = file_ticket(world.customer, "ent")
    target = category("ent", "electricite")
    c = login(world.agent)
    r = c.post(
        action_url(t, "transfer"),
        {
            "transfer-category": str(target.pk),
            "transfer-reason": "C'est électrique",
            "transfer-stay_as_guest": "on",
        },
    )
    assert r.status_code == 302 and r["Location"] == ticket_url(t)  # still in sight, as guest
    t = fresh(t)
    assert t.category_id == target.pk and t.service_id == target.service_id
    assert Guest.objects.filter(ticket=t, user=world.agent).exists()
    assert c.get(ticket_url(t)).status_code == 200


def test_transfer_without_staying_loses_sight_of_it(world, login):
    t = file_ticket(world.customer, "ent")
    target = category("ent", "plomberie")
    c = login(world.agent)
    r = c.post(action_url(t, "transfer"), {"transfer-category": str(target.pk)})
    assert r.status_code == 302 and r["Location"] == "/console/"
    assert fresh(t).category_id == target.pk
    assert c.get(ticket_url(t)).status_code == 404
    # olga, agent of Services généraux, now has it in her free queue.
    assert t.key in login(world.other_agent).get("/console/?queue=free").content.decode()


def test_transfer_to_the_same_category_is_refused_next_to_the_field(world, login):
    t = file_ticket(world.customer, "ent")
    with unchanged():
        r = login(world.agent).post(
            action_url(t, "transfer"), {"transfer-category": str(t.category_id)}
        )
    assert r.status_code == 400
    assert error_next_to(r, "id_transfer-category")


def test_escalate_on_n123(world, login):
    t = file_ticket(world.customer, "n123")
    assert t.level.code == "n1"
    c = login(world.agent)
    page = c.get(ticket_url(t)).content.decode()
    assert "N2" in page or "Niveau 2" in page
    r = c.post(action_url(t, "escalate"), {"escalate-reason": "Trop technique"})
    assert r.status_code == 302
    t = fresh(t)
    assert t.level.code == "n2" and t.category.slug == "applicatif"
    assert events(t, "escalated")[0].data["reason"] == "Trop technique"


def test_escalate_at_the_top_level_is_not_offered(world, login):
    t = file_ticket(world.customer, "n123")
    for _ in range(2):
        actions.ticket_escalate(actor=world.agent, ticket=t)
    page = login(world.agent).get(ticket_url(t)).content.decode()
    assert action_url(t, "escalate") not in page
    with unchanged():
        r = login(world.agent).post(action_url(t, "escalate"))
    assert r.status_code == 400


def test_invite_and_remove_a_guest(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    r = c.post(action_url(t, "invite"), {"invite-user": "albert", "invite-message": "Pour info"})
    assert r.status_code == 302
    guest = Guest.objects.get(ticket=t, user=world.colleague)
    assert guest.message == "Pour info"
    assert "albert" in c.get(ticket_url(t)).content.decode()
    # Picked from the directory lookup instead of typed.
    c.post(action_url(t, "invite"), {"invite-pick": str(world.agent2.pk)})
    assert Guest.objects.filter(ticket=t, user=world.agent2).exists()
    r = c.post(action_url(t, "remove-guest"), {"user": str(world.colleague.pk)})
    assert r.status_code == 302
    assert not Guest.objects.filter(ticket=t, user=world.colleague).exists()


def test_invite_refusals_show_next_to_the_field(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    with unchanged():
        # bob is a customer of another organisation: he may never follow it (TEN-2).
        r = c.post(action_url(t, "invite"), {"invite-user": "bob"})
        assert r.status_code == 400
        assert error_next_to(r, "id_invite-user")
        r = c.post(action_url(t, "invite"), {"invite-user": "nobody@nowhere.test"})
        assert r.status_code == 400
        assert error_next_to(r, "id_invite-user")
        r = c.post(action_url(t, "invite"), {"invite-user": ""})
        assert error_next_to(r, "id_invite-user")


@pytest.mark.parametrize("internal", [False, True])
def test_comment_public_or_internal(world, login, internal):
    t = file_ticket(world.customer, "ent")
    data = {"comment-comment": "Vu."}
    if internal:
        data["comment-internal"] = "on"
    c = login(world.agent)
    assert c.post(action_url(t, "comment"), data).status_code == 302
    comment = Comment.objects.get(ticket=t)
    assert (comment.body, comment.internal) == ("Vu.", internal)
    page = c.get(ticket_url(t)).content.decode()
    assert "Vu." in page


def test_an_empty_comment_is_refused_next_to_the_field(world, login):
    t = file_ticket(world.customer, "ent")
    with unchanged():
        r = login(world.agent).post(action_url(t, "comment"), {"comment-comment": "  "})
    assert r.status_code == 400
    assert error_next_to(r, "id_comment-comment")


def test_an_agent_of_the_service_comments_without_holding_it(world, login):
    t = file_ticket(world.customer, "ent")
    actions.ticket_take(actor=world.agent2, ticket=t)
    assert (
        login(world.agent).post(action_url(t, "comment"), {"comment-comment": "+1"}).status_code
        == 302
    )
    assert Comment.objects.filter(ticket=t, author=world.agent).exists()


def test_a_comment_with_attachments_and_their_download(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    upload = SimpleUploadedFile("trace.log", b"boom", content_type="text/plain")
    r = c.post(action_url(t, "comment"), {"comment-comment": "Logs", "comment-attachments": upload})
    assert r.status_code == 302
    att = Attachment.objects.get(ticket=t)
    page = c.get(ticket_url(t)).content.decode()
    assert "trace.log" in page and f"/attachments/{att.token}/" in page
    download = c.get(f"/attachments/{att.token}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"boom"
    assert login(world.outsider).get(f"/attachments/{att.token}/").status_code == 404


def test_attach_internal_files(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    files = [SimpleUploadedFile("a.txt", b"a"), SimpleUploadedFile("b.txt", b"b")]
    r = c.post(action_url(t, "attach"), {"attach-attachments": files, "attach-internal": "on"})
    assert r.status_code == 302
    assert sorted(
        Attachment.objects.filter(ticket=t, internal=True).values_list("filename", flat=True)
    ) == ["a.txt", "b.txt"]
    with unchanged():
        r = c.post(action_url(t, "attach"), {})
    assert r.status_code == 400
    assert error_next_to(r, "id_attach-attachments")


def test_link_two_tickets(world, login):
    t = file_ticket(world.customer, "ent")
    other = file_ticket(world.colleague, "ent", title="Même panne")
    c = login(world.agent)
    r = c.post(action_url(t, "link"), {"link-target": other.key, "link-kind": "relates"})
    assert r.status_code == 302
    assert TicketLink.objects.filter(source=t, target=other).exists()
    assert "Même panne" in c.get(ticket_url(t)).content.decode()
    assert t.key in c.get(ticket_url(other)).content.decode()  # shown from the other end too


def test_link_to_a_ticket_of_another_customer_is_refused(world, login):
    t = file_ticket(world.customer, "ent")
    theirs = file_ticket(world.outsider, "ent")
    c = login(world.agent)
    with unchanged():
        for key in (theirs.key, "ENT-424242", ""):
            r = c.post(action_url(t, "link"), {"link-target": key, "link-kind": "relates"})
            assert r.status_code == 400
            assert error_next_to(r, "id_link-target")


def test_convert_an_itil_incident_into_a_change(world, login):
    t = file_ticket(world.customer, "itil")
    c = login(world.agent)
    assert action_url(t, "convert") in c.get(ticket_url(t)).content.decode()
    r = c.post(action_url(t, "convert"), {"convert-reason": "Demande d'évolution"})
    assert r.status_code == 302
    t = fresh(t)
    assert t.type.code == "change"
    assert action_url(t, "convert") not in c.get(ticket_url(t)).content.decode()


def test_convert_is_refused_where_the_type_has_none(world, login):
    t = file_ticket(world.customer, "ent")
    c = login(world.agent)
    assert action_url(t, "convert") not in c.get(ticket_url(t)).content.decode()
    with unchanged():
        r = c.post(action_url(t, "convert"))
    assert r.status_code == 400


def test_edit_the_properties(world, login):
    t = file_ticket(world.customer, "ent")
    high = t.desk.priorities.get(code="haute")
    c = login(world.agent)
    r = c.post(
        action_url(t, "edit"),
        {
            "edit-title": "Imprimante HS",
            "edit-priority": str(high.pk),
            "edit-personal_reference": "PO-7",
        },
    )
    assert r.status_code == 302
    t = fresh(t)
    assert (t.title, t.priority_id, t.personal_reference) == ("Imprimante HS", high.pk, "PO-7")
    with unchanged():
        r = c.post(action_url(t, "edit"), {"edit-title": ""})
    assert r.status_code == 400
    assert error_next_to(r, "id_edit-title")


def test_the_timeline_is_newest_first(world, login):
    t = file_ticket(world.customer, "ent")
    actions.ticket_comment(actor=world.agent, ticket=t, body="Message un")
    actions.ticket_comment(actor=world.agent, ticket=t, body="Message deux")
    page = login(world.agent).get(ticket_url(t)).content.decode()
    assert page.index("Message deux") < page.index("Message un")


def test_internal_notes_show_to_staff_only(world, login):
    t = file_ticket(world.customer, "ent")
    actions.ticket_comment(actor=world.agent, ticket=t, body="Note interne secrète", internal=True)
    assert "Note interne secrète" in login(world.agent).get(ticket_url(t)).content.decode()


def test_name_a_configuration_item_of_the_tickets_site_only(world, login):
    from comptoir.cmdb.models import ConfigurationItem

    t = file_ticket(world.customer, "ent")
    mine = ConfigurationItem.objects.create(name="PC-042", site=world.a1)
    other_site = ConfigurationItem.objects.create(name="PC-LILLE", site=world.a2)
    theirs = ConfigurationItem.objects.create(name="PC-BERLIN", site=world.b1)
    c = login(world.agent)
    page = c.get(ticket_url(t)).content.decode()
    assert "PC-042" in page and "PC-LILLE" not in page and "PC-BERLIN" not in page
    base = {"edit-title": t.title}
    assert c.post(action_url(t, "edit"), {**base, "edit-ci": str(mine.pk)}).status_code == 302
    assert fresh(t).ci_id == mine.pk
    for ci in (other_site, theirs):
        with unchanged():
            r = c.post(action_url(t, "edit"), {**base, "edit-ci": str(ci.pk)})
        assert r.status_code == 400 and error_next_to(r, "id_edit-ci")
    assert c.post(action_url(t, "edit"), {**base, "edit-ci": ""}).status_code == 302
    assert fresh(t).ci_id is None
