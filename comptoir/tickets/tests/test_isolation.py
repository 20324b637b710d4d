# covers: TEN-2, TEN-3, TEN-7, TIC-8, AG-4
"""Tenant isolation, systematically: every selector and every action, tried by people of
another organisation, of another site and of another service, on org A's ticket."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest

from comptoir.accounts.models import VisibilityGrant
from comptoir.accounts.selectors import directory_lookup, person_get, visible_people
from comptoir.conftest import category
from comptoir.core.errors import DomainError, NotFound, PermissionDenied
from comptoir.notifications.models import Outbox
from comptoir.tickets import actions
from comptoir.tickets.models import Attachment, Ticket
from comptoir.tickets.selectors import (
    TicketFilters,
    attachment_get,
    attachment_list,
    comment_list,
    counts_by_state,
    guest_list,
    ticket_get,
    ticket_list,
    timeline,
)

from .helpers import file_ticket, unchanged, upload

ALL = TicketFilters(state=None)


@pytest.fixture
def scene(world):
    """alice's SPT ticket with everything that hangs off a ticket, public and internal;
    bob (org B) and anna (site a2) each have a ticket of their own."""
    ta = file_ticket(world.customer, "spt", attachments=[upload("facture.pdf")])
    actions.ticket_take(actor=world.agent, ticket=ta, comment="Je regarde")
    actions.ticket_comment(
        actor=world.agent,
        ticket=ta,
        body="Client sensible",
        internal=True,
        files=[upload("interne.txt")],
    )
    actions.ticket_invite(actor=world.agent, ticket=ta, user=world.colleague, message="Pour info")
    actions.ticket_mute(actor=world.customer, ticket=ta)  # an internal event
    tb = file_ticket(world.outsider, "spt", attachments=[upload("rechnung.pdf")])
    actions.ticket_comment(actor=world.outsider, ticket=tb, body="Hallo")
    t_a2 = file_ticket(world.other_site, "ent")
    ta.refresh_from_db()
    return SimpleNamespace(
        ta=ta,
        tb=tb,
        t_a2=t_a2,
        att_public=Attachment.objects.get(ticket=ta, internal=False),
        att_internal=Attachment.objects.get(ticket=ta, internal=True),
        att_b=Attachment.objects.get(ticket=tb),
    )


def sees_ticket(actor, t: Ticket) -> bool:
    """Whether `actor` reaches `t` through any ticket selector; all must agree."""
    answers = {
        "list": t in ticket_list(actor=actor, filters=ALL),
        "timeline": timeline(actor=actor, ticket=t).exists(),
        "comments": comment_list(actor=actor, ticket=t).exists() or None,
        "attachments": attachment_list(actor=actor, ticket=t).exists() or None,
    }
    for how in ("key", "pk"):
        try:
            ticket_get(actor=actor, **{how: getattr(t, how)})
            answers[how] = True
        except NotFound:
            answers[how] = False
    decisive = {k: v for k, v in answers.items() if v is not None}
    assert len(set(decisive.values())) == 1, answers
    return answers["list"]


# --- Selectors -------------------------------------------------------------------------------


def test_the_outsider_reaches_nothing_of_org_a_through_any_selector(world, scene):
    bob, ta = world.outsider, scene.ta
    assert list(ticket_list(actor=bob, filters=ALL)) == [scene.tb]
    assert counts_by_state(actor=bob) == {"open": 1}
    for how in ({"key": ta.key}, {"pk": ta.pk}, {"key": ta.key.lower()}, {"pk": str(ta.pk)}):
        with pytest.raises(NotFound):
            ticket_get(actor=bob, **how)
    # Hanging-off rows, even when handed org A's ticket object directly.
    assert not timeline(actor=bob, ticket=ta).exists()
    assert not comment_list(actor=bob, ticket=ta).exists()
    assert not attachment_list(actor=bob, ticket=ta).exists()
    assert not guest_list(actor=bob, ticket=ta).exists()
    for att in (scene.att_public, scene.att_internal):
        with pytest.raises(NotFound):
            attachment_get(actor=bob, token=att.token)
    # Searches answer nothing of org A either.
    for text in (ta.key, ta.title, "Imprimante", "alice"):
        assert scene.ta not in ticket_list(actor=bob, filters=TicketFilters(state=None, text=text))
    # Positive control: bob reaches his own through the same selectors.
    assert sees_ticket(bob, scene.tb)
    assert attachment_get(actor=bob, token=scene.att_b.token) == scene.att_b


def test_the_outsider_reaches_no_person_of_org_a(world, scene):
    bob = world.outsider
    org_a_people = [world.customer, world.colleague, world.other_site, world.customer_manager]
    assert set(visible_people(bob)) == {bob}
    for person in org_a_people:
        with pytest.raises(NotFound):
            person_get(actor=bob, pk=person.pk)
        assert directory_lookup(actor=bob, term=person.username) == []
        assert directory_lookup(actor=bob, term=person.email) == []
    assert directory_lookup(actor=bob, term="a") == []  # too short: nothing at all
    assert directory_lookup(actor=bob, term="bob") == [bob]


def test_people_a_customer_manager_sees_stop_at_their_site(world, scene):
    mgr = world.customer_manager
    assert set(visible_people(mgr)) == {world.customer, world.colleague, mgr}
    assert person_get(actor=mgr, pk=world.colleague.pk) == world.colleague
    for person in (world.other_site, world.outsider, world.agent):
        with pytest.raises(NotFound):
            person_get(actor=mgr, pk=person.pk)
    assert [p.username for p in directory_lookup(actor=mgr, term="al")] == ["albert", "alice"]


@pytest.mark.parametrize(
    ("who", "grant", "sees"),
    [
        ("other_site", None, False),  # a2 does not see a1's tickets…
        ("customer_manager", None, True),  # …unless customer manager of a1…
        ("other_site", {"division": ""}, True),  # …or granted the organisation…
        ("other_site", {"division": "Sud"}, True),  # …or a1's division…
        ("other_site", {"division": "Nord"}, False),  # …not another division.
        ("outsider", {"division": "Inconnue"}, False),
        ("colleague", None, True),  # a guest of the ticket
        ("customer", None, True),  # its requester
    ],
)
def test_who_sees_a_ticket_of_site_a1(world, scene, who, grant, sees):
    actor = getattr(world, who)
    if grant is not None:
        VisibilityGrant.objects.create(user=actor, organisation=world.org_a, **grant)
    assert sees_ticket(actor, scene.ta) is sees
    if not sees:
        with pytest.raises(NotFound):
            attachment_get(actor=actor, token=scene.att_public.token)
        assert not guest_list(actor=actor, ticket=scene.ta).exists()


def test_a_grant_on_one_organisation_reveals_nothing_of_another(world, scene):
    VisibilityGrant.objects.create(user=world.other_site, organisation=world.org_a)
    assert not sees_ticket(world.other_site, scene.tb)
    VisibilityGrant.objects.create(user=world.outsider, organisation=world.org_b)
    assert not sees_ticket(world.outsider, scene.ta)


def test_the_agent_of_another_service_sees_nothing(world, scene):
    assert not sees_ticket(world.other_agent, scene.ta)
    assert counts_by_state(actor=world.other_agent) == {}


def test_an_inactive_person_sees_nothing(world, scene):
    world.customer.is_active = False
    world.customer.save(update_fields=["is_active"])
    assert not sees_ticket(world.customer, scene.ta)
    assert not visible_people(world.customer).exists()


# --- Internal comments and events (TIC-8) ----------------------------------------------------


def test_internal_rows_never_reach_a_customer_through_selectors(world, scene):
    ta = scene.ta
    for customer in (world.customer, world.colleague, world.customer_manager):
        assert not timeline(actor=customer, ticket=ta).filter(internal=True).exists()
        assert [e.kind for e in timeline(actor=customer, ticket=ta)] == [
            "guest_added",
            "comment",
            "taken",
            "created",
        ]
        assert [c.body for c in comment_list(actor=customer, ticket=ta)] == ["Je regarde"]
        assert list(attachment_list(actor=customer, ticket=ta)) == [scene.att_public]
        with pytest.raises(NotFound):
            attachment_get(actor=customer, token=scene.att_internal.token)
    # Staff see them all.
    kinds = [e.kind for e in timeline(actor=world.agent2, ticket=ta)]
    assert kinds == ["mute", "guest_added", "comment", "comment", "taken", "created"]
    assert comment_list(actor=world.agent2, ticket=ta).count() == 2
    assert attachment_get(actor=world.agent2, token=scene.att_internal.token)


def test_no_outbox_row_for_a_customer_on_an_internal_comment(world, scene):
    ta = scene.ta
    actions.ticket_mute(actor=world.customer, ticket=ta, muted=False)
    actions.ticket_invite(actor=world.agent, ticket=ta, user=world.other_agent)
    before = set(Outbox.objects.values_list("pk", flat=True))
    actions.ticket_comment(actor=world.agent2, ticket=ta, body="Entre nous", internal=True)
    new = Outbox.objects.exclude(pk__in=before)
    assert {o.recipient.username for o in new} == {"gaston", "olga"}  # holder, staff guest
    assert not any(o.recipient.is_customer for o in new)
    # The same comment made public reaches the requester and the customer guest.
    before = set(Outbox.objects.values_list("pk", flat=True))
    actions.ticket_comment(actor=world.agent2, ticket=ta, body="Pour tous")
    new = Outbox.objects.exclude(pk__in=before)
    assert {o.recipient.username for o in new} == {"gaston", "olga", "alice", "albert"}


# --- Every action, tried on org A's ticket by someone who may not see it ---------------------

GHOST = 10**9


def _ghost() -> Ticket:
    return Ticket(pk=GHOST)


# name → how to call it on `ticket` (each: the kwargs beyond actor).
ACTION_CALLS = {
    "sla_check": lambda c, t: {"ticket": t},
    "ticket_assess": lambda c, t: {"ticket": t, "satisfaction": 5},
    "ticket_assign": lambda c, t: {"ticket": t, "assignee": c.world.agent},
    "ticket_attach": lambda c, t: {"ticket": t, "files": [upload("x.txt")]},
    "ticket_comment": lambda c, t: {"ticket": t, "body": "Hello"},
    "ticket_confirm_resolution": lambda c, t: {"ticket": t, "accepted": True},
    "ticket_convert": lambda c, t: {"ticket": t},
    "ticket_create": lambda c, t: {
        **c.create_kwargs,
        "references": t,
        "reporter": c.world.outsider,
    },
    "ticket_escalate": lambda c, t: {"ticket": t},
    "ticket_invite": lambda c, t: {"ticket": t, "user": c.world.outsider},
    "ticket_link": lambda c, t: {"ticket": t, "target": c.own},
    "ticket_link_reverse": lambda c, t: {"ticket": c.own, "target": t},
    "ticket_mute": lambda c, t: {"ticket": t},
    "ticket_release": lambda c, t: {"ticket": t},
    "ticket_remove_guest": lambda c, t: {"ticket": t, "user": c.world.colleague},
    "ticket_take": lambda c, t: {"ticket": t, "comment": "mine"},
    "ticket_transfer": lambda c, t: {
        "ticket": t,
        "category": category("spt", "licences"),
        "stay_as_guest": True,
    },
    "ticket_transition": lambda c, t: {"ticket": t, "code": "start"},
    "ticket_update": lambda c, t: {"ticket": t, "changes": {"title": "pwned"}},
}


def test_every_action_is_in_the_table():
    funcs = {name for name in actions.__all__ if inspect.isfunction(getattr(actions, name))}
    assert funcs == {name for name in ACTION_CALLS if not name.endswith("_reverse")}


def _call(name: str, actor, kwargs):
    func = getattr(actions, name.removesuffix("_reverse"))
    if name == "ticket_create" and not actor.is_staff_member:
        kwargs = {k: v for k, v in kwargs.items() if k != "reporter"}
    try:
        func(actor=actor, **kwargs)
    except DomainError as exc:
        return exc
    raise AssertionError(f"{name} by {actor} on another tenant's ticket was not refused")


def _refusal_problem(name: str, actor, ctx, foreign: Ticket) -> str | None:
    """Call action `name` on `foreign` and on a missing ticket; what is wrong, if anything."""
    make = ACTION_CALLS[name]
    try:
        with unchanged():
            refused = _call(name, actor, make(ctx, foreign))
            ghost = _call(name, actor, make(ctx, _ghost()))
    except AssertionError as exc:
        return f"{name}: {exc}"
    # Never an existence oracle: the foreign ticket is refused exactly like a missing one.
    seen = (type(refused).__name__, refused.code, refused.field, str(refused))
    if seen != (type(ghost).__name__, ghost.code, ghost.field, str(ghost)):
        return f"{name}: {seen} differs from a missing ticket's {ghost!r}"
    if isinstance(refused, PermissionDenied):
        if refused.code != "staff_only" or actor.is_staff_member:
            return f"{name}: {seen}, where NotFound was expected"
    elif not isinstance(refused, NotFound):
        return f"{name}: {seen}, where NotFound was expected"
    return None


@pytest.mark.parametrize("who", ["outsider", "other_site", "other_agent"])
def test_no_action_reaches_a_ticket_one_cannot_see(world, scene, who):
    """Every action, on alice's ticket, by someone who may not see it: the refusal is
    NotFound — or, for a staff-only action tried by a customer, the PermissionDenied a
    missing ticket gets just the same — and nothing at all is written."""
    actor = getattr(world, who)
    own = {"outsider": scene.tb, "other_site": scene.t_a2}.get(who)
    if own is None:  # an agent of ENT's general services: a ticket of their service
        own = file_ticket(world.customer, "ent", cat="chauffage")
    ctx = SimpleNamespace(
        world=world,
        own=own,
        create_kwargs={  # on a desk where the actor may file tickets
            "desk": own.desk,
            "type": own.type,
            "category": own.category,
            "title": "Référence",
            "description": "Voir l'autre ticket",
        },
    )
    problems = [_refusal_problem(name, actor, ctx, scene.ta) for name in sorted(ACTION_CALLS)]
    assert [p for p in problems if p] == []


def test_actions_on_a_visible_ticket_do_not_take_another_tenants_objects(world, scene):
    """The other side: on a ticket one may act on, another tenant's ticket or person given
    as an argument is refused as not found."""
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_link(actor=world.agent, ticket=scene.ta, target=scene.tb)
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_invite(actor=world.agent, ticket=scene.ta, user=world.outsider)
    with unchanged(), pytest.raises(NotFound):
        actions.ticket_link(actor=world.customer, ticket=scene.ta, target=scene.t_a2)
