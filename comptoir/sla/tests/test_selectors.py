# covers: SLA-2, TEN-2, X-3
"""The breach history for reports: scoped like the tickets, never shown to customers."""

from __future__ import annotations

import pytest

from comptoir.accounts.models import VisibilityGrant
from comptoir.catalog.models import Priority
from comptoir.core.errors import InvalidInput
from comptoir.sla.selectors import sla_alert_counts, sla_alert_list, visible_alerts
from comptoir.tickets import actions
from comptoir.tickets.tests.helpers import file_ticket

from .conftest import paris, prio, watch


@pytest.fixture
def history(world, clock):
    """Breaches on alice's (org A) and bob's (org B) SPT tickets, and alice's ENT ticket
    (the service of olga, an agent of general services only)."""
    clock(2026, 11, 27, 16)
    a = file_ticket(world.customer, "spt", priority=prio("bloquante"))
    b = file_ticket(world.outsider, "spt", priority=prio("haute"))
    urgent = Priority.objects.get(desk__slug="ent", rank=1)
    ent = file_ticket(world.customer, "ent", cat="chauffage", priority=urgent)
    clock(2026, 11, 30, 10, 12)
    watch()
    clock(2026, 12, 11, 17)  # everything long breached
    watch()
    return a, b, ent


def keys(alerts) -> set[str]:
    return {alert.ticket.key for alert in alerts}


def test_customers_see_no_alert_not_even_of_their_own_tickets(world, history):
    for person in (world.customer, world.customer_manager, world.outsider, world.other_site):
        assert list(sla_alert_list(actor=person)) == []
        assert sla_alert_counts(actor=person, by="service") == []
    VisibilityGrant.objects.create(user=world.outsider, organisation=world.org_a)
    assert not visible_alerts(world.outsider).exists()


def test_staff_see_the_alerts_of_the_tickets_they_see(world, history):
    a, b, ent = history
    assert keys(sla_alert_list(actor=world.admin)) == {a.key, b.key, ent.key}
    # gaston works for SPT's customer services (and ENT's IT, not its general services).
    assert keys(sla_alert_list(actor=world.agent)) == {a.key, b.key}
    # olga works for ENT's general services: she sees that ticket's alerts, no SPT's.
    assert keys(sla_alert_list(actor=world.other_agent)) == {ent.key}
    # A guest of one SPT ticket sees that ticket's alerts too, as she sees the ticket.
    actions.ticket_invite(actor=world.agent, ticket=a, user=world.other_agent)
    assert keys(sla_alert_list(actor=world.other_agent)) == {ent.key, a.key}


def test_filters_by_organisation_level_target_and_period(world, history):
    a, b, _ent = history
    mine = sla_alert_list(actor=world.agent, organisation_id=world.org_b.pk)
    assert keys(mine) == {b.key}
    breaches = sla_alert_list(actor=world.agent, level="breach", target="first_response")
    assert all((x.level, x.target) == ("breach", "first_response") for x in breaches)
    monday = sla_alert_list(
        actor=world.agent, since=paris(2026, 11, 30), until=paris(2026, 11, 30, 12)
    )
    assert {(x.ticket.key, x.level) for x in monday} == {
        (a.key, "warning"),  # 10:12
        (a.key, "breach"),  # 11:00
    }
    ordered = [x.due_at for x in sla_alert_list(actor=world.agent)]
    assert ordered == sorted(ordered, reverse=True)


def test_counts_per_group_as_at_the_time_of_the_alert(world, history):
    a, _b, _ent = history
    by_desk = {
        c.group.slug: (c.warnings, c.breaches)
        for c in sla_alert_counts(actor=world.admin, by="desk")
    }
    # SPT: alice's warned once (first response), then both breaches; bob's two breaches.
    assert by_desk["spt"] == (1, 4)
    by_priority = {
        c.group.code: c.breaches
        for c in sla_alert_counts(actor=world.admin, by="priority", desk_id=a.desk_id)
    }
    assert by_priority == {"bloquante": 2, "haute": 2}
    # The snapshot: moving alice's ticket to another priority leaves the history alone.
    actions.ticket_update(actor=world.agent, ticket=a, changes={"priority": prio("basse")})
    again = sla_alert_counts(actor=world.admin, by="priority", desk_id=a.desk_id)
    assert {c.group.code: c.breaches for c in again} == by_priority
    by_org = {c.group: c.breaches for c in sla_alert_counts(actor=world.agent, by="organisation")}
    assert by_org[world.org_b] == 2


def test_counts_cost_two_queries(world, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        counts = sla_alert_counts(actor=world.agent, by="service")
    assert sum(c.breaches for c in counts) > 0
    with django_assert_max_num_queries(1):
        rows = list(sla_alert_list(actor=world.agent))
        assert {r.ticket.key for r in rows} and {str(r.priority) for r in rows}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"level": "panic"}, "level"),
        ({"target": "lunch"}, "target"),
        ({"since": paris(2026, 12, 2), "until": paris(2026, 12, 1)}, "until"),
    ],
)
def test_bad_filters_are_refused_on_their_field(world, kwargs, field):
    with pytest.raises(InvalidInput) as exc:
        sla_alert_list(actor=world.agent, **kwargs)
    assert exc.value.field == field


def test_an_unknown_grouping_is_refused(world):
    with pytest.raises(InvalidInput) as exc:
        sla_alert_counts(actor=world.agent, by="assignee__password")
    assert exc.value.field == "by"
