# covers: POR-1, TIC-2, TIC-5, TIC-9, TEN-2, TEN-4, TEN-6, AG-6, AG-7, NOT-1, CMDB-1
"""ticket_create: the portal, the external support mode, filing on behalf of a customer,
attachments, permanent guests, references and keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import translation

from comptoir.accounts.models import Role
from comptoir.catalog.models import Desk, PermanentGuest, Priority, TicketType
from comptoir.cmdb.models import ConfigurationItem
from comptoir.conftest import category, make_user
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.tickets import actions
from comptoir.tickets.models import Attachment, Channel, Guest, LinkKind, TicketLink
from comptoir.tickets.selectors import TicketFilters, ticket_get, ticket_list
from comptoir.workflows.models import State

from .helpers import events, file_ticket, recipients, unchanged, upload

SPT_AGENTS = {"gaston", "gisele", "marc"}


def spt_kwargs(**kw):
    desk = Desk.objects.get(slug="spt")
    base = {
        "desk": desk,
        "type": TicketType.objects.get(desk=desk, code="support"),
        "category": category("spt", "erp"),
        "title": "Erreur à la facturation",
        "description": "Le module plante à la validation.",
    }
    return {**base, **kw}


# --- The portal ------------------------------------------------------------------------------


def test_portal_create_writes_ticket_event_and_tells_the_service(world):
    t = actions.ticket_create(actor=world.customer, **spt_kwargs(personal_reference=" PO-4711 "))

    assert t.key == f"SPT-{t.number}"
    assert t.status.is_initial and t.state == State.OPEN
    assert (t.reporter, t.affected, t.created_by) == (world.customer,) * 3
    assert (t.organisation, t.site, t.channel) == (world.org_a, world.a1, Channel.PORTAL)
    assert t.priority == Priority.objects.get(desk=t.desk, is_default=True)
    assert t.personal_reference == "PO-4711"  # kept, trimmed
    [created] = events(t)
    assert created.kind == "created" and created.actor == world.customer
    assert created.data["key"] == t.key and created.data["status"]["id"] == t.status_id
    # NOT-1: the service's agents are told; NOT-4: the requester gets a confirmation.
    assert recipients(t, "created") == SPT_AGENTS | {"alice"}
    found = ticket_list(actor=world.customer, filters=TicketFilters(text="PO-4711"))
    assert list(found) == [t]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "The title is required."),
        ({"title": "   "}, "title", "The title is required."),
        ({"title": None}, "title", "The title is required."),
        ({"title": "x" * 251}, "title", "The title is limited to 250 characters."),
        ({"description": ""}, "description", "The description is required."),
        ({"description": " \n "}, "description", "The description is required."),
        ({"personal_reference": "R" * 101}, "personal_reference", "limited to 100"),
    ],
)
def test_required_fields_refused_with_a_clear_error_and_nothing_written(
    world, changes, field, message
):
    with translation.override("en"), unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_create(actor=world.customer, **spt_kwargs(**changes))
    assert exc.value.field == field
    assert exc.value.code == "invalid"
    assert message in str(exc.value)


def test_type_category_and_priority_must_belong_to_the_desk(world):
    ent = Desk.objects.get(slug="ent")
    foreign = {
        "type": TicketType.objects.get(desk=ent, code="ticket"),
        "category": category("ent", "messagerie"),
        "priority": Priority.objects.filter(desk=ent).first(),
    }
    for field, value in foreign.items():
        with unchanged(), pytest.raises(InvalidInput) as exc:
            actions.ticket_create(actor=world.customer, **spt_kwargs(**{field: value}))
        assert exc.value.field == field


def test_staff_only_type_refused_to_a_customer_but_filed_by_staff(world):
    licence = TicketType.objects.get(desk__slug="spt", code="licence")
    with unchanged(), pytest.raises(PermissionDenied) as exc:
        actions.ticket_create(actor=world.customer, **spt_kwargs(type=licence))
    assert exc.value.code == "type_staff_only"

    t = actions.ticket_create(
        actor=world.agent, reporter=world.customer, **spt_kwargs(type=licence)
    )
    assert t.type == licence and t.reporter == world.customer


# --- TEN-4: external support mode ------------------------------------------------------------


@pytest.mark.parametrize("external", [True, False])
def test_reporter_is_always_the_customer_themself(world, settings, external):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = external
    t = actions.ticket_create(actor=world.customer, reporter=world.colleague, **spt_kwargs())
    assert t.reporter == world.customer


def test_external_mode_forces_the_affected_person_to_self(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    t = actions.ticket_create(actor=world.customer, affected=world.colleague, **spt_kwargs())
    assert (t.reporter, t.affected, t.site) == (world.customer, world.customer, world.a1)


def test_external_mode_refuses_a_customer_without_site(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = True
    homeless = make_user("sanssite", organisation=world.org_a)
    with unchanged(), pytest.raises(PermissionDenied) as exc:
        actions.ticket_create(actor=homeless, **spt_kwargs())
    assert exc.value.code == "no_site"


def test_without_external_mode_a_colleague_of_the_site_may_be_affected(world, settings):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    t = actions.ticket_create(actor=world.customer, affected=world.colleague, **spt_kwargs())
    assert (t.reporter, t.affected, t.site) == (world.customer, world.colleague, world.a1)
    # TEN-6: both follow it.
    assert ticket_get(actor=world.colleague, pk=t.pk) == t
    assert ticket_get(actor=world.customer, pk=t.pk) == t


@pytest.mark.parametrize("who", ["other_site", "outsider", "agent"])
def test_without_external_mode_the_affected_person_must_be_of_the_site(world, settings, who):
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_create(actor=world.customer, affected=getattr(world, who), **spt_kwargs())
    assert exc.value.field == "affected"


def test_without_external_mode_a_customer_without_site_cannot_file_for_another_org(world, settings):
    """Two people "without site" share no site: the organisation must match as well."""
    settings.COMPTOIR_EXTERNAL_SUPPORT_MODE = False
    homeless_a = make_user("sanssite_a", organisation=world.org_a)
    homeless_b = make_user("sanssite_b", organisation=world.org_b)
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_create(actor=homeless_a, affected=homeless_b, **spt_kwargs())
    assert exc.value.field == "affected"
    t = actions.ticket_create(actor=homeless_a, **spt_kwargs())
    assert (t.organisation, t.site) == (world.org_a, None)


# --- AG-7, TEN-6: on behalf of a customer ----------------------------------------------------


def test_on_behalf_needs_the_customer(world):
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_create(actor=world.agent, channel=Channel.PHONE, **spt_kwargs())
    assert exc.value.field == "reporter"


def test_on_behalf_with_reporting_and_affected_persons(world):
    t = actions.ticket_create(
        actor=world.agent,
        reporter=world.customer,
        affected=world.colleague,
        channel=Channel.PHONE,
        **spt_kwargs(),
    )
    assert (t.reporter, t.affected, t.created_by) == (world.customer, world.colleague, world.agent)
    assert (t.channel, t.site, t.organisation) == (Channel.PHONE, world.a1, world.org_a)
    # Both follow it: both see it and both are told (the affected person in their language).
    for person in (world.customer, world.colleague):
        assert ticket_get(actor=person, key=t.key) == t
    assert recipients(t, "created") == {"alice", "albert", "gisele", "marc"}
    assert events(t)[0].actor == world.agent


def test_on_behalf_with_only_the_affected_person(world):
    t = actions.ticket_create(actor=world.agent, affected=world.colleague, **spt_kwargs())
    assert (t.reporter, t.affected) == (world.colleague, world.colleague)


def test_on_behalf_refuses_people_of_two_organisations(world):
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_create(
            actor=world.agent, reporter=world.customer, affected=world.outsider, **spt_kwargs()
        )
    assert exc.value.field == "affected"


# --- CMDB-1: configuration items -------------------------------------------------------------


def test_ci_of_the_site_accepted_and_of_another_site_refused(world):
    own = ConfigurationItem.objects.create(site=world.a1, name="PC-LYON-01")
    other_site = ConfigurationItem.objects.create(site=world.a2, name="PC-LILLE-01")
    other_org = ConfigurationItem.objects.create(site=world.b1, name="PC-BERLIN-01")

    assert actions.ticket_create(actor=world.customer, ci=own, **spt_kwargs()).ci == own
    for ci in (other_site, other_org):
        with unchanged(), pytest.raises(InvalidInput) as exc:
            actions.ticket_create(actor=world.customer, ci=ci, **spt_kwargs())
        assert exc.value.field == "ci"
        with unchanged(), pytest.raises(InvalidInput):
            actions.ticket_create(actor=world.agent, reporter=world.customer, ci=ci, **spt_kwargs())


# --- Attachments -----------------------------------------------------------------------------


def test_attachments_are_stored_through_the_storage_api(world):
    t = actions.ticket_create(
        actor=world.customer, attachments=[upload("capture.txt", b"trace 42")], **spt_kwargs()
    )
    [att] = Attachment.objects.filter(ticket=t)
    assert (att.filename, att.size, att.content_type) == ("capture.txt", 8, "text/plain")
    assert (att.organisation_id, att.uploaded_by, att.internal) == (
        t.organisation_id,
        world.customer,
        False,
    )
    # Stored under the tenant and a random token, never under the name the client sent.
    assert att.file.name == f"attachments/{t.organisation_id}/{t.pk}/{att.token}"
    assert default_storage.exists(att.file.name)
    with default_storage.open(att.file.name) as fh:
        assert fh.read() == b"trace 42"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("re\x00port\r\n.pdf", "report.pdf"),
        ("\u202eexe.pdf", "exe.pdf"),  # a right-to-left override hides the real extension
        ("..", "attachment"),
        ("", "attachment"),
    ],
)
def test_attachment_names_are_cleaned(world, sent, kept):
    with translation.override("en"):  # the default name is in the language of the moment
        t = actions.ticket_create(actor=world.customer, attachments=[upload(sent)], **spt_kwargs())
    att = Attachment.objects.get(ticket=t)
    assert att.filename == kept
    media = Path(settings.MEDIA_ROOT).resolve()
    stored = Path(default_storage.path(att.file.name)).resolve()
    assert stored.is_relative_to(media) and stored.is_file()
    assert sorted(p.name for p in media.rglob("*") if p.is_file()) == [att.token]


def test_attachment_over_the_size_limit_refused_and_nothing_stored(world, settings):
    settings.COMPTOIR_MAX_ATTACHMENT_BYTES = 10
    files = [upload("small.txt", b"ok"), upload("big.bin", b"x" * 11)]
    with unchanged(), pytest.raises(InvalidInput) as exc:
        actions.ticket_create(actor=world.customer, attachments=files, **spt_kwargs())
    assert exc.value.field == "attachments"
    assert "big.bin" in str(exc.value)


# --- AG-6: permanent guests ------------------------------------------------------------------


def test_permanent_guests_of_the_service_are_invited(world):
    service = category("spt", "erp").service
    PermanentGuest.objects.create(service=service, user=world.other_agent)
    PermanentGuest.objects.create(service=service, user=world.colleague)
    t = actions.ticket_create(actor=world.customer, **spt_kwargs())

    guests = {g.user.username: g for g in Guest.objects.filter(ticket=t)}
    assert set(guests) == {"olga", "albert"}
    assert all(g.permanent for g in guests.values())
    assert ticket_get(actor=world.other_agent, pk=t.pk) == t
    assert "olga" in recipients(t, "created")


def test_a_permanent_guest_of_another_organisation_is_not_invited(world):
    """A customer made permanent guest of a service must not follow other tenants' tickets."""
    PermanentGuest.objects.create(service=category("spt", "erp").service, user=world.outsider)
    t = actions.ticket_create(actor=world.customer, **spt_kwargs())
    assert not Guest.objects.filter(ticket=t).exists()
    assert "bob" not in recipients(t, "created")
    with pytest.raises(NotFound):
        ticket_get(actor=world.outsider, pk=t.pk)


