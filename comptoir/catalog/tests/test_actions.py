# covers: TEN-7, AG-6, TIC-6
"""The service configuration write path: only a manager of the service (can_manage) or an
administrator changes its managers, permanent guests and category templates; a refusal
writes nothing."""

from __future__ import annotations

import pytest

from comptoir.catalog import actions
from comptoir.catalog.models import Category, PermanentGuest, Service, ServiceMember, SupportLevel
from comptoir.conftest import category
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied


def dsi() -> Service:
    return Service.objects.get(desk__slug="ent", slug="dsi")


def n1() -> Service:
    return Service.objects.get(desk__slug="n123", slug="support-n1")


def members(service: Service) -> list[tuple[int, bool]]:
    return sorted(
        ServiceMember.objects.filter(service=service).values_list("user_id", "can_manage")
    )


def test_a_manager_adds_updates_and_removes_a_manager(world):
    s = dsi()
    mess = category("ent", "messagerie")
    m = actions.service_add_manager(
        actor=world.manager, service=s, user=world.other_agent, categories=[mess]
    )
    assert (m.can_manage, list(m.categories.all())) == (False, [mess])
    m = actions.service_set_privileges(
        actor=world.manager, service=s, user=world.other_agent, can_manage=True, categories=[]
    )
    assert m.can_manage and not m.categories.exists()
    actions.service_remove_manager(actor=world.manager, service=s, user=world.other_agent)
    assert not ServiceMember.objects.filter(service=s, user=world.other_agent).exists()


def test_an_administrator_may_manage_any_service(world):
    actions.service_add_manager(actor=world.admin, service=dsi(), user=world.other_agent)
    assert ServiceMember.objects.filter(service=dsi(), user=world.other_agent).exists()


@pytest.mark.parametrize("who", ["agent", "other_agent", "customer", "outsider"])
def test_others_are_refused_and_nothing_changes(world, who):
    s = dsi()
    actor = getattr(world, who)
    cat = category("ent", "reseau")
    before = members(s), PermanentGuest.objects.count()
    calls = [
        lambda: actions.service_add_manager(actor=actor, service=s, user=world.other_agent),
        lambda: actions.service_set_privileges(
            actor=actor, service=s, user=world.agent, can_manage=True
        ),
        lambda: actions.service_remove_manager(actor=actor, service=s, user=world.agent2),
        lambda: actions.service_add_permanent_guest(actor=actor, service=s, user=world.agent2),
        lambda: actions.category_set_template(actor=actor, category=cat, subject_fr="x"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied) as err:
            call()
        assert err.value.code == "not_service_manager"
    assert (members(s), PermanentGuest.objects.count()) == before
    cat.refresh_from_db()
    assert cat.template_subject_fr == ""


def test_only_staff_become_managers(world):
    with pytest.raises(InvalidInput) as err:
        actions.service_add_manager(actor=world.manager, service=dsi(), user=world.customer)
    assert err.value.field == "user"
    world.other_agent.is_active = False
    world.other_agent.save()
    with pytest.raises(InvalidInput) as err:
        actions.service_add_manager(actor=world.manager, service=n1(), user=world.other_agent)
    assert err.value.field == "user"
    assert not ServiceMember.objects.filter(user=world.other_agent, service=n1()).exists()


def test_twice_is_refused(world):
    with pytest.raises(InvalidInput) as err:
        actions.service_add_manager(actor=world.manager, service=dsi(), user=world.agent)
    assert (err.value.code, err.value.field) == ("already_member", "user")


def test_categories_and_levels_of_another_service_are_refused(world):
    with pytest.raises(InvalidInput) as err:
        actions.service_set_privileges(
            actor=world.manager,
            service=dsi(),
            user=world.agent,
            can_manage=False,
            categories=[category("ent", "chauffage")],
        )
    assert err.value.field == "categories"
    with pytest.raises(InvalidInput) as err:
        actions.service_set_privileges(
            actor=world.manager,
            service=dsi(),
            user=world.agent,
            can_manage=False,
            level=SupportLevel.objects.get(desk__slug="n123", code="n2"),
        )
    assert err.value.field == "level"
    m = actions.service_set_privileges(
        actor=world.manager,
        service=n1(),
        user=world.agent,
        can_manage=False,
        level=SupportLevel.objects.get(desk__slug="n123", code="n2"),
    )
    assert m.level.code == "n2"


def test_the_last_manager_cannot_leave_or_step_down(world):
    s = dsi()
    with pytest.raises(InvalidInput) as err:
        actions.service_remove_manager(actor=world.manager, service=s, user=world.manager)
    assert err.value.code == "last_manager"
    with pytest.raises(InvalidInput):
        actions.service_set_privileges(
            actor=world.manager, service=s, user=world.manager, can_manage=False
        )
    # With a second manager, the first may step down.
    actions.service_set_privileges(
        actor=world.manager, service=s, user=world.agent, can_manage=True
    )
    actions.service_set_privileges(
        actor=world.manager, service=s, user=world.manager, can_manage=False
    )
    assert members(s).count((world.agent.pk, True)) == 1


def test_not_a_member(world):
    with pytest.raises(NotFound):
        actions.service_remove_manager(actor=world.manager, service=dsi(), user=world.other_agent)
    with pytest.raises(NotFound):
        actions.service_set_privileges(
            actor=world.manager, service=dsi(), user=world.other_agent, can_manage=True
        )


def test_permanent_guests(world):
    s = dsi()
    g = actions.service_add_permanent_guest(actor=world.manager, service=s, user=world.other_agent)
    assert g.user == world.other_agent
    with pytest.raises(InvalidInput):
        actions.service_add_permanent_guest(actor=world.manager, service=s, user=world.other_agent)
    actions.service_remove_permanent_guest(actor=world.manager, service=s, user=world.other_agent)
    with pytest.raises(NotFound):
        actions.service_remove_permanent_guest(
            actor=world.manager, service=s, user=world.other_agent
        )


def test_a_permanent_guest_is_invited_to_new_tickets(world):
    from comptoir.tickets.models import Guest
    from comptoir.tickets.tests.helpers import file_ticket

    actions.service_add_permanent_guest(actor=world.manager, service=dsi(), user=world.other_agent)
    t = file_ticket(world.customer, "ent")
    assert Guest.objects.filter(ticket=t, user=world.other_agent, permanent=True).exists()


def test_category_template(world):
    cat = category("ent", "reseau")
    out = actions.category_set_template(
        actor=world.manager, category=cat, subject_fr=" Réseau lent ", body_en="Where?\n"
    )
    assert (out.template_subject_fr, out.template_body_en, out.template_subject_en) == (
        "Réseau lent",
        "Where?",
        "",
    )
    with pytest.raises(InvalidInput) as err:
        actions.category_set_template(actor=world.manager, category=cat, subject_en="x" * 201)
    assert err.value.field == "subject_en"
    assert Category.objects.get(pk=cat.pk).template_subject_en == ""