# --- TIC-5: references -----------------------------------------------------------------------


def test_a_new_request_may_reference_a_closed_one(world):
    old = file_ticket(world.customer)
    actions.ticket_transition(actor=world.agent, ticket=old, code="start")
    actions.ticket_transition(
        actor=world.agent, ticket=old, code="resolve", data={"solution": "Correctif 12.3"}
    )
    actions.ticket_confirm_resolution(actor=world.customer, ticket=old, accepted=True)
    old = actions.ticket_transition(actor=world.agent, ticket=old, code="close")
    assert old.state == State.CLOSED

    t = actions.ticket_create(actor=world.customer, references=old, **spt_kwargs())
    link = TicketLink.objects.get(source=t)
    assert (link.target, link.kind, link.organisation) == (old, LinkKind.REFERENCES, world.org_a)


def test_references_to_a_ticket_not_visible_or_of_another_organisation(world):
    theirs = file_ticket(world.outsider)
    other_site = file_ticket(world.other_site)
    for target in (theirs, other_site):
        with unchanged(), pytest.raises(NotFound) as exc:
            actions.ticket_create(actor=world.customer, references=target, **spt_kwargs())
        assert exc.value.field == "references"
    # The agent sees org B's ticket, but a ticket of org A cannot reference it.
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_create(
            actor=world.agent, reporter=world.customer, references=theirs, **spt_kwargs()
        )


# --- TIC-2: keys -----------------------------------------------------------------------------


def test_keys_are_sequential_per_desk_with_the_desk_prefix(world):
    keys = [
        file_ticket(world.customer, "spt").key,
        file_ticket(world.customer, "ent").key,
        file_ticket(world.outsider, "spt").key,
        file_ticket(world.customer, "n123").key,
        file_ticket(world.customer, "n123").key,
    ]
    assert keys == ["SPT-1", "ENT-1", "SPT-2", "#1", "#2"]
    assert Desk.objects.get(slug="spt").next_number == 3


def test_a_type_handled_at_a_level_is_routed_to_that_level(world):
    t = file_ticket(world.customer, "n123", type="incident", cat="assistance")
    assert (t.level.code, t.category.slug) == ("n2", "applicatif")
    assert t.service.slug == "support-n2"


def test_a_customer_manager_files_for_themself_like_any_customer(world):
    assert world.customer_manager.role == Role.CUSTOMER_MANAGER
    t = actions.ticket_create(actor=world.customer_manager, reporter=world.customer, **spt_kwargs())
    assert t.reporter == world.customer_manager
